/**
 * The dashboard's document from the store: the catalogue, the fleet's posture over time, and every
 * cluster in scope with what fails, why, how to fix it, what changed and who changed it.
 *
 * Reads: the cluster summaries (all pages), then one query each for the failing findings, the active
 * suppressions and the evaluations that changed something, of the whole fleet (never one per cluster:
 * 2,000 clusters would mean 6,000 round trips, and a table scan each on Azurite).
 */
import { catalogue, BASELINE_VERSION, findCheck } from "../baseline/catalogue.js";
import { exemptionsFromTags } from "../baseline/evaluate.js";
import { defaultProfile } from "../baseline/profile.js";
import { CATEGORIES, type Category, type Evidence, type Exemption, type Severity } from "../baseline/types.js";
import type { ClusterRef } from "../model/snapshot.js";
import { severityRank } from "../report/severity.js";
import type { SummaryPage } from "../store/clusterSummaries.js";
import { fleetKey } from "../store/fleetReads.js";
import type { FleetPosture } from "../store/fleetPosture.js";
import { truncateText } from "../store/textProperties.js";
import type { AuditQuery } from "../store/audit.js";
import type { AuditRecord } from "../model/audit.js";
import type { OutboxSummary } from "../store/outbox.js";
import type { ClusterSummaryRecord, EvaluationRecord, FindingRecord, Suppression } from "../store/types.js";
import type { AuditEntry, DashboardCluster, DashboardFinding, DashboardModel, HistoryEntry, TrendPoint } from "./model.js";

/** What the dashboard reads (shared/store/tableStore.ts implements it); the maps are keyed by `fleetKey`. */
export interface DashboardStore {
  listClusterSummaries(options?: { subscriptionId?: string; continuation?: string; pageSize?: number }): Promise<SummaryPage>;
  listFailingFindings(subscriptionIds: readonly string[]): Promise<ReadonlyMap<string, FindingRecord[]>>;
  listActiveSuppressions(now: string): Promise<ReadonlyMap<string, Suppression[]>>;
  listChangingEvaluations(since: string): Promise<ReadonlyMap<string, EvaluationRecord[]>>;
  listFleetPosture(options?: { limit?: number }): Promise<FleetPosture[]>;
  /** The outbox's counts (the overview's "Alert delivery"); optional: without it the page does not show them. */
  outboxSummary?(): Promise<OutboxSummary>;
  /** The audit trail (the cluster pages); optional: without it the pages do not show one. */
  listAudit?(query?: AuditQuery): Promise<AuditRecord[]>;
}

export interface LoadDashboardOptions {
  now?: Date;
  /** When non-empty, only these subscriptions (case-insensitive). */
  subscriptions?: readonly string[];
  /** Change-history entries per cluster (default 20), from the last `historyDays` (default 90). */
  historyLimit?: number;
  historyDays?: number;
  /**
   * Include the stored fleet points (default true). They count the whole monitored fleet: leave them out
   * when the page is filtered to a part of it, or the trend would end in a cliff.
   */
  fleetTrend?: boolean;
  /** The profile's exemption tag (default: the default profile's): exempt failures are shown as accepted, not counted. */
  exemptionTag?: string;
}

const SUMMARY_PAGE = 1_000;
const TREND_DAYS = 90;
/** Several sweeps a day (the command line) are kept as one point: the day's last. */
const POSTURE_READ = 1_000;
const MAX_EVIDENCE = 20;
const MAX_TEXT = 300;
const AUDIT_PER_CLUSTER = 20;
/** The fleet's audit rows of the history window, read in one query (newest first), at most this many. */
const AUDIT_READ = 10_000;

export async function loadDashboard(store: DashboardStore, options: LoadDashboardOptions = {}): Promise<DashboardModel> {
  const now = options.now ?? new Date();
  const scope = [...new Set((options.subscriptions ?? []).map((id) => id.toLowerCase()))];
  const since = new Date(now.getTime() - (options.historyDays ?? TREND_DAYS) * 86_400_000).toISOString();
  const summaries = await listSummaries(store, scope);
  const [posture, findings, suppressions, evaluations, outbox, audit] = await Promise.all([
    options.fleetTrend === false ? Promise.resolve([]) : store.listFleetPosture({ limit: POSTURE_READ }),
    store.listFailingFindings([...new Set(summaries.map((record) => record.ref.subscriptionId.toLowerCase()))]),
    store.listActiveSuppressions(now.toISOString()),
    store.listChangingEvaluations(since),
    store.outboxSummary?.(),
    store.listAudit ? store.listAudit({ since, limit: AUDIT_READ }).then(auditByCluster) : Promise.resolve(undefined),
  ]);
  const settings = { historyLimit: options.historyLimit ?? 20, exemptionTag: options.exemptionTag ?? defaultProfile.exemptionTag };
  const loaded = summaries.map((record) => {
    const key = fleetKey(record.ref);
    const entry = clusterOf(record, findings.get(key) ?? [], suppressions.get(key) ?? [], evaluations.get(key) ?? [], settings);
    if (audit) entry.cluster.audit = audit.get(key) ?? [];
    return entry;
  });
  loaded.sort((a, b) => compareRanks(a.rank, b.rank) || a.cluster.name.localeCompare(b.cluster.name) || a.cluster.id.localeCompare(b.cluster.id));
  const clusters = loaded.map(({ cluster }) => cluster);
  return {
    generatedAt: now.toISOString(),
    baseline: BASELINE_VERSION,
    ...(options.subscriptions && options.subscriptions.length > 0 ? { scope: [...options.subscriptions] } : {}),
    checks: catalogue.map(({ id, title, category, severity }) => ({ id, title, category, severity })),
    categories: Object.keys(CATEGORIES) as Category[],
    trend: [...dailyPoints(posture), nowPoint(clusters, now)],
    clusters,
    ...(outbox ? { delivery: outbox } : {}),
  };
}

