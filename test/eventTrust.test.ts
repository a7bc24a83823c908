/**
 * Which events are believed (issue 10, items 2 and 3), against a real Azurite and the local ARM server:
 * events held to MONITOR_SUBSCRIPTIONS, a Resource Notifications body that would resolve a failure
 * confirmed by ARM, a delete believed only on ARM's 404 and when newer than the last evaluation, and the
 * idempotent consumer: an attempt that dies between the event's mark and the commit loses nothing, a
 * redelivery after success is a duplicate.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvocationContext } from "@azure/functions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clusterEventsHandler, resetClusterEventsRuntime } from "../functions/clusterEvents.js";
import { clusterDetail } from "../shared/api/clusters.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { EVENT_LEASE_MS, handleClusterEvent, TransientEventError, type EventDeps, type EventOutcome } from "../shared/events/handle.js";
import { parseEvent } from "../shared/events/parse.js";
import type { ClusterAlert } from "../shared/model/alerts.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import type { ArmConnection } from "../shared/sources/arm/armConnection.js";
import { ClusterReader } from "../shared/sources/arm/clusterReader.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, compliantCluster, type Json } from "./support/clusters.js";
import { SUBSCRIPTIONS, connectTo } from "./support/liveReads.js";
import { intercept, VirtualClock } from "./support/pipeline.js";

const SUB = SUBSCRIPTIONS[0];
const FOREIGN = "99999999-9999-4999-8999-999999999999";
const RG = "rg-trust";
const FIXTURES = join(import.meta.dirname, "fixtures", "eventgrid");
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };
const ARN_UPSERT = "Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json";
const ARN_DELETE = "Microsoft.ResourceNotifications/cloud-events-schema/Resources_Deleted.json";
const RESOURCE_DELETE = "Microsoft.Resources/event-grid-schema/resource_delete_success.json";
const RESOURCE_WRITE = "Microsoft.Resources/event-grid-schema/resource_write_success.json";
const MAINTENANCE = "Microsoft.ResourceNotifications/event-grid-schema/ContainerServiceEventResources_ScheduledEventEmitted.json";

let arm: ArmServer;
let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;
let connection: ArmConnection;
let clock: VirtualClock;

function refOf(name: string, subscriptionId: string = SUB): ClusterRef {
  return { id: `/subscriptions/${subscriptionId}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId, resourceGroup: RG, name };
}

const weak = () => clusterWith((b) => (b.properties.disableLocalAccounts = false));

function putCluster(ref: ClusterRef, body: Json): void {
  arm.putCluster(body, { subscriptionId: ref.subscriptionId, resourceGroup: RG, name: ref.name });
}

/** An official sample re-homed to a cluster (placeholders filled, the Storage account made a managed cluster). */
function sample(path: string, ref: ClusterRef, overrides: Json = {}): Json {
  const text = readFileSync(join(FIXTURES, path), "utf8")
    .replace(/\{subs?cription-id\} ?/g, ref.subscriptionId)
    .replace(/\{subcription-id\}/g, ref.subscriptionId)
    .replace(/\{(resource-group|rg-name)\}/g, RG)
    .replace(/\{(cluster|managedcluster-id|managedcluster-name)\}/g, ref.name)
    .replace(/Microsoft\.Storage\/storageAccounts\/(\{storage-name\}|\{storageAccount-name\})/g, `Microsoft.ContainerService/managedClusters/${ref.name}`)
    .replace(/"Microsoft\.Storage\/storageAccounts"/g, '"Microsoft.ContainerService/managedClusters"')
    .replace(/Microsoft\.Storage\/storageAccounts\/write/g, "Microsoft.ContainerService/managedClusters/write")
    .replace(/\{user-name\}/g, "alice@contoso.com");
  return { ...(JSON.parse(text) as Json), ...overrides };
}

/** A Resource Notifications CreatedOrUpdated carrying `body` as the cluster, as of `at`. */
function arnUpsert(ref: ClusterRef, body: Json, id: string, at: Date): Json {
  const event = sample(ARN_UPSERT, ref, { id, eventTime: at.toISOString() });
  event.data.resourceInfo = { ...body, id: ref.id, name: ref.name };
  event.data.operationalInfo.resourceEventTime = at.toISOString().replace(/Z$/, "");
  return event;
}

