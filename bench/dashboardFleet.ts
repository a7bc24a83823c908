/**
 * A synthetic fleet for the dashboard (its benchmark and browser tests): realistic findings from the real
 * catalogue, with evidence, remediation, history, suppressions and node health, deterministic for a seed.
 * `syntheticFleet` is a typical fleet (0 to 9 failures a cluster); `heavyFleet` is what a badly configured
 * fleet stores at the model's limits (about 30 failures a cluster with evidence, 20 history entries).
 */
import { BASELINE_VERSION, catalogue } from "../shared/baseline/catalogue.js";
import { CATEGORIES, type Category, SEVERITIES, type Severity } from "../shared/baseline/types.js";
import type { DashboardCluster, DashboardFinding, DashboardModel, HistoryEntry, TrendPoint } from "../shared/dashboard/model.js";
import { LOCATIONS, subscriptionIds } from "./sweepFleet.js";

const DAY_MS = 86_400_000;
export const FLEET_NOW = "2026-11-26T12:00:00.000Z";
const ENVIRONMENTS = ["prod", "stg", "dev"];
const TEAMS = ["payments", "web", "data", "platform", "search"];
const VERSIONS = ["1.31.9", "1.32.5", "1.33.2"];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const isoBefore = (now: string, ms: number) => new Date(Date.parse(now) - ms).toISOString();

function categoryOf(checkId: string): Category {
  const check = catalogue.find((c) => c.id === checkId);
  if (!check) throw new Error(`no check ${checkId} in the catalogue`);
  return check.category;
}

export function checksOfCatalogue(): DashboardModel["checks"] {
  return catalogue.map(({ id, title, category, severity }) => ({ id, title, category, severity }));
}

/** A failing finding of a catalogue check, with the check's remediation filled in for this cluster. */
export function failingFinding(
  checkId: string,
  where: { resourceGroup: string; name: string },
  at: string,
  extra: Partial<DashboardFinding> = {},
): DashboardFinding {
  const check = catalogue.find((c) => c.id === checkId);
  if (!check) throw new Error(`no check ${checkId} in the catalogue`);
  const remediation = check.remediation.command
    ?.replaceAll("{resourceGroup}", where.resourceGroup)
    .replaceAll("{name}", where.name)
    .replaceAll("{pool}", "nodepool1");
  return {
    check: check.id,
    status: "fail",
    lastStatus: "fail",
    severity: check.severity,
    message: `${check.title}: not met on ${where.name}.`,
    evidence: [{ path: `properties.${check.id.replaceAll("-", ".")}`, value: false, expected: "true" }],
    ...(remediation ? { remediation } : {}),
    firstSeen: at,
    ...extra,
  };
}

/** The derived fields of a cluster (summary fail count, worst severity, heatmap cells) from its findings. */
export function withDerived(cluster: Omit<DashboardCluster, "worstSeverity" | "failingByCategory">): DashboardCluster {
  const failing = cluster.findings.filter((f) => f.status === "fail" && !f.suppressed);
  const failingByCategory: Partial<Record<Category, number>> = {};
  for (const f of failing) {
    const category = categoryOf(f.check);
    failingByCategory[category] = (failingByCategory[category] ?? 0) + 1;
  }
  const worst = failing.map((f) => SEVERITIES.indexOf(f.severity)).sort((a, b) => a - b)[0];
  return {
    ...cluster,
    summary: { ...cluster.summary, fail: failing.length },
    failingByCategory,
    ...(worst === undefined ? {} : { worstSeverity: SEVERITIES[worst] as Severity }),
  };
}

/** Worst first, as the model promises: most high-or-above failures, then failures, then name. */
export function worstFirst(clusters: DashboardCluster[]): DashboardCluster[] {
  const highOrAbove = (c: DashboardCluster) => c.findings.filter((f) => f.status === "fail" && !f.suppressed && SEVERITIES.indexOf(f.severity) <= 1).length;
  return [...clusters].sort((a, b) => highOrAbove(b) - highOrAbove(a) || b.summary.fail - a.summary.fail || a.name.localeCompare(b.name));
}

