/**
 * SWEEP_DEADLINE_MINUTES: the sweepDeadline timer sends the digest of a stalled sweep, naming the clusters
 * not reached, once; late messages still evaluate but never send a second digest. Through the registered
 * handlers (@azure/functions' InvocationContext), Azurite and the local ARM server.
 */
import { InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluateClusterHandler } from "../functions/evaluateCluster.js";
import { evaluateQueueOutput, nightlySweepHandler } from "../functions/nightlySweep.js";
import { sweepDeadlineHandler } from "../functions/sweepDeadline.js";
import { alertCard } from "../shared/alerts/cards/index.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import type { DigestAlert } from "../shared/model/alerts.js";
import type { MonitorSettings } from "../shared/monitor/pipeline.js";
import type { ArmConnection } from "../shared/sources/arm/armConnection.js";
import type { SweepMessage } from "../shared/sweep/messages.js";
import { useSweepRuntime } from "../shared/sweep/runtime.js";
import { TableStore } from "../shared/store/tableStore.js";
import { adaptiveCardValidator } from "./support/adaptiveCardSchema.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, compliantCluster } from "./support/clusters.js";
import { SUBSCRIPTIONS, connectTo } from "./support/liveReads.js";
import { cardTexts } from "./support/pipeline.js";

const SUB = SUBSCRIPTIONS[0];
const RG = "rg-deadline";
const DEADLINE_MINUTES = 120;
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

let arm: ArmServer;
let azurite: Awaited<ReturnType<typeof startAzurite>>;
let connection: ArmConnection;
let store: TableStore;
let lines: string[];