/** Each cluster's newest rows (the trail is read newest first), keyed like the other fleet reads. */
function auditByCluster(records: readonly AuditRecord[]): Map<string, AuditEntry[]> {
  const byCluster = new Map<string, AuditEntry[]>();
  for (const { cluster, ...entry } of records) {
    const key = fleetKey(cluster);
    const rows = byCluster.get(key) ?? [];
    if (rows.length >= AUDIT_PER_CLUSTER) continue;
    rows.push({ ...entry, ...(entry.reason !== undefined ? { reason: truncateText(entry.reason, MAX_TEXT) } : {}) });
    byCluster.set(key, rows);
  }
  return byCluster;
}

/** Every cluster summary in scope that is not deleted: one subscription's partition each, or the whole table. */
async function listSummaries(store: DashboardStore, scope: readonly string[]): Promise<ClusterSummaryRecord[]> {
  const lists = await Promise.all((scope.length > 0 ? scope : [undefined]).map((subscriptionId) => allPages(store, subscriptionId)));
  return lists.flat().filter((record) => !record.deletedAt);
}

async function allPages(store: DashboardStore, subscriptionId: string | undefined): Promise<ClusterSummaryRecord[]> {
  const records: ClusterSummaryRecord[] = [];
  let continuation: string | undefined;
  do {
    const page = await store.listClusterSummaries({
      pageSize: SUMMARY_PAGE,
      ...(subscriptionId ? { subscriptionId } : {}),
      ...(continuation ? { continuation } : {}),
    });
    records.push(...page.items);
    continuation = page.continuation;
  } while (continuation);
  return records;
}

/** Failing unsuppressed findings at high or above, then all failing unsuppressed findings: the sort key. */
interface Rank {
  highOrAbove: number;
  failing: number;
}

function compareRanks(a: Rank, b: Rank): number {
  return b.highOrAbove - a.highOrAbove || b.failing - a.failing;
}

function clusterOf(
  record: ClusterSummaryRecord,
  failing: readonly FindingRecord[],
  suppressions: Suppression[],
  evaluations: readonly EvaluationRecord[],
  options: { historyLimit: number; exemptionTag: string },
): { cluster: DashboardCluster; rank: Rank } {
  const ref = record.ref;
  // The exemptions as the last evaluation applied them (its summary counts them as exempt).
  const { exemptions } = exemptionsFromTags(record.tags, options.exemptionTag, new Date(record.lastEvaluatedAt));
  const snoozed = new Map(suppressions.map((s) => [s.check, s]));
  const findings: DashboardFinding[] = [];
  const failingByCategory: DashboardCluster["failingByCategory"] = {};
  const rank: Rank = { highOrAbove: 0, failing: 0 };
  let worstSeverity: Severity | undefined;
  for (const finding of failing) {
    const check = findCheck(finding.check);
    // A row of a check the last evaluation no longer ran (retired, or turned off by the profile) is stale.
    if (!check || finding.lastSeen < record.lastEvaluatedAt) continue;
    const suppressed = suppressedBy(snoozed.get(finding.check), exemptions.get(finding.check));
    findings.push(dashboardFinding(finding, suppressed));
    if (finding.lastStatus !== "fail" || suppressed) continue;
    failingByCategory[check.category] = (failingByCategory[check.category] ?? 0) + 1;
    rank.failing += 1;
    if (severityRank(finding.severity) <= severityRank("high")) rank.highOrAbove += 1;
    if (!worstSeverity || severityRank(finding.severity) < severityRank(worstSeverity)) worstSeverity = finding.severity;
  }
  findings.sort((a, b) => findingOrder(a) - findingOrder(b) || severityRank(a.severity) - severityRank(b.severity) || a.check.localeCompare(b.check));
  const cluster: DashboardCluster = {
    id: ref.id,
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    name: ref.name,
    ...(record.location ? { location: record.location } : {}),
    ...(record.kubernetesVersion ? { kubernetesVersion: record.kubernetesVersion } : {}),
    tags: record.tags ?? {},
    summary: record.summary,
    lastEvaluatedAt: record.lastEvaluatedAt,
    lastTrigger: record.lastTrigger,
    ...(record.lastEventAt ? { lastEventAt: record.lastEventAt } : {}),
    ...(worstSeverity ? { worstSeverity } : {}),
    failingByCategory,
    findings,
    ...(record.nodeHealth ? { nodeHealth: record.nodeHealth } : {}),
    history: history(evaluations, options.historyLimit),
    suppressions,
  };
  return { cluster, rank };
}