function deps(overrides: Partial<EventDeps> = {}): EventDeps {
  return { store, reader: new ClusterReader(connection), monitorSettings: MONITOR, subscriptions: [SUB], now: clock.now, ...overrides };
}

async function handle(raw: unknown, overrides: Partial<EventDeps> = {}): Promise<EventOutcome> {
  return handleClusterEvent(await parseEvent(raw), deps(overrides));
}

/** One sweep evaluation of the cluster as ARM holds it now, a minute later on the clock. */
async function baseline(ref: ClusterRef): Promise<void> {
  const read = await new ClusterReader(connection).read(ref);
  if (!read.ok) throw new Error(read.error.message);
  await monitorCluster(read.snapshot, { kind: "sweep", id: "baseline" }, store, MONITOR, clock.advance(60_000));
}

async function driftCards(ref: ClusterRef): Promise<ClusterAlert[]> {
  return (await store.listOutbox("pending"))
    .filter((entry) => entry.clusterKey === ref.id.toLowerCase() && entry.alert.kind === "drift")
    .map((entry) => entry.alert as ClusterAlert);
}

const armRequests = () => arm.requests.length;

beforeAll(async () => {
  [arm, azurite] = await Promise.all([startArmServer(), startAzurite()]);
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("eventTrust") });
  await store.ensureTables();
  connection = await connectTo(arm, { throttleRetries: 1, failureRetries: 1 });
});

afterAll(async () => {
  await arm?.close();
  await azurite?.close();
});

beforeEach(() => {
  arm.reset();
  clock = new VirtualClock(Date.parse("2026-11-26T12:00:00Z"));
});

describe("events are held to MONITOR_SUBSCRIPTIONS", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ["STORAGE_CONNECTION_STRING", "AZURE_RESOURCE_MANAGER_ENDPOINT", "AZURE_ACCESS_TOKEN", "MONITOR_SUBSCRIPTIONS"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    resetClusterEventsRuntime();
  });

  it("an out-of-scope Resource Notifications body, through the function: ignored, nothing read from ARM, nothing written for the cluster", async () => {
    process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
    process.env.AZURE_RESOURCE_MANAGER_ENDPOINT = arm.url;
    process.env.AZURE_ACCESS_TOKEN = arm.token;
    process.env.MONITOR_SUBSCRIPTIONS = SUB;
    const ref = refOf("aks-foreign", FOREIGN);
    putCluster(ref, weak());
    const functionStore = TableStore.connect({ connectionString: azurite.connectionString });
    const lines: string[] = [];
    const context = new InvocationContext({ functionName: "clusterEvents", logHandler: (level, ...args) => lines.push(`${level}: ${args.join(" ")}`) });
    const event = arnUpsert(ref, weak(), "foreign-arn-1", new Date());
    for (let delivery = 0; delivery < 2; delivery++) {
      expect(await clusterEventsHandler(event, context)).toEqual({
        outcome: "ignored",
        eventId: "foreign-arn-1",
        reason: `subscription ${FOREIGN} is not in MONITOR_SUBSCRIPTIONS`,
      });
    }
    expect(armRequests()).toBe(0);
    expect(await functionStore.getClusterSummary(ref)).toBeUndefined();
    expect((await functionStore.loadClusterState(ref)).findings.size).toBe(0);
    expect(await functionStore.listEvaluations(ref)).toEqual([]);
    expect((await functionStore.listOutbox("pending")).filter((entry) => entry.clusterKey === ref.id.toLowerCase())).toEqual([]);
    expect(lines.join("\n")).toContain(`clusterEvents: event foreign-arn-1 acknowledged: subscription ${FOREIGN} is not in MONITOR_SUBSCRIPTIONS`);
  });

  it("every kind of event about an out-of-scope cluster is ignored without an ARM read; a maintenance event alerts only its clusters in scope", async () => {
    const foreign = refOf("aks-foreign-2", FOREIGN);
    const local = refOf("aks-local-maint");
    putCluster(foreign, weak());
    const events = [
      sample(RESOURCE_WRITE, foreign, { id: "foreign-write" }),
      sample(RESOURCE_DELETE, foreign, { id: "foreign-delete" }),
      sample(ARN_DELETE, foreign, { id: "foreign-arn-delete" }),
      sample("Microsoft.ContainerService/event-grid-schema/node_pool_rolling_failed.json", foreign, { id: "foreign-rolling-failed" }),
    ];
    for (const event of events) expect(await handle(event)).toMatchObject({ outcome: "ignored", reason: `subscription ${FOREIGN} is not in MONITOR_SUBSCRIPTIONS` });
    expect(armRequests()).toBe(0);
    expect(await store.listOutbox("pending")).toEqual([]);

    const maintenance = sample(MAINTENANCE, local, { id: "maint-mixed" });
    maintenance.data.resourceInfo.properties.eventStatus = "Failed";
    maintenance.data.resourceInfo.properties.resources = [foreign.id, local.id];
    expect(await handle(maintenance)).toMatchObject({ outcome: "alerted", clusters: [local.id] });
    const cards = await store.listOutbox("pending");
    expect(cards.map((entry) => entry.clusterKey)).toEqual([local.id.toLowerCase()]);

    const onlyForeign = sample(MAINTENANCE, foreign, { id: "maint-foreign" });
    onlyForeign.data.resourceInfo.properties.eventStatus = "Failed";
    expect(await handle(onlyForeign)).toMatchObject({ outcome: "ignored", reason: "no cluster of this maintenance event is in MONITOR_SUBSCRIPTIONS" });
    expect(await store.listOutbox("pending")).toHaveLength(1);
  });

  it("an empty MONITOR_SUBSCRIPTIONS monitors nothing: every event is ignored, as the sweep sweeps nothing", async () => {
    const ref = refOf("aks-empty-scope");
    putCluster(ref, weak());
    expect(await handle(sample(RESOURCE_WRITE, ref, { id: "empty-scope-1" }), { subscriptions: [] })).toEqual({
      outcome: "ignored",
      eventId: "empty-scope-1",
      reason: "MONITOR_SUBSCRIPTIONS is empty: no subscription is monitored",
    });
    expect(armRequests()).toBe(0);
    expect(await store.getClusterSummary(ref)).toBeUndefined();
  });
});

