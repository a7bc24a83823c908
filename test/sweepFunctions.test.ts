/**
 * The nightly sweep fan-out: nightlySweep (timer), evaluateCluster (queue) and poisonEvaluations (the
 * poison queue) invoked through @azure/functions' own InvocationContext against an in-process Azurite
 * (a table prefix per test) and the local ARM server; and the sweep record of shared/store.
 */
import { InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateClusterHandler } from "../functions/evaluateCluster.js";
import { evaluateQueueOutput, nightlySweepHandler } from "../functions/nightlySweep.js";
import { poisonEvaluationsHandler } from "../functions/poisonEvaluations.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { buildDigest, buildDigestFromParts, digestPartOf } from "../shared/monitor/digest.js";
import type { MonitorSettings } from "../shared/monitor/pipeline.js";
import type { DigestAlert } from "../shared/model/alerts.js";
import type { ArmConnection } from "../shared/sources/arm/armConnection.js";
import { parseSweepMessage, type SweepMessage } from "../shared/sweep/messages.js";
import { useSweepRuntime } from "../shared/sweep/runtime.js";
import { TransientSweepError } from "../shared/sweep/sweep.js";
import { TableStore } from "../shared/store/tableStore.js";
import { alertCard } from "../shared/alerts/cards/index.js";
import { cardTexts } from "./support/pipeline.js";
import { adaptiveCardValidator } from "./support/adaptiveCardSchema.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, compliantCluster, snapshotOf, NOW } from "./support/clusters.js";
import { SUBSCRIPTIONS, connectTo } from "./support/liveReads.js";

const SUB = SUBSCRIPTIONS[0];
const RG = "rg-sweep";
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

let arm: ArmServer;
let azurite: Awaited<ReturnType<typeof startAzurite>>;
let connection: ArmConnection;
let store: TableStore;
let lines: string[];

function refOf(name: string): ClusterRef {
  return { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId: SUB, resourceGroup: RG, name };
}

function putCluster(name: string, weak = false): ClusterRef {
  const body = weak ? clusterWith((b) => (b.properties.disableLocalAccounts = false)) : compliantCluster();
  arm.putCluster(body, { subscriptionId: SUB, resourceGroup: RG, name });
  return refOf(name);
}