function context(functionName: string): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: "00000000-0000-4000-8000-00000000d001",
    logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(" ")}`),
  });
}

function putClusters(...names: string[]): void {
  for (const [index, name] of names.entries()) {
    const body = index % 2 === 1 ? clusterWith((b) => (b.properties.disableLocalAccounts = false)) : compliantCluster();
    arm.putCluster(body, { subscriptionId: SUB, resourceGroup: RG, name });
  }
}

async function sweep(): Promise<SweepMessage[]> {
  const ctx = context("nightlySweep");
  await nightlySweepHandler({ isPastDue: false, scheduleStatus: undefined }, ctx);
  return ctx.extraOutputs.get(evaluateQueueOutput) as SweepMessage[];
}

const minutesFromNow = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);

function deadlineTimer(minutes: number) {
  return sweepDeadlineHandler({ isPastDue: false, scheduleStatus: undefined }, context("sweepDeadline"), minutesFromNow(minutes));
}

async function digests(): Promise<DigestAlert[]> {
  return (await store.listOutbox("pending")).map((entry) => entry.alert).filter((alert): alert is DigestAlert => alert.kind === "digest");
}

const nameOf = (id: string) => id.split("/").pop();

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
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("deadline") });
  await store.ensureTables();
  useSweepRuntime({ store, connection, monitorSettings: MONITOR, readNodes: false, settleMs: 0, subscriptions: [SUB], sweepDeadlineMinutes: DEADLINE_MINUTES });
});

describe("a sweep that stalls sends its digest at SWEEP_DEADLINE_MINUTES", () => {
  it("nothing before the deadline; after it one digest with what was read, naming the clusters not reached; then nothing more", async () => {
    putClusters("aks-1", "aks-2", "aks-3", "aks-4");
    const messages = await sweep();
    expect(messages).toHaveLength(4);
    for (const message of messages.slice(0, 2)) await evaluateClusterHandler(message, context("evaluateCluster"));

    expect(await deadlineTimer(DEADLINE_MINUTES - 5)).toEqual([]);
    expect(await digests()).toEqual([]);

    const closed = await deadlineTimer(DEADLINE_MINUTES + 1);
    expect(closed).toHaveLength(1);
    const notReached = messages.slice(2).map((m) => m.clusterId).sort();
    expect(closed[0]!.notReached).toEqual(notReached);
    const [digest, ...more] = await digests();
    expect(more).toEqual([]);
    expect(digest!.clusters).toBe(2);
    expect(digest!.unevaluated?.map((u) => u.clusterId).sort()).toEqual(notReached);
    expect(digest!.unevaluated?.[0]?.reason).toContain(`${DEADLINE_MINUTES}-minute deadline`);
    expect(lines.join("\n")).toMatch(/^warning: sweepDeadline .*2 cluster\(s\) not reached/m);
    const card = alertCard(digest!, { channel: "webhook" });
    expect(adaptiveCardValidator()(card)).toBeUndefined();
    const texts = cardTexts(card).join("\n");
    expect(texts).toContain("Not evaluated");
    for (const id of notReached) expect(texts).toContain(nameOf(id));

    expect(await deadlineTimer(DEADLINE_MINUTES + 6)).toEqual([]);
    expect(await digests()).toHaveLength(1);
  });

  it("a message that arrives after the close is evaluated and alerts, but sends no second digest, even as the last one", async () => {
    putClusters("aks-a", "aks-b");
    const messages = await sweep();
    await evaluateClusterHandler(messages[0]!, context("evaluateCluster"));
    expect(await deadlineTimer(DEADLINE_MINUTES + 1)).toHaveLength(1);

    const late = await evaluateClusterHandler(messages[1]!, context("evaluateCluster"));
    expect(late).toMatchObject({ outcome: "evaluated" });
    expect("digest" in late && late.digest).toBeFalsy();
    expect((await store.loadClusterState({ id: messages[1]!.clusterId, subscriptionId: SUB, resourceGroup: RG, name: nameOf(messages[1]!.clusterId)! })).findings.size).toBeGreaterThan(40);
    expect(await digests()).toHaveLength(1);
    expect(await deadlineTimer(DEADLINE_MINUTES + 10)).toEqual([]);
    expect(await digests()).toHaveLength(1);
  });

  it("two timers closing at once, and a last cluster finishing at the same moment, send one digest", async () => {
    putClusters("aks-x", "aks-y", "aks-z");
    const messages = await sweep();
    await evaluateClusterHandler(messages[0]!, context("evaluateCluster"));
    await evaluateClusterHandler(messages[1]!, context("evaluateCluster"));
    const [first, second, last] = await Promise.all([deadlineTimer(DEADLINE_MINUTES + 1), deadlineTimer(DEADLINE_MINUTES + 1), evaluateClusterHandler(messages[2]!, context("evaluateCluster"))]);
    const ids = new Set([...first, ...second].map((c) => c.digest.alertId));
    if ("digest" in last && last.digest) ids.add(last.digest.alertId);
    expect(ids.size).toBe(1);
    expect(await digests()).toHaveLength(1);
  });

  it("a sweep that completed on time is left alone by the timer", async () => {
    putClusters("aks-ok");
    const messages = await sweep();
    await evaluateClusterHandler(messages[0]!, context("evaluateCluster"));
    expect(await digests()).toHaveLength(1);
    expect(await deadlineTimer(DEADLINE_MINUTES + 1)).toEqual([]);
    expect(await digests()).toHaveLength(1);
  });

  it("a closer that died after picking the digest's id and before enqueuing it is redone by the next run, under that id", async () => {
    putClusters("aks-p", "aks-q");
    const messages = await sweep();
    const [overdue] = await store.listOverdueSweeps(minutesFromNow(DEADLINE_MINUTES + 1)());
    expect(overdue?.sweepId).toBe(messages[0]!.sweepId);
    const picked = await store.closeOverdueSweep(overdue!, () => "00000000-0000-4000-8000-0000000000aa");
    expect(picked?.progress.digestAlertId).toBe("00000000-0000-4000-8000-0000000000aa");
    expect(await digests()).toEqual([]);
    const closed = await deadlineTimer(DEADLINE_MINUTES + 5);
    expect(closed.map((c) => c.digest.alertId)).toEqual(["00000000-0000-4000-8000-0000000000aa"]);
    expect((await digests()).map((d) => d.unevaluated?.length)).toEqual([2]);
  });

  it("keeps the expected clusters of a 4,000-cluster sweep and names every one not reached", async () => {
    const startedAt = new Date(Date.now() - (DEADLINE_MINUTES + 1) * 60_000).toISOString();
    const clusterIds = Array.from({ length: 4000 }, (_, i) => `/subscriptions/${SUB}/resourceGroups/rg-fleet-${String(i % 97).padStart(3, "0")}/providers/Microsoft.ContainerService/managedClusters/aks-fleet-weu-prod-${String(i).padStart(5, "0")}`);
    await store.startSweep({ sweepId: "sweep-4000", startedAt, expected: clusterIds.length, clusterIds, deadlineAt: new Date(Date.parse(startedAt) + DEADLINE_MINUTES * 60_000).toISOString() });
    await store.markSweepCluster({ sweepId: "sweep-4000", startedAt }, clusterIds[7]!, { newAlertId: () => "never" });
    const closed = await store.closeOverdueSweep({ sweepId: "sweep-4000", startedAt }, () => "00000000-0000-4000-8000-0000000000bb");
    expect(closed?.byDeadline).toBe(true);
    expect(closed?.notReached).toHaveLength(3999);
    expect(new Set(closed?.notReached)).toEqual(new Set(clusterIds.filter((_, i) => i !== 7)));
  });
});