describe("a Resource Notifications body is not proof", () => {
  it("a forged compliant body of a failing cluster sends no resolved card: ARM is read once and what it says is evaluated", async () => {
    const ref = refOf("aks-forged");
    putCluster(ref, weak());
    await baseline(ref);
    expect((await store.loadClusterState(ref)).findings.get("local-accounts-disabled")?.status).toBe("fail");
    const cards = (await driftCards(ref)).length;
    const reads = arm.countsByKind().managedCluster ?? 0;

    const outcome = await handle(arnUpsert(ref, compliantCluster(), "forged-1", clock.advance(60_000)));
    expect(outcome).toMatchObject({ outcome: "evaluated", cluster: ref.id, changes: 0 });
    expect((arm.countsByKind().managedCluster ?? 0) - reads).toBe(1);
    expect((await store.loadClusterState(ref)).findings.get("local-accounts-disabled")?.status).toBe("fail");
    expect(await driftCards(ref)).toHaveLength(cards);
  });

  it("a body whose fix ARM confirms resolves with one GET; a body that resolves nothing is evaluated without one", async () => {
    const ref = refOf("aks-fixed");
    putCluster(ref, weak());
    await baseline(ref);
    putCluster(ref, compliantCluster()); // the fix was made
    const reads = arm.countsByKind().managedCluster ?? 0;
    expect(await handle(arnUpsert(ref, compliantCluster(), "fixed-1", clock.advance(60_000)))).toMatchObject({ outcome: "evaluated", changes: 1 });
    expect((arm.countsByKind().managedCluster ?? 0) - reads).toBe(1);
    const resolved = (await driftCards(ref)).flatMap((card) => card.resolved.map((t) => t.check));
    expect(resolved).toContain("local-accounts-disabled");

    // Now nothing fails: a new body (a new failure) is evaluated as it is, no GET.
    expect(await handle(arnUpsert(ref, weak(), "fixed-2", clock.advance(60_000)))).toMatchObject({ outcome: "evaluated", changes: 1 });
    expect((arm.countsByKind().managedCluster ?? 0) - reads).toBe(1);
    expect((await store.loadClusterState(ref)).findings.get("local-accounts-disabled")?.status).toBe("fail");
  });

  it("a body newer than the last body evaluated is evaluated, even when it arrives after that evaluation ran", async () => {
    const ref = refOf("aks-two-bodies");
    putCluster(ref, compliantCluster());
    const first = clock.now();
    const second = new Date(first.getTime() + 10_000);
    clock.advance(30_000); // Resource Notifications delivers the first body after the second change was made
    expect(await handle(arnUpsert(ref, compliantCluster(), "body-1", first))).toMatchObject({ outcome: "evaluated" });
    clock.advance(5_000);
    expect(await handle(arnUpsert(ref, weak(), "body-2", second))).toMatchObject({ outcome: "evaluated", changes: 1 });
    expect((await store.loadClusterState(ref)).findings.get("local-accounts-disabled")?.status).toBe("fail");
  });

  it("a body older than the last evaluation is ignored; a read that fails while confirming is retried", async () => {
    const ref = refOf("aks-body-old");
    putCluster(ref, weak());
    await baseline(ref);
    const before = armRequests();
    expect(await handle(arnUpsert(ref, compliantCluster(), "old-body", new Date(clock.at - 3_600_000)))).toMatchObject({ outcome: "ignored" });
    expect(armRequests()).toBe(before);
    arm.fault({ match: "/managedClusters/aks-body-old", status: 503 });
    await expect(handle(arnUpsert(ref, compliantCluster(), "confirm-503", clock.advance(60_000)))).rejects.toBeInstanceOf(TransientEventError);
    expect((await store.loadClusterState(ref)).findings.get("local-accounts-disabled")?.status).toBe("fail");
  });
});