function context(functionName: string): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: "00000000-0000-4000-8000-00000000a001",
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(" ")}`),
  });
}

/** Runs the timer; returns the queue messages the host would write. */
async function sweep(): Promise<SweepMessage[]> {
  const ctx = context("nightlySweep");
  await nightlySweepHandler({ isPastDue: false, scheduleStatus: undefined }, ctx);
  return ctx.extraOutputs.get(evaluateQueueOutput) as SweepMessage[];
}

async function pendingDigests(): Promise<DigestAlert[]> {
  return (await store.listOutbox("pending")).map((entry) => entry.alert).filter((alert): alert is DigestAlert => alert.kind === "digest");
}

beforeAll(async () => {
  [arm, azurite] = await Promise.all([startArmServer(), startAzurite()]);
  connection = await connectTo(arm, { throttleRetries: 1, failureRetries: 1 });
});

afterAll(async () => {
  useSweepRuntime(undefined);
  await arm?.close();
  await azurite?.close();
});

beforeEach(async () => {
  arm.clear();
  arm.reset();
  lines = [];
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("sweep") });
  await store.ensureTables();
  useSweepRuntime({ store, connection, monitorSettings: MONITOR, readNodes: false, settleMs: 0, subscriptions: [SUB], sweepDeadlineMinutes: 120 });
});

describe("nightlySweep → evaluateCluster → digest", () => {
  it("queues one message per cluster; each evaluation stores findings and alerts; the last one enqueues one digest", async () => {
    const refs = [putCluster("aks-a"), putCluster("aks-b", true), putCluster("aks-c")];
    const messages = await sweep();
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((m) => m.sweepId)).size).toBe(1);
    expect(messages.map((m) => m.clusterId.toLowerCase()).sort()).toEqual(refs.map((r) => r.id.toLowerCase()).sort());
    expect(lines.join("\n")).toContain("3 cluster(s) queued");

    const outcomes = [];
    for (const message of messages) outcomes.push(await evaluateClusterHandler(message, context("evaluateCluster")));
    expect(outcomes.map((o) => o.outcome)).toEqual(["evaluated", "evaluated", "evaluated"]);
    expect(outcomes.filter((o) => "digest" in o && o.digest)).toHaveLength(1);
    expect("digest" in outcomes[2]! && outcomes[2].digest).toBeTruthy();

    for (const ref of refs) expect((await store.loadClusterState(ref)).findings.size).toBeGreaterThan(40);
    const drift = (await store.listOutbox("pending")).filter((entry) => entry.alert.kind === "drift");
    expect(drift.map((entry) => entry.clusterKey)).toContain(refs[1]!.id.toLowerCase());
    const weak = drift.find((entry) => entry.clusterKey === refs[1]!.id.toLowerCase())!.alert;
    expect(weak.kind === "drift" && weak.failures.map((t) => t.check)).toContain("local-accounts-disabled");
    expect((await store.listEvaluations(refs[0]!))[0]).toMatchObject({ trigger: "sweep", triggerId: messages[0]!.sweepId });

    const digests = await pendingDigests();
    expect(digests).toHaveLength(1);
    expect(digests[0]).toMatchObject({ clusters: 3 });
    expect(digests[0]!.worst.map((w) => w.cluster.name)).toContain("aks-b");
    expect(digests[0]!.unevaluated).toBeUndefined();

    // A redelivered message (the host lost the acknowledgement) changes nothing: still one digest.
    expect(await evaluateClusterHandler(messages[2], context("evaluateCluster"))).toMatchObject({ outcome: "evaluated" });
    expect(await pendingDigests()).toHaveLength(1);
  });

  it("enqueues exactly one digest when the last two clusters finish at the same time", async () => {
    putCluster("aks-x");
    putCluster("aks-y", true);
    const messages = await sweep();
    expect(messages).toHaveLength(2);
    const outcomes = await Promise.all(messages.map((m) => evaluateClusterHandler(JSON.stringify(m), context("evaluateCluster"))));
    expect(outcomes.filter((o) => "digest" in o && o.digest)).toHaveLength(1);
    const digests = await pendingDigests();
    expect(digests).toHaveLength(1);
    expect(digests[0]!.clusters).toBe(2);
  });

  it("queues nothing and says so when no cluster is in scope", async () => {
    expect(await sweep()).toEqual([]);
    expect(lines.join("\n")).toContain("no clusters in scope");
    expect(await pendingDigests()).toEqual([]);
  });

  it("counts a cluster deleted since the inventory as done, without evaluating it", async () => {
    putCluster("aks-kept");
    const gone = putCluster("aks-gone");
    const messages = await sweep();
    arm.remove(gone.id);
    const outcomes = [];
    for (const message of messages) outcomes.push(await evaluateClusterHandler(message, context("evaluateCluster")));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(["evaluated", "gone"]);
    expect((await store.loadClusterState(gone)).findings.size).toBe(0);
    const digests = await pendingDigests();
    expect(digests).toHaveLength(1);
    expect(digests[0]!.clusters).toBe(1);
  });
});

describe("evaluateCluster errors", () => {
  it.each([
    ["not JSON", "{nope"],
    ["an array", [1, 2]],
    ["no sweep id", { clusterId: refOf("aks-a").id }],
    ["a bad sweep id", { sweepId: "../../etc", clusterId: refOf("aks-a").id }],
    ["a child resource id", { sweepId: "sweep-20261126T020000Z-0a1b2c3d", clusterId: `${refOf("aks-a").id}/agentPools/p1` }],
    ["another provider's id", { sweepId: "sweep-20261126T020000Z-0a1b2c3d", clusterId: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s` }],
    ["a bad cluster name", { sweepId: "sweep-20261126T020000Z-0a1b2c3d", clusterId: refOf("-bad-").id }],
    ["null", null],
  ])("acknowledges %s without throwing", async (_what, message) => {
    expect(await evaluateClusterHandler(message, context("evaluateCluster"))).toMatchObject({ outcome: "rejected" });
    expect(lines.join("\n")).toMatch(/^warning: evaluateCluster: malformed message/m);
  });

  it("throws on a throttled ARM read so that the queue retries, and marks nothing", async () => {
    putCluster("aks-throttled");
    const [message] = await sweep();
    arm.fault({ match: "/managedClusters/aks-throttled", status: 429 });
    await expect(evaluateClusterHandler(message, context("evaluateCluster"))).rejects.toBeInstanceOf(TransientSweepError);
    expect(arm.throttled).toBeGreaterThan(0);
    arm.clearFaults();
    const parsed = parseSweepMessage(message);
    if ("problem" in parsed) throw new Error(parsed.problem);
    expect(await store.getSweep(parsed)).toMatchObject({ done: 0, expected: 1 });
    // The retry succeeds.
    expect(await evaluateClusterHandler(message, context("evaluateCluster"))).toMatchObject({ outcome: "evaluated" });
    expect(await pendingDigests()).toHaveLength(1);
  });

  it("acknowledges a cluster it may not read (403) and names it in the digest", async () => {
    putCluster("aks-denied");
    const [message] = await sweep();
    arm.fault({ match: "/managedClusters/aks-denied", status: 403 });
    expect(await evaluateClusterHandler(message, context("evaluateCluster"))).toMatchObject({ outcome: "unreadable" });
    const digests = await pendingDigests();
    expect(digests).toHaveLength(1);
    expect(digests[0]!.unevaluated).toEqual([{ clusterId: refOf("aks-denied").id, reason: expect.stringContaining("forbidden") }]);
  });

  it("throws on a 5xx ARM read", async () => {
    putCluster("aks-flaky");
    const [message] = await sweep();
    arm.fault({ match: "/managedClusters/aks-flaky", status: 503 });
    await expect(evaluateClusterHandler(message, context("evaluateCluster"))).rejects.toBeInstanceOf(TransientSweepError);
  });

  it("acknowledges a message of a sweep that was never recorded", async () => {
    putCluster("aks-a");
    const message = { sweepId: "sweep-20261126T020000Z-0a1b2c3d", clusterId: refOf("aks-a").id };
    expect(await evaluateClusterHandler(message, context("evaluateCluster"))).toMatchObject({ outcome: "unknownSweep" });
    expect(arm.countsByKind().managedCluster ?? 0).toBe(0);
    expect(lines.join("\n")).toContain("no such sweep");
  });
});

