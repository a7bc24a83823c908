/**
 * The dashboard's document (shared/dashboard/load.ts) from a store filled by the real pipeline
 * (`monitorCluster` over test clusters) on an in-process Azurite.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCheck } from "../shared/baseline/catalogue.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { CATEGORIES } from "../shared/baseline/types.js";
import { loadDashboard } from "../shared/dashboard/load.js";
import type { DashboardCluster, DashboardModel } from "../shared/dashboard/model.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import type { Trigger } from "../shared/model/alerts.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, compliantCluster, SUBSCRIPTION, snapshotOf, type Json, type RestExtras } from "./support/clusters.js";

const OTHER_SUBSCRIPTION = "0b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e";
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };
const DAY = 86_400_000;
const T0 = Date.parse("2026-11-20T02:00:00Z");
const NOW = new Date("2026-11-26T12:00:00Z");
const ALICE = { name: "alice@contoso.com", at: "2026-11-25T09:59:58Z", operation: "Microsoft.ContainerService/managedClusters/write" };

let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;
let model: DashboardModel;

function placed(body: Json, name: string, subscriptionId = SUBSCRIPTION): Json {
  const copy = structuredClone(body);
  copy.id = `/subscriptions/${subscriptionId}/resourceGroups/rg-test/providers/Microsoft.ContainerService/managedClusters/${name}`;
  copy.name = name;
  return copy;
}

async function evaluated(body: Json, trigger: Trigger, at: number, extras?: RestExtras): Promise<ClusterRef> {
  const snapshot = await snapshotOf(body, extras ? { extras } : {});
  await monitorCluster(snapshot, trigger, store, MONITOR, new Date(at));
  return snapshot.ref;
}

const cluster = (name: string): DashboardCluster => {
  const found = model.clusters.find((c) => c.name === name);
  if (!found) throw new Error(`${name} is not on the dashboard`);
  return found;
};

const weak = (edit: (body: Json) => void = () => {}) =>
  clusterWith((b) => {
    b.properties.disableLocalAccounts = false;
    b.tags = { env: "prod", team: "payments" };
    edit(b);
  });

beforeAll(async () => {
  azurite = await startAzurite();
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("dashload") });
  await store.ensureTables();

  const sweep = (day: number): Trigger => ({ kind: "sweep", id: `sweep-${day}` });
  // Day 0: three clusters in the subscription, one in another, one soon deleted.
  await evaluated(placed(compliantCluster(), "aks-strong"), sweep(0), T0);
  const weakRef = await evaluated(placed(weak(), "aks-weak"), sweep(0), T0);
  await evaluated(placed(clusterWith((b) => (b.properties.enableRBAC = false)), "aks-norbac"), sweep(0), T0);
  await evaluated(placed(weak(), "aks-elsewhere", OTHER_SUBSCRIPTION), sweep(0), T0);
  const goneRef = await evaluated(placed(weak(), "aks-gone"), sweep(0), T0);
  await store.closeDeletedCluster(goneRef, new Date(T0 + DAY).toISOString());
  // A failure read once, then not readable: the verdict is kept, the error is the last word.
  await evaluated(placed(compliantCluster(), "aks-unread"), sweep(0), T0, { direct: { diagnosticSettings: { ok: true, value: [] } } });
  await evaluated(placed(compliantCluster(), "aks-unread"), sweep(1), T0 + DAY);

  // Day 5: alice turns Kubernetes RBAC off on aks-weak (an event with the actor).
  await evaluated(
    placed(
      weak((b) => (b.properties.enableRBAC = false)),
      "aks-weak",
    ),
    { kind: "event", id: "evt-1", actor: ALICE },
    T0 + 5 * DAY,
  );
  // Snooze the local-accounts failure of aks-weak until next month.
  await store.setSuppression(weakRef, {
    check: "local-accounts-disabled",
    until: "2026-12-31T00:00:00Z",
    by: "bob@contoso.com",
    reason: "migration to Entra ID in December",
    createdAt: new Date(T0 + 5 * DAY).toISOString(),
  });

  // Three nightly digests: two sweeps on day 1 (the day's last one counts), one on day 2.
  const point = (at: number, failingClusters: number) => ({ at: new Date(at).toISOString(), clusters: 4, failingClusters, counts: { pass: 200, fail: 10, error: 5, exempt: 0 } });
  await store.recordFleetPosture(point(T0 + DAY, 1));
  await store.recordFleetPosture(point(T0 + DAY + 3_600_000, 2));
  await store.recordFleetPosture(point(T0 + 2 * DAY, 3));

  // The audit trail (helper rows as the bot and the recheck endpoint append them): two on aks-weak, one elsewhere.
  await store.recordAudit({ at: new Date(T0 + 5 * DAY).toISOString(), action: "snooze", cluster: weakRef, actor: "bob@contoso.com (aad 0000)", via: "bot", check: "local-accounts-disabled", until: "2026-12-31T00:00:00Z", reason: "migration to Entra ID in December" });
  await store.recordAudit({ at: new Date(T0 + 6 * DAY).toISOString(), action: "recheck", cluster: weakRef, actor: "Alice", via: "http" });
  await store.recordAudit({ at: new Date(T0 + 6 * DAY).toISOString(), action: "recheck", cluster: goneRef, actor: "Alice", via: "http" });
  // One alert given up on (the pipeline's own alerts are pending: the test outbox has no channel).
  const [first] = await store.listOutbox("pending");
  await store.markDead((await store.claim(first!, 60_000, new Date(T0 + 6 * DAY).toISOString()))!, "HTTP 400: bad card");

  model = await loadDashboard(store, { now: NOW });
});

afterAll(async () => {
  await store?.close();
  await azurite?.close();
});

describe("loadDashboard", () => {
  it("carries the outbox counts and the oldest undelivered alert for the overview's \"Alert delivery\"", async () => {
    const pending = await store.listOutbox("pending");
    expect(pending.length).toBeGreaterThan(0);
    expect(model.delivery).toEqual({ pending: pending.length, dead: 1, oldestPendingAt: pending.map((entry) => entry.createdAt).sort()[0] });
  });

  it("carries each cluster's audit trail, newest first, on its own cluster only", () => {
    const weakCluster = cluster("aks-weak");
    expect(weakCluster.audit?.map((row) => row.action)).toEqual(["recheck", "snooze"]);
    expect(weakCluster.audit?.[1]).toEqual({
      at: new Date(T0 + 5 * DAY).toISOString(),
      action: "snooze",
      actor: "bob@contoso.com (aad 0000)",
      via: "bot",
      check: "local-accounts-disabled",
      until: "2026-12-31T00:00:00.000Z",
      reason: "migration to Entra ID in December",
    });
    expect(cluster("aks-strong").audit).toEqual([]);
  });

  it("carries the catalogue and its categories in order", () => {
    expect(model.generatedAt).toBe(NOW.toISOString());
    expect(model.baseline).toMatch(/^aksmon-baseline-/);
    expect(model.categories).toEqual(Object.keys(CATEGORIES));
    expect(model.checks).toHaveLength(62);
    expect(model.checks.find((c) => c.id === "local-accounts-disabled")).toEqual({
      id: "local-accounts-disabled",
      title: "Local accounts are disabled",
      category: "identity",
      severity: "high",
    });
    expect(model.scope).toBeUndefined();
  });

  it("lists failing, erroring and suppressed findings with category and remediation; passing ones are only counted", () => {
    const norbac = cluster("aks-norbac");
    const rbac = norbac.findings.find((f) => f.check === "k8s-rbac-enabled")!;
    expect(rbac).toMatchObject({ status: "fail", lastStatus: "fail", severity: "high" });
    expect(model.checks.find((c) => c.id === rbac.check)).toMatchObject({ category: "identity", title: "Kubernetes RBAC is enabled" });
    expect(rbac.evidence).toContainEqual({ path: "properties.enableRBAC", value: false, expected: "true" });
    expect(rbac.firstSeen).toBe(new Date(T0).toISOString());
    const local = cluster("aks-elsewhere").findings.find((f) => f.check === "local-accounts-disabled")!;
    expect(local).toMatchObject({ lastStatus: "fail" });
    expect(local.remediation).toBe("az aks update -g rg-test -n aks-elsewhere --disable-local-accounts");

    for (const c of model.clusters) {
      for (const f of c.findings) {
        expect(f.lastStatus === "fail" || f.lastStatus === "error" || f.suppressed !== undefined).toBe(true);
        expect(model.checks.some((c) => c.id === f.check)).toBe(true);
        expect(f.evidence.length).toBeLessThanOrEqual(21);
      }
      expect(c.findings.filter((f) => f.lastStatus === "fail").length).toBe(c.summary.fail);
      expect(c.findings.filter((f) => f.lastStatus === "error").length).toBe(c.summary.error);
    }
    // The compliant cluster: everything it passes is counted, not listed.
    const strong = cluster("aks-strong");
    expect(strong.summary.pass).toBeGreaterThan(30);
    expect(strong.findings.filter((f) => f.lastStatus === "fail")).toEqual([]);
    expect(strong.worstSeverity).toBeUndefined();
    expect(strong.failingByCategory).toEqual({});
    // A check a cluster file cannot answer (no diagnostic settings read) is an error with its reason, once.
    const errors = strong.findings.filter((f) => f.lastStatus === "error");
    expect(errors.length).toBe(strong.summary.error);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.find((f) => f.check === "control-plane-audit-logs")).toMatchObject({
      status: "error",
      message: expect.stringMatching(/^Not evaluated: the snapshot does not include/),
    });
    for (const f of errors) expect(f.lastError).toBeUndefined();
    const unread = cluster("aks-unread").findings.find((f) => f.check === "control-plane-audit-logs")!;
    expect(unread).toMatchObject({ status: "fail", lastStatus: "error", firstSeen: new Date(T0).toISOString(), lastError: expect.stringMatching(/^Not evaluated/) });
    expect(unread.message).not.toMatch(/^Not evaluated/);
    expect(cluster("aks-unread").failingByCategory).toEqual({});
  });

  it("shows a snoozed failure as suppressed (by whom, until when, why) and does not count it", () => {
    const weakCluster = cluster("aks-weak");
    const local = weakCluster.findings.find((f) => f.check === "local-accounts-disabled")!;
    expect(local.lastStatus).toBe("fail");
    expect(local.suppressed).toEqual({ kind: "snooze", until: "2026-12-31T00:00:00.000Z", by: "bob@contoso.com", reason: "migration to Entra ID in December" });
    expect(weakCluster.suppressions).toEqual([expect.objectContaining({ check: "local-accounts-disabled", by: "bob@contoso.com" })]);
    const failing = weakCluster.findings.filter((f) => f.lastStatus === "fail" && !f.suppressed);
    const byCategory: Record<string, number> = {};
    for (const f of failing) byCategory[findCheck(f.check)!.category] = (byCategory[findCheck(f.check)!.category] ?? 0) + 1;
    expect(weakCluster.failingByCategory).toEqual(byCategory);
    expect(weakCluster.failingByCategory.identity ?? 0).toBe(failing.filter((f) => findCheck(f.check)!.category === "identity").length);
    // The elsewhere cluster has the same local-accounts failure, not snoozed: it counts there.
    expect(cluster("aks-elsewhere").failingByCategory.identity).toBeGreaterThanOrEqual(1);
    expect(cluster("aks-elsewhere").worstSeverity).toBe("high");
  });

  it("shows what changed (settings before → after) and who changed it, newest first", () => {
    const { history } = cluster("aks-weak");
    expect(history.map((h) => h.trigger)).toEqual(["event", "sweep"]);
    const [change, first] = history;
    expect(change!.at).toBe(new Date(T0 + 5 * DAY).toISOString());
    expect(change!.actor).toEqual(ALICE);
    const rbacOff = change!.changes.find((c) => c.check === "k8s-rbac-enabled")!;
    expect(rbacOff).toMatchObject({ kind: "newFailure", check: "k8s-rbac-enabled" });
    expect(rbacOff.settings).toEqual([{ path: "properties.enableRBAC", before: true, after: false }]);
    expect(first!.actor).toBeUndefined();
    expect(first!.changes.map((c) => c.check)).toContain("local-accounts-disabled");
    // A cluster evaluated once with nothing failing has no history.
    expect(cluster("aks-strong").history.every((h) => h.changes.length > 0)).toBe(true);
  });

  it("keeps at most historyLimit entries", async () => {
    const small = await loadDashboard(store, { now: NOW, historyLimit: 1 });
    expect(small.clusters.find((c) => c.name === "aks-weak")!.history.map((h) => h.trigger)).toEqual(["event"]);
  });

  it("has the fleet's daily points, oldest first, then now", () => {
    expect(model.trend.map((p) => [p.at, p.failingClusters])).toEqual([
      [new Date(T0 + DAY + 3_600_000).toISOString(), 2],
      [new Date(T0 + 2 * DAY).toISOString(), 3],
      [NOW.toISOString(), 3],
    ]);
    const now = model.trend.at(-1)!;
    expect(now.clusters).toBe(5);
    expect(now.counts.fail).toBe(model.clusters.reduce((sum, c) => sum + c.summary.fail, 0));
    expect(now.counts.pass).toBe(model.clusters.reduce((sum, c) => sum + c.summary.pass, 0));
  });

  it("leaves deleted clusters out and sorts the worst first", () => {
    expect(model.clusters.map((c) => c.name)).not.toContain("aks-gone");
    const rank = (c: DashboardCluster) => {
      const failing = c.findings.filter((f) => f.lastStatus === "fail" && !f.suppressed);
      return [failing.filter((f) => f.severity === "critical" || f.severity === "high").length, failing.length];
    };
    for (let i = 1; i < model.clusters.length; i++) {
      const [ha, fa] = rank(model.clusters[i - 1]!);
      const [hb, fb] = rank(model.clusters[i]!);
      expect(ha! > hb! || (ha === hb && fa! >= fb!)).toBe(true);
    }
    expect(model.clusters.slice(-2).map((c) => c.name)).toEqual(["aks-strong", "aks-unread"]);
  });

  it("carries tags and node health from the summary", () => {
    expect(cluster("aks-weak").tags).toEqual({ env: "prod", team: "payments" });
    expect(cluster("aks-strong").tags).toEqual({ env: "test" });
    const health = cluster("aks-strong").nodeHealth!;
    expect(health.pools.map((p) => p.pool)).toEqual(["system"]);
    expect(health.pools[0]).toMatchObject({ image: "AKSAzureLinux-V3gen2-202611.10.0", nodes: 3 });
    expect(health.reboots).toEqual([]);
  });

  it("scopes to subscriptions, case-insensitively, and can leave the fleet's points out", async () => {
    const scoped = await loadDashboard(store, { now: NOW, subscriptions: [OTHER_SUBSCRIPTION.toUpperCase()], fleetTrend: false });
    expect(scoped.scope).toEqual([OTHER_SUBSCRIPTION.toUpperCase()]);
    expect(scoped.clusters.map((c) => c.name)).toEqual(["aks-elsewhere"]);
    expect(scoped.trend).toHaveLength(1);
    expect(scoped.trend[0]).toMatchObject({ clusters: 1, failingClusters: 1 });
    const both = await loadDashboard(store, { now: NOW, subscriptions: [SUBSCRIPTION, OTHER_SUBSCRIPTION] });
    expect(both.clusters).toHaveLength(5);
  });

  it("shows an exemption declared in the cluster's tags as accepted, not failing", async () => {
    const exempt = placed(
      weak((b) => {
        b.tags = { "aksmon-exempt": "local-accounts-disabled", "aksmon-exempt-reason": "break-glass account", "aksmon-exempt-by": "carol@contoso.com" };
      }),
      "aks-exempt",
    );
    await evaluated(exempt, { kind: "sweep", id: "sweep-x" }, T0 + 6 * DAY);
    const withExempt = await loadDashboard(store, { now: NOW });
    const c = withExempt.clusters.find((item) => item.name === "aks-exempt")!;
    expect(c.summary.exempt).toBe(1);
    const local = c.findings.find((f) => f.check === "local-accounts-disabled")!;
    expect(local.suppressed).toEqual({ kind: "exemption", by: "carol@contoso.com", reason: "break-glass account" });
    expect(c.failingByCategory.identity).toBeUndefined();
  });
});