/** A 30-day trend ending with the clusters as they are now. */
export function trendOf(clusters: DashboardCluster[], now: string, days = 30): TrendPoint[] {
  const failNow = clusters.reduce((n, c) => n + c.summary.fail, 0);
  const failingNow = clusters.filter((c) => c.worstSeverity === "critical" || c.worstSeverity === "high").length;
  const next = random(days);
  return Array.from({ length: days + 1 }, (_, i) => {
    const drift = 1 + (days - i) * 0.01 + next() * 0.05;
    const last = i === days;
    return {
      at: last ? now : isoBefore(now, (days - i) * DAY_MS - 2 * 3_600_000),
      clusters: clusters.length,
      failingClusters: last ? failingNow : Math.round(failingNow * drift),
      counts: {
        pass: clusters.reduce((n, c) => n + c.summary.pass, 0),
        fail: last ? failNow : Math.round(failNow * drift),
        error: clusters.reduce((n, c) => n + c.summary.error, 0),
        exempt: clusters.reduce((n, c) => n + c.summary.exempt, 0),
      },
    };
  });
}

export function syntheticFleet(count: number, seed = 1, now = FLEET_NOW): DashboardModel {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const subscriptions = subscriptionIds(20);
  const checks = checksOfCatalogue();
  const clusters = Array.from({ length: count }, (_, i): DashboardCluster => {
    const subscriptionId = subscriptions[i % subscriptions.length]!;
    const environment = ENVIRONMENTS[i % ENVIRONMENTS.length]!;
    const resourceGroup = `rg-${environment}-${i % 10}`;
    const name = `aks-${environment}-${String(i).padStart(4, "0")}`;
    const evaluatedAt = isoBefore(now, Math.floor(next() * DAY_MS));
    const where = { resourceGroup, name };
    const failingIds = new Set(Array.from({ length: Math.floor(next() * 10) }, () => pick(checks).id));
    const findings = [...failingIds].map((id) => failingFinding(id, where, isoBefore(now, Math.floor(next() * 40) * DAY_MS)));
    const suppressed = findings.length > 2 && next() < 0.2 ? findings[0]! : undefined;
    const suppressions = suppressed
      ? [{ check: suppressed.check, until: isoBefore(now, -14 * DAY_MS), by: "secops@contoso.com", reason: "Accepted until the network rework lands", createdAt: isoBefore(now, 3 * DAY_MS) }]
      : [];
    if (suppressed) suppressed.suppressed = { kind: "snooze", until: suppressions[0]!.until, by: suppressions[0]!.by, reason: suppressions[0]!.reason };
    const history: HistoryEntry[] = findings.slice(0, Math.floor(next() * 3)).map((f, n) => ({
      at: isoBefore(now, (n + 1) * 3 * DAY_MS),
      trigger: "event",
      actor: { name: `${pick(TEAMS)}-admin@contoso.com`, at: isoBefore(now, (n + 1) * 3 * DAY_MS + 60_000), operation: "Microsoft.ContainerService/managedClusters/write" },
      changes: [{ check: f.check, kind: "newFailure", settings: [{ path: f.evidence[0]!.path, before: true, after: false }] }],
    }));
    const pools = ["system", "user"].map((pool) => ({
      pool,
      image: "AKSUbuntu-2204gen2containerd-202510.01.0",
      latest: "AKSUbuntu-2204gen2containerd-202511.15.0",
      daysBehind: next() < 0.4 ? Math.floor(next() * 60) : 0,
      nodes: 3,
    }));
    const reboots = next() < 0.15 ? [{ node: `aks-user-${i}-vmss000000`, pool: "user", since: isoBefore(now, Math.floor(next() * 20 * DAY_MS)) }] : [];
    return withDerived({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      subscriptionId,
      resourceGroup,
      name,
      location: LOCATIONS[i % LOCATIONS.length]!,
      kubernetesVersion: pick(VERSIONS),
      tags: { env: environment, team: pick(TEAMS) },
      summary: { pass: checks.length - findings.length - 8, fail: 0, error: next() < 0.05 ? 1 : 0, notApplicable: 8, exempt: 0 },
      lastEvaluatedAt: evaluatedAt,
      lastTrigger: pick(["sweep", "event", "recheck"] as const),
      findings,
      nodeHealth: { reboots, pools: pools.sort((a, b) => b.daysBehind - a.daysBehind) },
      history,
      suppressions,
    });
  });
  return fleetModel(clusters, checks, now);
}