describe("poisonEvaluations", () => {
  it("records the cluster that failed every retry and still sends the digest, naming it", async () => {
    putCluster("aks-ok");
    const broken = putCluster("aks-broken");
    const messages = await sweep();
    const good = messages.find((m) => !m.clusterId.endsWith("aks-broken"))!;
    const bad = messages.find((m) => m.clusterId.endsWith("aks-broken"))!;
    await evaluateClusterHandler(good, context("evaluateCluster"));
    expect(await pendingDigests()).toEqual([]);

    const result = await poisonEvaluationsHandler(JSON.stringify(bad), context("poisonEvaluations"));
    expect(result).toMatchObject({ outcome: "recorded", cluster: broken.id });
    expect(lines.join("\n")).toMatch(new RegExp(`^error: .*${broken.id.replace(/[/.]/g, "\\$&")}`, "m"));
    const digests = await pendingDigests();
    expect(digests).toHaveLength(1);
    expect(digests[0]!.clusters).toBe(1);
    expect(digests[0]!.unevaluated).toEqual([{ clusterId: broken.id, reason: expect.stringContaining("poison") }]);
    const card = alertCard(digests[0]!, { channel: "webhook" });
    expect(adaptiveCardValidator()(card)).toBeUndefined();
    const texts = cardTexts(card).join("\n");
    expect(texts).toContain("Not evaluated");
    expect(texts).toContain("aks-broken");

    // The same poison message again: no second digest.
    await poisonEvaluationsHandler(bad, context("poisonEvaluations"));
    expect(await pendingDigests()).toHaveLength(1);
  });

  it("logs an unreadable poison message without throwing", async () => {
    expect(await poisonEvaluationsHandler("garbage", context("poisonEvaluations"))).toMatchObject({ outcome: "rejected" });
    expect(lines.join("\n")).toMatch(/^error: poisonEvaluations: unreadable/m);
  });
});

describe("the instance's runtime, from the settings", () => {
  const saved = { ...process.env };
  const NAMES = ["STORAGE_CONNECTION_STRING", "AZURE_RESOURCE_MANAGER_ENDPOINT", "AZURE_ACCESS_TOKEN", "MONITOR_SUBSCRIPTIONS"];
  function restore(): void {
    for (const key of NAMES) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    useSweepRuntime(undefined);
  }

  it("builds the store and ARM connection lazily from the settings, and names a bad setting", async () => {
    try {
      useSweepRuntime(undefined);
      process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
      process.env.AZURE_RESOURCE_MANAGER_ENDPOINT = arm.url;
      process.env.AZURE_ACCESS_TOKEN = arm.token;
      process.env.MONITOR_SUBSCRIPTIONS = "not-a-guid";
      await expect(sweep()).rejects.toThrow(/Setting MONITOR_SUBSCRIPTIONS is invalid/);
      process.env.MONITOR_SUBSCRIPTIONS = SUBSCRIPTIONS[1];
      putCluster("aks-elsewhere"); // in another subscription: out of scope
      expect(await sweep()).toEqual([]);
      expect(lines.join("\n")).toContain("no clusters in scope");
      expect(lines.join("\n")).not.toContain(arm.token);
    } finally {
      restore();
    }
  });
});