describe("a delete is believed when ARM confirms it", () => {
  it("a late redelivered ResourceDeleteSuccess of a re-created, live cluster closes nothing: it is evaluated, the status API still answers", async () => {
    const ref = refOf("aks-recreated");
    putCluster(ref, weak());
    const deletedAt = clock.iso(); // the first cluster was deleted, then re-created under the same id
    await baseline(ref);
    const open = (await store.loadClusterState(ref)).findings.size;
    const outcome = await handle(sample(RESOURCE_DELETE, ref, { id: "late-delete", eventTime: deletedAt }));
    expect(outcome).toMatchObject({ outcome: "evaluated", cluster: ref.id });
    expect((await store.loadClusterState(ref)).findings.size).toBe(open);
    expect((await store.getClusterSummary(ref))?.deletedAt).toBeUndefined();
    expect((await clusterDetail(store, ref, [SUB])).status).toBe(200);
  });

  it("a newer delete of a cluster ARM still answers for is evaluated too (Resource Notifications)", async () => {
    const ref = refOf("aks-still-there");
    putCluster(ref, weak());
    await baseline(ref);
    expect(await handle(sample(ARN_DELETE, ref, { id: "arn-delete-live", time: clock.advance(60_000).toISOString() }))).toMatchObject({ outcome: "evaluated" });
    expect((await clusterDetail(store, ref, [SUB])).status).toBe(200);
  });

  it("a 404 closes only when the delete is newer than the last evaluation; a read failure is retried and closes nothing", async () => {
    const ref = refOf("aks-gone");
    putCluster(ref, weak());
    const olderDelete = clock.iso();
    await baseline(ref);
    const newerDelete = sample(RESOURCE_DELETE, ref, { id: "gone-503", eventTime: clock.advance(1_000).toISOString() });
    arm.fault({ match: "/managedClusters/aks-gone", status: 503 });
    await expect(handle(newerDelete)).rejects.toBeInstanceOf(TransientEventError);
    expect((await store.loadClusterState(ref)).findings.size).toBeGreaterThan(0);
    arm.clearFaults();
    arm.remove(ref.id);
    expect(await handle(sample(RESOURCE_DELETE, ref, { id: "gone-older", eventTime: olderDelete }))).toMatchObject({ outcome: "ignored" });
    expect((await store.loadClusterState(ref)).findings.size).toBeGreaterThan(0);
    // The retried delivery of the newer delete: ARM says 404 now, and it is newer: closed.
    const closed = await handle(newerDelete);
    expect(closed).toMatchObject({ outcome: "closed", cluster: ref.id });
    expect((await store.loadClusterState(ref)).findings.size).toBe(0);
    expect((await clusterDetail(store, ref, [SUB])).status).toBe(404);
  });
});