/** Failing first, then errors, then what is suppressed. */
function findingOrder(finding: DashboardFinding): number {
  if (finding.suppressed) return 2;
  return finding.lastStatus === "fail" ? 0 : 1;
}

/** A snooze, else an exemption the cluster declares in its tags (an accepted risk, never counted as failing). */
function suppressedBy(suppression: Suppression | undefined, exemption: Exemption | undefined): DashboardFinding["suppressed"] {
  if (suppression) return { kind: "snooze", until: suppression.until, by: suppression.by, reason: suppression.reason };
  if (exemption) return { kind: "exemption", ...(exemption.until ? { until: exemption.until } : {}), by: exemption.by ?? exemption.source, reason: exemption.reason };
  return undefined;
}

function dashboardFinding(finding: FindingRecord, suppressed: DashboardFinding["suppressed"]): DashboardFinding {
  return {
    check: finding.check,
    status: finding.status,
    lastStatus: finding.lastStatus,
    severity: finding.severity,
    message: finding.message,
    evidence: smallEvidence(finding.evidence),
    ...(finding.remediation ? { remediation: finding.remediation } : {}),
    ...(finding.firstSeen ? { firstSeen: finding.firstSeen } : {}),
    // A check never evaluated before its first error has the error as its message too: not sent twice.
    ...(finding.lastError && finding.lastError !== finding.message ? { lastError: finding.lastError } : {}),
    ...(suppressed ? { suppressed } : {}),
  };
}

/** At most 20 rows; a value longer than 300 characters (as JSON, unless a string) is cut to a string. */
function smallEvidence(evidence: readonly Evidence[]): Evidence[] {
  const rows = evidence.slice(0, MAX_EVIDENCE).map((item): Evidence => {
    const text = typeof item.value === "string" ? item.value : JSON.stringify(item.value);
    return {
      path: truncateText(item.path, MAX_TEXT),
      value: text !== undefined && text.length > MAX_TEXT ? truncateText(text, MAX_TEXT) : item.value,
      ...(item.expected !== undefined ? { expected: truncateText(item.expected, MAX_TEXT) } : {}),
    };
  });
  if (evidence.length > MAX_EVIDENCE) rows.push({ path: "…", value: `+${evidence.length - MAX_EVIDENCE} more evidence items` });
  return rows;
}

/** Evaluations that changed something (newest first, as read). */
function history(evaluations: readonly EvaluationRecord[], limit: number): HistoryEntry[] {
  return evaluations
    .filter((evaluation) => evaluation.changes && evaluation.changes.length > 0)
    .slice(0, Math.max(0, limit))
    .map((evaluation) => ({
      at: evaluation.at,
      trigger: evaluation.trigger,
      ...(evaluation.actor ? { actor: evaluation.actor } : {}),
      changes: (evaluation.changes ?? []).map(({ check, kind, settings }) => ({ check, kind, settings })),
    }));
}

/** The stored points (oldest first), one per UTC day (its last), of the last 90 days with one. */
function dailyPoints(posture: readonly FleetPosture[]): TrendPoint[] {
  const byDay = new Map<string, TrendPoint>();
  for (const point of posture) byDay.set(point.at.slice(0, 10), { at: point.at, clusters: point.clusters, failingClusters: point.failingClusters, counts: point.counts });
  return [...byDay.values()].sort((a, b) => a.at.localeCompare(b.at)).slice(-TREND_DAYS);
}

/** Now, from the clusters as loaded: a cluster fails when a high or critical failure is neither snoozed nor exempt. */
function nowPoint(clusters: readonly DashboardCluster[], now: Date): TrendPoint {
  const counts = { pass: 0, fail: 0, error: 0, exempt: 0 };
  let failingClusters = 0;
  for (const cluster of clusters) {
    counts.pass += cluster.summary.pass;
    counts.fail += cluster.summary.fail;
    counts.error += cluster.summary.error;
    counts.exempt += cluster.summary.exempt;
    if (cluster.worstSeverity && severityRank(cluster.worstSeverity) <= severityRank("high")) failingClusters += 1;
  }
  return { at: now.toISOString(), clusters: clusters.length, failingClusters, counts };
}