describe("the sweep record (shared/store)", () => {
  const sweep1 = { sweepId: "sweep-20261126T020000Z-00000001", startedAt: "2026-11-26T02:00:00.000Z" };

  it("gives the digest's alert id to exactly one of many concurrent last updates", async () => {
    await store.startSweep({ ...sweep1, expected: 12 });
    await store.startSweep({ ...sweep1, expected: 99 }); // idempotent: the first record stays
    let ids = 0;
    const marks = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.markSweepCluster(sweep1, refOf(`aks-${i}`).id, { newAlertId: () => `digest-${++ids}` })),
    );
    const completing = marks.filter((m) => m.outcome === "marked" && m.progress.digestAlertId);
    expect(completing).toHaveLength(1);
    const digestAlertId = completing[0]!.outcome === "marked" ? completing[0]!.progress.digestAlertId : undefined;
    expect(await store.getSweep(sweep1)).toMatchObject({ expected: 12, done: 12, failed: [], digestAlertId });
    // A redelivered message of a complete sweep learns the digest's id (to enqueue it again, a duplicate).
    expect(await store.markSweepCluster(sweep1, refOf("aks-3").id, { newAlertId: () => "never" })).toMatchObject({ outcome: "alreadyDone", progress: { digestAlertId } });
  });

  it("counts a sweep larger than one row could hold (3,600 clusters with long ids), and completes it once", async () => {
    const sweep = { sweepId: "sweep-20261126T020000Z-000000aa", startedAt: "2026-11-26T02:00:00.000Z" };
    const ids = Array.from({ length: 3_600 }, (_, i) =>
      `/subscriptions/${SUB}/resourceGroups/rg-a-rather-long-resource-group-name-${i % 50}/providers/Microsoft.ContainerService/managedClusters/aks-long-${i}`,
    );
    await store.startSweep({ ...sweep, expected: ids.length });
    let next = 0;
    const completing: string[] = [];
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          const mark = await store.markSweepCluster(sweep, id, { ...(next % 1000 === 0 ? { failure: "unreadable" } : {}), newAlertId: () => `digest-${id}` });
          if (mark.outcome === "marked" && mark.progress.digestAlertId) completing.push(mark.progress.digestAlertId);
        }
      }),
    );
    expect(completing).toHaveLength(1);
    expect(await store.getSweep(sweep)).toMatchObject({ expected: 3_600, done: 3_600, digestAlertId: completing[0] });
    expect((await store.getSweep(sweep))!.failed).toHaveLength(3);
  }, 120_000);

  it("counts a cluster once, keeps failures, and says when the sweep is unknown", async () => {
    await store.startSweep({ ...sweep1, expected: 2 });
    const id = refOf("aks-a").id;
    expect(await store.markSweepCluster(sweep1, id, { failure: "boom", newAlertId: () => "x" })).toMatchObject({ outcome: "marked" });
    expect(await store.markSweepCluster(sweep1, id.toUpperCase(), { newAlertId: () => "x" })).toMatchObject({ outcome: "alreadyDone" });
    expect(await store.getSweep(sweep1)).toMatchObject({ done: 1, failed: [{ clusterId: id, reason: "boom" }] });
    expect(await store.markSweepCluster({ ...sweep1, sweepId: "sweep-20261126T020000Z-00000002" }, id, { newAlertId: () => "x" })).toEqual({ outcome: "unknown" });
  });

  it("stores a digest part per cluster, once", async () => {
    await store.startSweep({ ...sweep1, expected: 1 });
    const snapshot = await snapshotOf(compliantCluster());
    const part = digestPartOf(snapshot, evaluate(snapshot, defaultProfile, NOW));
    await store.saveSweepPart(sweep1, part);
    await store.saveSweepPart(sweep1, part);
    expect(await store.listSweepParts(sweep1.sweepId)).toEqual([part]);
  });
});

describe("buildDigestFromParts", () => {
  it("is the digest buildDigest makes, from the parts", async () => {
    const results = await Promise.all(
      [compliantCluster(), clusterWith((b) => (b.properties.disableLocalAccounts = false))].map(async (body) => {
        const snapshot = await snapshotOf(body);
        return { snapshot, evaluation: evaluate(snapshot, defaultProfile, NOW) };
      }),
    );
    const whole = buildDigest(results, NOW);
    const fromParts = buildDigestFromParts(results.map((r) => digestPartOf(r.snapshot, r.evaluation)), NOW, { alertId: whole.alertId });
    expect(fromParts).toEqual(whole);
    expect(buildDigestFromParts([], NOW, { alertId: "a", unevaluated: [{ clusterId: "c", reason: "r" }] }).unevaluated).toEqual([{ clusterId: "c", reason: "r" }]);
  });
});