describe("the idempotent consumer", () => {
  it("an attempt killed between the event's mark and the commit loses nothing: the redelivery after the lease evaluates and alerts", async () => {
    const ref = refOf("aks-killed");
    putCluster(ref, compliantCluster());
    await baseline(ref);
    putCluster(ref, weak());
    const before = (await driftCards(ref)).length;
    const event = sample(RESOURCE_WRITE, ref, { id: "killed-1", eventTime: clock.advance(1_000).toISOString() });

    // The first attempt dies at its commit: it never returns, nothing after it runs (no lease released).
    let reachedCommit!: () => void;
    const atCommit = new Promise<void>((resolve) => (reachedCommit = resolve));
    const dying = intercept(store, {
      commitEvaluation: () => {
        reachedCommit();
        return new Promise<never>(() => undefined);
      },
    });
    void handle(event, { store: dying });
    await atCommit;
    expect(await driftCards(ref)).toHaveLength(before);

    // Event Grid's retries within the lease are asked to come back later.
    clock.advance(30_000);
    await expect(handle(event)).rejects.toThrow(/killed-1 is being processed by attempt 1/);
    // After the lease, the redelivery takes the event over and does the work.
    clock.advance(EVENT_LEASE_MS);
    expect(await handle(event)).toMatchObject({ outcome: "evaluated", eventId: "killed-1", changes: 1 });
    const cards = await driftCards(ref);
    expect(cards).toHaveLength(before + 1);
    expect(cards.at(-1)!.failures.map((t) => t.check)).toContain("local-accounts-disabled");

    // After success, a redelivery is a duplicate: no second evaluation, no second card.
    const evaluations = (await store.listEvaluations(ref)).length;
    clock.advance(EVENT_LEASE_MS * 2);
    expect(await handle(event)).toEqual({ outcome: "duplicate", eventId: "killed-1" });
    expect(await driftCards(ref)).toHaveLength(before + 1);
    expect(await store.listEvaluations(ref)).toHaveLength(evaluations);
  });

  it("an attempt that fails (and lives) ends its lease: the redelivery is processed at once", async () => {
    const ref = refOf("aks-failed-once");
    putCluster(ref, compliantCluster());
    await baseline(ref);
    putCluster(ref, weak());
    const before = (await driftCards(ref)).length;
    const event = sample(RESOURCE_WRITE, ref, { id: "failed-once", eventTime: clock.advance(1_000).toISOString() });
    const failing = intercept(store, { commitEvaluation: () => Promise.reject(new Error("storage went away")) });
    await expect(handle(event, { store: failing })).rejects.toThrow(/storage went away/);
    clock.advance(10_000);
    expect(await handle(event)).toMatchObject({ outcome: "evaluated", changes: 1 });
    expect(await driftCards(ref)).toHaveLength(before + 1);
  });

  it("the event lease: one holder, taken over only after it expired, done for good", async () => {
    const record = { id: "lease-1", type: "Microsoft.Resources.ResourceWriteSuccess", time: clock.iso(), clusterKey: refOf("aks-lease").id.toLowerCase() };
    const at = (ms: number) => new Date(clock.at + ms).toISOString();
    const [a, b] = await Promise.all([store.claimEvent(record, { now: at(0), leaseMs: 60_000 }), store.claimEvent(record, { now: at(0), leaseMs: 60_000 })]);
    expect([a.outcome, b.outcome].sort()).toEqual(["claimed", "inProgress"]);
    expect(await store.claimEvent(record, { now: at(59_000), leaseMs: 60_000 })).toMatchObject({ outcome: "inProgress", attempt: 1 });
    const [c, d] = await Promise.all([store.claimEvent(record, { now: at(61_000), leaseMs: 60_000 }), store.claimEvent(record, { now: at(61_000), leaseMs: 60_000 })]);
    expect([c, d].filter((claim) => claim.outcome === "claimed")).toEqual([expect.objectContaining({ attempt: 2 })]);
    await store.finishEvent({ ...record, outcome: "evaluated" }, at(62_000));
    expect(await store.claimEvent(record, { now: at(10 * 60_000), leaseMs: 60_000 })).toEqual({ outcome: "done" });
  });
});