const HEAVY_SETTINGS = ["enabled", "mode", "profile", "allowedRanges", "tier", "version", "policy", "retentionDays"];
const CIDRS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "20.50.0.0/16", "52.174.12.0/24", "0.0.0.0/0"];

/** A setting's value as ARM holds it: mostly a flag, a mode or a number; now and then a list of ranges or a resource id. */
function settingValue(next: () => number, subscriptionId: string, resourceGroup: string): unknown {
  const roll = next();
  if (roll < 0.35) return next() < 0.5;
  if (roll < 0.65) return ["Disabled", "Audit", "Enforce", "None", "Standard", "Free"][Math.floor(next() * 6)];
  if (roll < 0.85) return Math.floor(next() * 400);
  if (roll < 0.97) return CIDRS.filter(() => next() < 0.3);
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.OperationalInsights/workspaces/law-${Math.floor(next() * 90)}`;
}

/** What a check reads, as a check would report it: the same paths and expectations on every cluster, a few possible values. */
interface EvidenceTemplate {
  path: string;
  expected?: string;
  values: unknown[];
}

function evidenceTemplates(next: () => number, checkId: string): EvidenceTemplate[] {
  const section = checkId.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const expectations = ["true", "Enforce", "at least one CIDR", "30 or more", "set", "Standard", undefined];
  return Array.from({ length: 3 + Math.floor(next() * 3) }, (_, e) => {
    const expected = expectations[Math.floor(next() * expectations.length)];
    return {
      path: `properties.${section}Profile.${HEAVY_SETTINGS[(e + checkId.length) % HEAVY_SETTINGS.length]}`,
      ...(expected ? { expected } : {}),
      values: Array.from({ length: 3 }, () => settingValue(next, "{subscription}", "{resourceGroup}")),
    };
  });
}

/**
 * What a badly configured fleet stores at the model's limits: about 30 failures a cluster, each with 3 to 5
 * evidence rows, a remediation of about 100 characters and a message of about 120; a snooze and an
 * exemption here and there; 20 history entries of 2 to 4 changes each. The benchmark's worst case.
 * As in a real fleet, a check reports the same paths and messages on every cluster, with the values differing.
 */
export function heavyFleet(count: number, seed = 7, now = FLEET_NOW): DashboardModel {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const subscriptions = subscriptionIds(20);
  const checks = checksOfCatalogue();
  const templates = new Map(checks.map((check) => [check.id, evidenceTemplates(next, check.id)]));
  const clusters = Array.from({ length: count }, (_, i): DashboardCluster => {
    const subscriptionId = subscriptions[i % subscriptions.length]!;
    const environment = ENVIRONMENTS[i % ENVIRONMENTS.length]!;
    const resourceGroup = `rg-${environment}-${i % 10}`;
    const name = `aks-${environment}-${String(i).padStart(4, "0")}`;
    const fill = (value: unknown) =>
      typeof value === "string" ? value.replace("{subscription}", subscriptionId).replace("{resourceGroup}", resourceGroup) : value;
    const failing = [...checks].sort(() => next() - 0.5).slice(0, 28 + Math.floor(next() * 5));
    let errors = 0;
    let exempt = 0;
    const findings = failing.map((check): DashboardFinding => {
      const spec = catalogue.find((c) => c.id === check.id)!;
      const evidence = templates.get(check.id)!.map(({ path, expected, values }) => ({ path, value: fill(pick(values)), ...(expected ? { expected } : {}) }));
      const remediation = (
        spec.remediation.command
          ?.replaceAll("{resourceGroup}", resourceGroup)
          .replaceAll("{name}", name)
          .replaceAll("{pool}", "nodepool1") ?? `az aks update -g ${resourceGroup} -n ${name}`
      ).concat(` --subscription ${subscriptionId}`);
      const erring = next() < 0.04;
      if (erring) errors += 1;
      const first = evidence[0]!;
      const finding: DashboardFinding = {
        check: check.id,
        status: "fail",
        lastStatus: erring ? "error" : "fail",
        severity: check.severity,
        message: `${name}: ${first.path} is ${JSON.stringify(first.value).slice(0, 30)}, expected ${first.expected ?? "a compliant value"}. ${check.title}.`.slice(0, 160),
        evidence,
        remediation,
        firstSeen: isoBefore(now, Math.floor(next() * 90 * DAY_MS)),
        ...(erring ? { lastError: `429 Too Many Requests reading ${first.path}: retried 3 times, the previous verdict is kept` } : {}),
      };
      const roll = next();
      if (roll < 0.04) {
        finding.suppressed = { kind: "snooze", until: isoBefore(now, -Math.floor(next() * 30 + 1) * DAY_MS), by: `${pick(TEAMS)}-lead@contoso.com`, reason: "Fix scheduled with the next maintenance window" };
      } else if (roll < 0.07) {
        exempt += 1;
        finding.suppressed = {
          kind: "exemption",
          ...(next() < 0.5 ? { until: isoBefore(now, -Math.floor(next() * 180 + 1) * DAY_MS) } : {}),
          by: "tag aksmon-exempt",
          reason: "Accepted risk: the workload needs it (security review SR-1234)",
        };
      }
      return finding;
    });
    const suppressions = findings
      .filter((f) => f.suppressed?.kind === "snooze")
      .map((f) => ({ check: f.check, until: f.suppressed!.until!, by: f.suppressed!.by, reason: f.suppressed!.reason, createdAt: isoBefore(now, 3 * DAY_MS) }));
    const history: HistoryEntry[] = Array.from({ length: 20 }, (_, n) => {
      const at = isoBefore(now, (n + 1) * 2 * DAY_MS - Math.floor(next() * DAY_MS));
      const trigger = pick(["event", "event", "sweep", "recheck"] as const);
      return {
        at,
        trigger,
        ...(trigger === "event"
          ? { actor: { name: `${pick(TEAMS)}-admin@contoso.com`, at, operation: "Microsoft.ContainerService/managedClusters/write" } }
          : {}),
        changes: Array.from({ length: 2 + Math.floor(next() * 3) }, () => {
          const f = pick(findings);
          return {
            check: f.check,
            kind: pick(["newFailure", "regressed", "resolved"] as const),
            settings: templates
              .get(f.check)!
              .slice(0, next() < 0.8 ? 1 : 2)
              .map((t) => ({ path: t.path, before: fill(pick(t.values)), after: fill(pick(t.values)) })),
          };
        }),
      };
    });
    const pools = ["system", "user", "batch"].map((pool) => ({
      pool,
      image: "AKSUbuntu-2204gen2containerd-202510.01.0",
      latest: "AKSUbuntu-2204gen2containerd-202511.15.0",
      daysBehind: next() < 0.6 ? Math.floor(next() * 90) : 0,
      nodes: 3 + Math.floor(next() * 10),
    }));
    const reboots = next() < 0.3 ? [{ node: `aks-user-${i}-vmss000000`, pool: "user", since: isoBefore(now, Math.floor(next() * 20 * DAY_MS)) }] : [];
    return withDerived({
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
      subscriptionId,
      resourceGroup,
      name,
      location: LOCATIONS[i % LOCATIONS.length]!,
      kubernetesVersion: pick(VERSIONS),
      tags: { env: environment, team: pick(TEAMS), costCenter: `cc-${1000 + (i % 37)}`, "aksmon-exempt": exempt ? "see the security review" : "none" },
      summary: { pass: Math.max(0, checks.length - findings.length - 6), fail: 0, error: errors, notApplicable: 6, exempt },
      lastEvaluatedAt: isoBefore(now, Math.floor(next() * DAY_MS)),
      lastTrigger: pick(["sweep", "event", "recheck"] as const),
      lastEventAt: isoBefore(now, Math.floor(next() * 5 * DAY_MS)),
      findings,
      nodeHealth: { reboots, pools: pools.sort((a, b) => b.daysBehind - a.daysBehind) },
      history,
      suppressions,
    });
  });
  return fleetModel(clusters, checks, now);
}

/** The document of a generated fleet: worst first, with a trend ending now. */
function fleetModel(clusters: DashboardCluster[], checks: DashboardModel["checks"], now: string): DashboardModel {
  const sorted = worstFirst(clusters);
  return {
    generatedAt: now,
    baseline: BASELINE_VERSION,
    checks,
    categories: Object.keys(CATEGORIES) as Category[],
    trend: trendOf(sorted, now),
    clusters: sorted,
  };
}
