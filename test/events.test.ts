/**
 * The clusterEvents function: the official Event Grid samples (both schemas) parsed and handled against
 * a real Azurite and the local ARM server; dedupe, out of order delivery, ARN bodies evaluated without a
 * cluster GET, deleted clusters closed, lifecycle cards, transient failures thrown, and a fuzz of the parser.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvocationContext } from "@azure/functions";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clusterEventsHandler, resetClusterEventsRuntime } from "../functions/clusterEvents.js";
import { alertCard } from "../shared/alerts/cards/index.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { handleClusterEvent, hasNumericBooleans, TransientEventError, type EventDeps, type EventOutcome } from "../shared/events/handle.js";
import { parseEvent } from "../shared/events/parse.js";
import { AKS_SIGNALS, PermanentEventError, type AksSignal, type ClusterEvent } from "../shared/events/types.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import type { LifecycleAlert } from "../shared/model/alerts.js";
import type { ArmConnection } from "../shared/sources/arm/armConnection.js";
import { ClusterReader } from "../shared/sources/arm/clusterReader.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, compliantCluster, type Json } from "./support/clusters.js";
import { SUBSCRIPTIONS, connectTo } from "./support/liveReads.js";
import { adaptiveCardValidator } from "./support/adaptiveCardSchema.js";

const SUB = SUBSCRIPTIONS[0];
const RG = "rg-events";
const FIXTURES = join(import.meta.dirname, "fixtures", "eventgrid");
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };
const UPN = "alice@contoso.com";

function refOf(name: string): ClusterRef {
  return { id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId: SUB, resourceGroup: RG, name };
}

function fixture(path: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES, path), "utf8")) as Json;
}

/** A sample re-homed to a cluster of the ARM server: placeholders filled, a Storage account made a managed cluster. */
function sample(path: string, cluster = "aks-sample", overrides: Json = {}): Json {
  const text = readFileSync(join(FIXTURES, path), "utf8")
    .replace(/\{subs?cription-id\} ?/g, SUB)
    .replace(/\{subcription-id\}/g, SUB)
    .replace(/\{(resource-group|rg-name)\}/g, RG)
    .replace(/\{(cluster|managedcluster-id|managedcluster-name)\}/g, cluster)
    .replace(/Microsoft\.Storage\/storageAccounts\/(\{storage-name\}|\{storageAccount-name\})/g, `Microsoft.ContainerService/managedClusters/${cluster}`)
    .replace(/"Microsoft\.Storage\/storageAccounts"/g, '"Microsoft.ContainerService/managedClusters"')
    .replace(/Microsoft\.Storage\/storageAccounts\/write/g, "Microsoft.ContainerService/managedClusters/write")
    .replace(/\{user-name\}/g, UPN);
  return { ...(JSON.parse(text) as Json), ...overrides };
}

const SAMPLES: Array<[path: string, kind: ClusterEvent["kind"]]> = [
  ["Microsoft.ContainerService/event-grid-schema/new_kubernetes_version_available.json", "aksSignal"],
  ["Microsoft.ContainerService/event-grid-schema/cluster_support_ending.json", "aksSignal"],
  ["Microsoft.ContainerService/event-grid-schema/cluster_support_ended.json", "aksSignal"],
  ["Microsoft.ContainerService/event-grid-schema/node_pool_rolling_started.json", "aksSignal"],
  ["Microsoft.ContainerService/event-grid-schema/node_pool_rolling_succeeded.json", "aksSignal"],
  ["Microsoft.ContainerService/event-grid-schema/node_pool_rolling_failed.json", "aksSignal"],
  ["Microsoft.ContainerService/cloud-events-schema/new_kubernetes_version_available.json", "aksSignal"],
  ["Microsoft.ContainerService/cloud-events-schema/cluster_support_ending.json", "aksSignal"],
  ["Microsoft.ContainerService/cloud-events-schema/cluster_support_ended.json", "aksSignal"],
  ["Microsoft.ContainerService/cloud-events-schema/node_pool_rolling_started.json", "aksSignal"],
  ["Microsoft.ContainerService/cloud-events-schema/node_pool_rolling_succeeded.json", "aksSignal"],
  ["Microsoft.ContainerService/cloud-events-schema/node_pool_rolling_failed.json", "aksSignal"],
  ["Microsoft.Resources/event-grid-schema/resource_write_success.json", "resourceWrite"],
  ["Microsoft.Resources/cloud-events-schema/resource_write_success.json", "resourceWrite"],
  ["Microsoft.Resources/event-grid-schema/resource_delete_success.json", "resourceDelete"],
  ["Microsoft.Resources/event-grid-schema/resource_action_success.json", "unknown"],
  ["Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json", "arnUpsert"],
  ["Microsoft.ResourceNotifications/cloud-events-schema/Resources_CreatedOrUpdated.json", "arnUpsert"],
  ["Microsoft.ResourceNotifications/event-grid-schema/Resources_Deleted.json", "arnDelete"],
  ["Microsoft.ResourceNotifications/cloud-events-schema/Resources_Deleted.json", "arnDelete"],
  ["Microsoft.ResourceNotifications/event-grid-schema/ContainerServiceEventResources_ScheduledEventEmitted.json", "scheduledMaintenance"],
  ["Microsoft.ResourceNotifications/cloud-events-schema/ContainerServiceEventResources_ScheduledEventEmitted.json", "scheduledMaintenance"],
];

let arm: ArmServer;
let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;
let connection: ArmConnection;
let clock = Date.parse("2026-11-26T12:00:00Z");

function deps(): EventDeps {
  return { store, reader: new ClusterReader(connection), monitorSettings: MONITOR, subscriptions: [SUB], now: () => new Date((clock += 60_000)) };
}

/** Puts a cluster on the ARM server (compliant, or with local accounts on) and returns its ref. */
function putCluster(name: string, weak = false): ClusterRef {
  const body = weak ? clusterWith((b) => (b.properties.disableLocalAccounts = false)) : compliantCluster();
  arm.putCluster(body, { subscriptionId: SUB, resourceGroup: RG, name });
  return refOf(name);
}

/** One evaluation of the cluster as the ARM server holds it now (a sweep), so that the next change is a drift. */
async function baseline(ref: ClusterRef): Promise<void> {
  const read = await new ClusterReader(connection).read(ref);
  if (!read.ok) throw new Error(read.error.message);
  await monitorCluster(read.snapshot, { kind: "sweep", id: "baseline" }, store, MONITOR, new Date((clock += 60_000)));
}

async function handle(raw: unknown): Promise<EventOutcome> {
  return handleClusterEvent(await parseEvent(raw), deps());
}

async function outboxOf(ref: ClusterRef) {
  return (await store.listOutbox("pending")).filter((entry) => entry.clusterKey === ref.id.toLowerCase());
}

function writeEvent(cluster: string, id: string, time: string): Json {
  return sample("Microsoft.Resources/event-grid-schema/resource_write_success.json", cluster, { id, eventTime: time });
}

beforeAll(async () => {
  [arm, azurite] = await Promise.all([startArmServer(), startAzurite()]);
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("events") });
  await store.ensureTables();
  connection = await connectTo(arm, { throttleRetries: 1, failureRetries: 1 });
});

afterAll(async () => {
  await arm?.close();
  await azurite?.close();
});

beforeEach(() => arm.reset());

describe("parseEvent", () => {
  it.each(SAMPLES)("%s parses to %s", async (path, kind) => {
    const event = await parseEvent(sample(path));
    expect(event).not.toBeInstanceOf(PermanentEventError);
    expect((event as ClusterEvent).kind).toBe(kind);
    expect((event as ClusterEvent).schema).toBe(path.includes("cloud-events") ? "cloudEvents" : "eventGrid");
    if ("cluster" in event) expect(event.cluster).toEqual(refOf("aks-sample"));
  });

  it("reads the AKS signal, the pool, the maintenance status and the writer from the samples", async () => {
    const failed = await parseEvent(sample("Microsoft.ContainerService/cloud-events-schema/node_pool_rolling_failed.json"));
    expect(failed).toMatchObject({ kind: "aksSignal", signal: "NodePoolRollingFailed", details: { nodePoolName: "nodepool1" } });
    const quirk = await parseEvent(sample("Microsoft.ContainerService/cloud-events-schema/new_kubernetes_version_available.json"));
    expect(quirk).toMatchObject({ kind: "aksSignal", signal: "NewKubernetesVersionAvailable", time: "2021-07-01T04:52:57.000Z" });
    const maintenance = await parseEvent(sample("Microsoft.ResourceNotifications/event-grid-schema/ContainerServiceEventResources_ScheduledEventEmitted.json"));
    expect(maintenance).toMatchObject({ kind: "scheduledMaintenance", status: "Started", clusters: [refOf("aks-sample")], details: { eventSource: "AutoUprader" } });
    const write = await parseEvent(sample("Microsoft.Resources/event-grid-schema/resource_write_success.json"));
    expect(write).toMatchObject({
      kind: "resourceWrite",
      target: "cluster",
      actor: { name: UPN, at: "2018-07-19T18:38:04.611Z", operation: "Microsoft.ContainerService/managedClusters/write" },
    });
  });

  it("takes the actor from the UPN, else the name, else the application id", async () => {
    const base = sample("Microsoft.Resources/event-grid-schema/resource_write_success.json");
    const claims = (edit: (c: Json) => void) => {
      const copy = structuredClone(base);
      edit(copy.data.claims);
      return copy;
    };
    const noUpn = claims((c) => delete c["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]);
    expect(await parseEvent(noUpn)).toMatchObject({ actor: { name: "{full-name}" } });
    const app = claims((c) => {
      for (const key of Object.keys(c)) delete c[key];
      c.appid = "0f0f0f0f-0000-4000-8000-000000000001";
    });
    expect(await parseEvent(app)).toMatchObject({ actor: { name: "application 0f0f0f0f-0000-4000-8000-000000000001" } });
  });

  it("an agent pool write is the cluster's; another child or another provider is rejected", async () => {
    const pool = sample("Microsoft.Resources/event-grid-schema/resource_write_success.json", "aks-sample", {
      subject: `${refOf("aks-sample").id}/agentPools/nodepool1`,
    });
    expect(await parseEvent(pool)).toMatchObject({ kind: "resourceWrite", target: "agentPool", cluster: refOf("aks-sample") });
    const other = await parseEvent(fixture("Microsoft.Resources/event-grid-schema/resource_write_success.json"));
    expect(other).toBeInstanceOf(PermanentEventError);
    expect((other as PermanentEventError).message).toMatch(/is not a managed cluster or agent pool$/);
    const storage = await parseEvent(fixture("Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json"));
    expect((storage as PermanentEventError).message).toMatch(/not a managed cluster$/);
  });

  it("rejects malformed input with a one-line reason, and never throws", async () => {
    const good = sample("Microsoft.ContainerService/event-grid-schema/node_pool_rolling_failed.json");
    const bad: unknown[] = [
      undefined,
      null,
      42,
      "not json",
      "[1,2]",
      [good],
      {},
      { ...good, id: undefined },
      { ...good, id: "" },
      { ...good, eventType: undefined },
      { ...good, eventType: 7 },
      { ...good, metadataVersion: "2" },
      { ...good, eventTime: "yesterday" },
      { ...good, topic: "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a" },
      { ...good, topic: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/a` },
      { ...good, topic: `${refOf("aks-sample").id}/agentPools/nodepool1` },
      { ...sample("Microsoft.ContainerService/cloud-events-schema/cluster_support_ending.json"), specversion: "0.3" },
      fixture("Microsoft.ContainerService/event-grid-schema/node_pool_rolling_failed.json"),
      { ...sample("Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json"), data: { resourceInfo: "x" } },
      sample("Microsoft.ResourceNotifications/event-grid-schema/ContainerServiceEventResources_ScheduledEventEmitted.json", "aks-sample", {
        data: { resourceInfo: { properties: { eventStatus: "Exploded", resources: [refOf("aks-sample").id] } } },
      }),
    ];
    const before = store.operations();
    for (const input of bad) {
      const event = await parseEvent(input);
      expect(event, JSON.stringify(input)?.slice(0, 200)).toBeInstanceOf(PermanentEventError);
      expect((event as Error).message).not.toContain("\n");
      const outcome = await handleClusterEvent(event, deps());
      expect(outcome.outcome).toBe("rejected");
    }
    expect(store.operations()).toEqual(before);
  });

  it("on random or mutated input: a one-line rejection, or an event of the input's id, type and kind (fast-check)", async () => {
    const kindOf = (type: unknown): ClusterEvent["kind"] | undefined => {
      if (typeof type !== "string") return undefined;
      const known: Record<string, ClusterEvent["kind"]> = {
        "Microsoft.Resources.ResourceWriteSuccess": "resourceWrite",
        "Microsoft.Resources.ResourceDeleteSuccess": "resourceDelete",
        "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated": "arnUpsert",
        "Microsoft.ResourceNotifications.Resources.Deleted": "arnDelete",
        "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted": "scheduledMaintenance",
      };
      if (known[type]) return known[type];
      return type.startsWith("Microsoft.ContainerService.") && AKS_SIGNALS.includes(type.slice(27) as AksSignal) ? "aksSignal" : "unknown";
    };
    const editable = ["id", "type", "eventType", "subject", "topic", "source", "data", "time", "eventTime", "specversion", "metadataVersion", "dataVersion"];
    const mutated = fc
      .tuple(fc.constantFrom(...SAMPLES), fc.array(fc.tuple(fc.constantFrom(...editable), fc.anything()), { maxLength: 4 }))
      .map(([[path, kind], edits]) => {
        const copy: Json = sample(path);
        for (const [key, value] of edits) copy[key] = value;
        return { input: copy as unknown, kind: edits.length === 0 ? kind : undefined };
      });
    const dataMutated = fc.tuple(fc.constantFrom(...SAMPLES), fc.jsonValue()).map(([[path], data]) => ({ input: { ...sample(path), data } as unknown, kind: undefined }));
    const random = fc.oneof(fc.anything(), fc.json()).map((input) => ({ input, kind: undefined }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(random, mutated, dataMutated), async ({ input, kind }) => {
        const event = await parseEvent(input);
        // An untouched sample parses to its kind.
        if (kind) expect(event).toMatchObject({ kind });
        if (event instanceof PermanentEventError) {
          expect(event.message).toMatch(/^[^\n]+$/);
          return;
        }
        const raw = input as Json;
        const type = "eventType" in raw ? raw.eventType : raw.type;
        expect(event.id).toBe(raw.id);
        expect(event.type).toBe(type);
        expect(event.kind).toBe(kindOf(type));
        if ("cluster" in event) expect(event.cluster.id).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+$/i);
      }),
      { numRuns: 400 },
    );
  });
});

describe("handleClusterEvent", () => {
  it("the same write event delivered three times gives one evaluation and one card naming the writer", async () => {
    const ref = putCluster("aks-thrice");
    await baseline(ref);
    const cardsBefore = (await outboxOf(ref)).map((entry) => entry.alertId);
    putCluster("aks-thrice", true);
    const event = writeEvent("aks-thrice", "a9c5e1e2-0000-4000-8000-000000000001", "2026-11-26T12:30:00Z");
    const outcomes = [await handle(event), await handle(event), await handle(event)];
    expect(outcomes.map((o) => o.outcome)).toEqual(["evaluated", "duplicate", "duplicate"]);
    expect(await store.listEvaluations(ref)).toHaveLength(2); // the baseline and this event
    const pending = (await outboxOf(ref)).filter((entry) => !cardsBefore.includes(entry.alertId));
    expect(pending).toHaveLength(1);
    expect(pending[0]!.alert).toMatchObject({ kind: "drift", trigger: { kind: "event", actor: { name: UPN } } });
    expect(arm.countsByKind().managedCluster).toBe(2); // the baseline's read and one for the three deliveries
  });

  it("out of order: the newer write event first, then the older one, gives one card", async () => {
    const ref = putCluster("aks-order");
    await baseline(ref);
    const cardsBefore = (await outboxOf(ref)).length;
    putCluster("aks-order", true);
    const newer = await handle(writeEvent("aks-order", "a9c5e1e2-0000-4000-8000-000000000003", "2026-11-26T12:31:00Z"));
    const older = await handle(writeEvent("aks-order", "a9c5e1e2-0000-4000-8000-000000000002", "2026-11-26T12:30:00Z"));
    expect(newer).toMatchObject({ outcome: "evaluated", changes: 1 });
    expect(older).toMatchObject({ outcome: "evaluated", changes: 0 });
    expect(older).not.toHaveProperty("alertId");
    expect(await outboxOf(ref)).toHaveLength(cardsBefore + 1);
    expect((await store.listEvaluations(ref)).length).toBe(3);
  });

  it("an ARN CreatedOrUpdated is evaluated from its body, without a cluster GET; an older body is skipped", async () => {
    const ref = refOf("aks-arn");
    const body = clusterWith((b) => (b.properties.disableLocalAccounts = false));
    const event = sample("Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json", "aks-arn", {
      id: "a9c5e1e2-0000-4000-8000-000000000010",
    });
    event.data.resourceInfo = { ...body, id: ref.id, name: "aks-arn" };
    event.data.apiVersion = "2025-07-01";
    event.data.operationalInfo.resourceEventTime = "2026-11-26T13:00:00.0000000";
    clock = Date.parse("2026-11-26T13:00:30Z");
    const outcome = await handle(event);
    expect(outcome).toMatchObject({ outcome: "evaluated", cluster: ref.id });
    expect(arm.countsByKind().managedCluster ?? 0).toBe(0);
    expect(await store.listEvaluations(ref)).toHaveLength(1);
    const state = await store.loadClusterState(ref);
    expect([...state.findings.values()].some((f) => f.status === "fail")).toBe(true);

    const stale = structuredClone(event);
    stale.id = "a9c5e1e2-0000-4000-8000-000000000011";
    stale.data.operationalInfo.resourceEventTime = "2026-11-26T12:59:00.0000000";
    expect(await handle(stale)).toMatchObject({ outcome: "ignored" });
    expect(await store.listEvaluations(ref)).toHaveLength(1);
  });

  it("an ARN body with 1/0 booleans (as the published samples write them) is not trusted: the cluster is read instead", async () => {
    const ref = putCluster("aks-arn-numeric");
    const numeric = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(numeric)
        : value && typeof value === "object"
          ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, numeric(item)]))
          : value === true ? 1 : value === false ? 0 : value;
    const event = sample("Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json", "aks-arn-numeric", { id: "arn-numeric-1" });
    event.data.resourceInfo = { ...(numeric(compliantCluster()) as Json), id: ref.id, name: "aks-arn-numeric" };
    const reads = arm.countsByKind().managedCluster ?? 0;
    expect(await handle(event)).toMatchObject({ outcome: "evaluated", cluster: ref.id });
    expect((arm.countsByKind().managedCluster ?? 0) - reads).toBe(1);
    const state = await store.loadClusterState(ref);
    expect(state.findings.get("local-accounts-disabled")?.status).toBe("pass");
    expect(hasNumericBooleans({ properties: { agentPoolProfiles: [{ count: 1, enableAutoScaling: true }] } })).toBe(false);
    expect(hasNumericBooleans({ properties: { agentPoolProfiles: [{ count: 1, enableAutoScaling: 1 }] } })).toBe(true);
  });

  it("a delete confirmed by ARM (404) and newer than the last evaluation closes the cluster's findings without a card (Resources and ARN)", async () => {
    for (const [name, path] of [
      ["aks-del-a", "Microsoft.Resources/event-grid-schema/resource_delete_success.json"],
      ["aks-del-b", "Microsoft.ResourceNotifications/cloud-events-schema/Resources_Deleted.json"],
    ] as const) {
      const ref = putCluster(name, true);
      await baseline(ref);
      const queued = (await store.listOutbox("pending")).length;
      expect((await store.loadClusterState(ref)).findings.size).toBeGreaterThan(0);
      arm.remove(ref.id);
      // Deleted after the baseline evaluation (the samples' own times are of 2018).
      const deletedAt = new Date(clock + 1_000).toISOString();
      const outcome = await handle(sample(path, name, { id: `del-${name}`, [path.includes("cloud-events") ? "time" : "eventTime"]: deletedAt }));
      expect(outcome).toMatchObject({ outcome: "closed", cluster: ref.id });
      expect((outcome as { findingsClosed: number }).findingsClosed).toBeGreaterThan(0);
      expect((await store.loadClusterState(ref)).findings.size).toBe(0);
      expect((await store.getClusterSummary(ref))?.deletedAt).toBeDefined();
      expect((await store.listOutbox("pending")).length).toBe(queued);
      // A late write event after the delete finds the cluster gone: acknowledged, nothing evaluated.
      expect(await handle(writeEvent(name, `late-${name}`, "2026-11-26T12:00:00Z"))).toMatchObject({ outcome: "unreadable" });
      expect((await store.loadClusterState(ref)).findings.size).toBe(0);
    }
  });

  it("closeDeletedCluster is idempotent and a re-created cluster starts afresh", async () => {
    const ref = putCluster("aks-again", true);
    await baseline(ref);
    expect((await store.closeDeletedCluster(ref, "2026-11-26T14:00:00Z")).findingsClosed).toBeGreaterThan(0);
    expect(await store.closeDeletedCluster(ref, "2026-11-26T14:05:00Z")).toEqual({ findingsClosed: 0, summary: true });
    expect((await store.getClusterSummary(ref))?.deletedAt).toBe("2026-11-26T14:00:00.000Z");
    await baseline(ref);
    expect((await store.getClusterSummary(ref))?.deletedAt).toBeUndefined();
    expect((await store.loadClusterState(ref)).findings.size).toBeGreaterThan(0);
  });

  it("NodePoolRollingFailed re-reads the cluster and enqueues one valid lifecycle card", async () => {
    const ref = putCluster("aks-pool");
    const event = sample("Microsoft.ContainerService/event-grid-schema/node_pool_rolling_failed.json", "aks-pool", { id: "pool-failed-1" });
    const outcome = await handle(event);
    expect(outcome).toMatchObject({ outcome: "evaluated", cluster: ref.id });
    expect(await handle(event)).toMatchObject({ outcome: "duplicate" });
    const lifecycle = (await outboxOf(ref)).filter((entry) => entry.alert.kind === "nodePoolUpgradeFailed");
    expect(lifecycle).toHaveLength(1);
    const alert = lifecycle[0]!.alert as LifecycleAlert;
    expect(alert).toMatchObject({ cluster: ref, details: { nodePoolName: "nodepool1" }, at: "2023-03-29T18:00:00.000Z" });
    expect(alert.alertId).toBe((outcome as { lifecycleAlertId: string }).lifecycleAlertId);
    const validate = adaptiveCardValidator();
    for (const channel of ["webhook", "bot"] as const) expect(validate(alertCard(alert, { channel }))).toBeUndefined();
  });

  it("support ending and ended enqueue their cards; rolling started does not", async () => {
    const ref = putCluster("aks-support");
    await handle(sample("Microsoft.ContainerService/cloud-events-schema/cluster_support_ending.json", "aks-support", { id: "ending-1" }));
    await handle(sample("Microsoft.ContainerService/cloud-events-schema/cluster_support_ended.json", "aks-support", { id: "ended-1" }));
    await handle(sample("Microsoft.ContainerService/cloud-events-schema/node_pool_rolling_started.json", "aks-support", { id: "started-1" }));
    const kinds = (await outboxOf(ref)).map((entry) => entry.alert.kind).filter((kind) => kind !== "drift").sort();
    expect(kinds).toEqual(["supportEnded", "supportEnding"]);
  });

  it("failed maintenance enqueues a maintenanceFailed card; started maintenance is acknowledged", async () => {
    const ref = refOf("aks-maint");
    const path = "Microsoft.ResourceNotifications/cloud-events-schema/ContainerServiceEventResources_ScheduledEventEmitted.json";
    expect(await handle(sample(path, "aks-maint", { id: "maint-started" }))).toMatchObject({ outcome: "ignored" });
    const failed = sample(path, "aks-maint", { id: "maint-failed" });
    failed.data.resourceInfo.properties.eventStatus = "Failed";
    expect(await handle(failed)).toMatchObject({ outcome: "alerted", clusters: [ref.id] });
    const cards = (await outboxOf(ref)).filter((entry) => entry.alert.kind === "maintenanceFailed");
    expect(cards).toHaveLength(1);
    expect(adaptiveCardValidator()(alertCard(cards[0]!.alert, { channel: "webhook" }))).toBeUndefined();
  });

  it("unknown event types are acknowledged and write nothing", async () => {
    const before = store.operations();
    const validation = (fixture("validation/subscription_validation_event.json") as unknown as Json[])[0]!;
    expect(await handle(validation)).toMatchObject({ outcome: "ignored", eventId: "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66" });
    expect(await handle(sample("Microsoft.Resources/event-grid-schema/resource_action_success.json"))).toMatchObject({ outcome: "ignored" });
    expect(await handle({ ...sample("Microsoft.ContainerService/event-grid-schema/node_pool_rolling_failed.json"), eventType: "Microsoft.ContainerService.ClusterOutOfSupport" })).toMatchObject({ outcome: "ignored" });
    expect(store.operations()).toEqual(before);
  });

  it("a throttled ARM read throws (Event Grid retries), and the retry is processed", async () => {
    const ref = putCluster("aks-throttled");
    await baseline(ref);
    const cardsBefore = (await outboxOf(ref)).length;
    putCluster("aks-throttled", true);
    arm.fault({ match: "/managedClusters/aks-throttled", status: 429 });
    const event = writeEvent("aks-throttled", "throttled-1", "2026-11-26T12:40:00Z");
    await expect(handle(event)).rejects.toBeInstanceOf(TransientEventError);
    expect(arm.throttled).toBeGreaterThan(0);
    expect(await store.listEvaluations(ref)).toHaveLength(1);
    arm.clearFaults();
    expect(await handle(event)).toMatchObject({ outcome: "evaluated", changes: 1 });
    expect(await outboxOf(ref)).toHaveLength(cardsBefore + 1);
  });

  it("a 503 from ARM throws too; a 403 is acknowledged as unreadable", async () => {
    putCluster("aks-flaky");
    arm.fault({ match: "/managedClusters/aks-flaky", status: 503 });
    await expect(handle(writeEvent("aks-flaky", "flaky-1", "2026-11-26T12:40:00Z"))).rejects.toBeInstanceOf(TransientEventError);
    arm.clearFaults();
    arm.fault({ match: "/managedClusters/aks-flaky", status: 403 });
    expect(await handle(writeEvent("aks-flaky", "flaky-2", "2026-11-26T12:41:00Z"))).toMatchObject({ outcome: "unreadable" });
  });

  it("the ARN body is evaluated with extras when they can be read, and without when reading them throws", async () => {
    const ref = refOf("aks-arn-bare");
    const body = compliantCluster();
    const failingReader = { read: () => Promise.reject(new Error("unused")), complete: () => Promise.reject(new Error("down")) };
    const event = sample("Microsoft.ResourceNotifications/event-grid-schema/Resources_CreatedOrUpdated.json", "aks-arn-bare", { id: "arn-bare-1" });
    event.data.resourceInfo = { ...body, id: ref.id, name: "aks-arn-bare" };
    const outcome = await handleClusterEvent(await parseEvent(event), { ...deps(), reader: failingReader });
    expect(outcome).toMatchObject({ outcome: "evaluated", cluster: ref.id });
    expect(await store.listEvaluations(ref)).toHaveLength(1);
  });

  it("an agent pool delete is a change of its cluster: re-read and evaluated, not closed", async () => {
    const ref = putCluster("aks-pooldel");
    const event = sample("Microsoft.Resources/event-grid-schema/resource_delete_success.json", "aks-pooldel", {
      id: "pool-delete-1",
      subject: `${refOf("aks-pooldel").id}/agentPools/nodepool2`,
    });
    expect(await handle(event)).toMatchObject({ outcome: "evaluated", cluster: ref.id });
    expect((await store.getClusterSummary(ref))?.deletedAt).toBeUndefined();
  });
});

describe("a burst of events", () => {
  const AKS = "Microsoft.ContainerService/event-grid-schema";

  /** Real time (the gate compares arrival and read times), a short settle, the same store and ARM server. */
  function burstDeps(overrides: Partial<EventDeps> = {}): EventDeps {
    return { ...deps(), now: () => new Date(), settleMs: 0, ...overrides };
  }

  function handleAll(events: readonly Json[], dependencies: EventDeps): Promise<EventOutcome[]> {
    return Promise.all(events.map(async (event) => handleClusterEvent(await parseEvent(event), dependencies)));
  }

  function poolWrite(cluster: string, pool: string, id: string): Json {
    return sample("Microsoft.Resources/event-grid-schema/resource_write_success.json", cluster, { id, subject: `${refOf(cluster).id}/agentPools/${pool}` });
  }

  async function newCards(ref: ClusterRef, before: readonly string[]) {
    return (await outboxOf(ref)).filter((entry) => !before.includes(entry.alertId));
  }

  it("one change announced by eight events at once gives one evaluation, one ARM read and one card naming the writer", async () => {
    const ref = putCluster("aks-burst");
    await baseline(ref);
    const cards = (await outboxOf(ref)).map((entry) => entry.alertId);
    const reads = arm.countsByKind().managedCluster ?? 0;
    putCluster("aks-burst", true);
    const events = [
      writeEvent("aks-burst", "burst-write", "2026-11-26T14:00:00Z"),
      poolWrite("aks-burst", "nodepool1", "burst-pool-1"),
      poolWrite("aks-burst", "nodepool2", "burst-pool-2"),
      poolWrite("aks-burst", "nodepool3", "burst-pool-3"),
      sample(`${AKS}/node_pool_rolling_started.json`, "aks-burst", { id: "burst-rolling-started" }),
      sample(`${AKS}/node_pool_rolling_succeeded.json`, "aks-burst", { id: "burst-rolling-succeeded" }),
      sample(`${AKS}/new_kubernetes_version_available.json`, "aks-burst", { id: "burst-new-version" }),
      sample(`${AKS}/node_pool_rolling_started.json`, "aks-burst", { id: "burst-rolling-started-2" }),
    ];
    const outcomes = await handleAll(events, burstDeps({ settleMs: 300 }));
    expect(outcomes.filter((o) => o.outcome === "evaluated")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "coalesced")).toHaveLength(7);
    expect((arm.countsByKind().managedCluster ?? 0) - reads).toBe(1);
    expect(await store.listEvaluations(ref)).toHaveLength(2); // the baseline and the burst
    const added = await newCards(ref, cards);
    expect(added).toHaveLength(1);
    expect(added[0]!.alert).toMatchObject({ kind: "drift", trigger: { kind: "event", actor: { name: UPN } } });

    // The next change is a change of its own: evaluated again, with its own card.
    putCluster("aks-burst");
    expect(await handleClusterEvent(await parseEvent(writeEvent("aks-burst", "burst-write-2", new Date().toISOString())), burstDeps())).toMatchObject({
      outcome: "evaluated",
      changes: 1,
    });
    expect(await newCards(ref, cards)).toHaveLength(2);
  });

  it("events that arrive while the cluster is being read wait, and one more evaluation covers them all", async () => {
    const ref = putCluster("aks-during");
    await baseline(ref);
    const slow = new ClusterReader(connection);
    const reader = { read: async (r: ClusterRef) => (await new Promise((resolve) => setTimeout(resolve, 400)), slow.read(r)), complete: slow.complete.bind(slow) };
    const dependencies = burstDeps({ reader });
    const first = handleAll([writeEvent("aks-during", "during-0", "2026-11-26T14:00:00Z")], dependencies);
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Changes made after the first read started (their event time says so): they need one more read.
    const later = handleAll(
      [1, 2, 3, 4].map((n) => ({ ...poolWrite("aks-during", `nodepool${n}`, `during-${n}`), eventTime: new Date().toISOString() })),
      dependencies,
    );
    const outcomes = [...(await first), ...(await later)];
    expect(outcomes[0]).toMatchObject({ outcome: "evaluated" });
    expect(outcomes.slice(1).filter((o) => o.outcome === "evaluated")).toHaveLength(1);
    expect(outcomes.slice(1).filter((o) => o.outcome === "coalesced")).toHaveLength(3);
    expect(await store.listEvaluations(ref)).toHaveLength(3);
  });

  it("an AKS event that starts the evaluation still names the caller of a write event that joined it", async () => {
    const ref = putCluster("aks-join");
    await baseline(ref);
    const cards = (await outboxOf(ref)).map((entry) => entry.alertId);
    putCluster("aks-join", true);
    const dependencies = burstDeps({ settleMs: 400 });
    const started = handleAll([sample(`${AKS}/node_pool_rolling_succeeded.json`, "aks-join", { id: "join-aks" })], dependencies);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const joined = await handleAll([writeEvent("aks-join", "join-write", "2026-11-26T14:20:00Z")], dependencies);
    expect(await started).toEqual([expect.objectContaining({ outcome: "evaluated", eventId: "join-aks" })]);
    expect(joined).toEqual([expect.objectContaining({ outcome: "coalesced", eventId: "join-write" })]);
    const added = await newCards(ref, cards);
    expect(added).toHaveLength(1);
    expect(added[0]!.alert).toMatchObject({ trigger: { id: "join-aks", actor: { name: UPN, operation: "Microsoft.ContainerService/managedClusters/write" } } });
  });

  it("a late event of a change already read is covered without a read, and its caller is added to the waiting card", async () => {
    const ref = putCluster("aks-late");
    await baseline(ref);
    const cards = (await outboxOf(ref)).map((entry) => entry.alertId);
    putCluster("aks-late", true);
    const changedAt = new Date(Date.now() - 3_000).toISOString(); // announced a few seconds after it was made
    const first = await handleAll([sample(`${AKS}/node_pool_rolling_succeeded.json`, "aks-late", { id: "late-aks", eventTime: changedAt })], burstDeps());
    expect(first).toEqual([expect.objectContaining({ outcome: "evaluated", changes: 1 })]);
    expect((await newCards(ref, cards))[0]!.alert).not.toHaveProperty("trigger.actor");
    const reads = arm.countsByKind().managedCluster ?? 0;
    const late = await handleAll([writeEvent("aks-late", "late-write", changedAt)], burstDeps());
    expect(late).toEqual([expect.objectContaining({ outcome: "coalesced" })]);
    expect(arm.countsByKind().managedCluster ?? 0).toBe(reads);
    const added = await newCards(ref, cards);
    expect(added).toHaveLength(1);
    expect(added[0]!.alert).toMatchObject({ trigger: { id: "late-aks", actor: { name: UPN } } });
  });

  it("an event that waits too long asks Event Grid for a retry, which is then processed", async () => {
    const ref = putCluster("aks-held");
    const now = new Date().toISOString();
    expect(await store.claimEvaluation(ref, { arrivedAt: now, holder: "someone-else", now, leaseMs: 60_000 })).toEqual({ outcome: "claimed" });
    const event = writeEvent("aks-held", "held-1", "2026-11-26T14:30:00Z");
    await expect(handleAll([event], burstDeps({ gateWaitMs: 300 }))).rejects.toThrow(/being evaluated for event someone-else/);
    await store.releaseEvaluation(ref, { holder: "someone-else", now: new Date().toISOString() });
    expect(await handleAll([event], burstDeps())).toEqual([expect.objectContaining({ outcome: "evaluated" })]);
  });
});

describe("the clusterEvents function", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of ["STORAGE_CONNECTION_STRING", "AZURE_RESOURCE_MANAGER_ENDPOINT", "AZURE_ACCESS_TOKEN", "ALERT_COOLDOWN_MINUTES", "MONITOR_SUBSCRIPTIONS"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    resetClusterEventsRuntime();
  });

  function context(lines: string[]): InvocationContext {
    return new InvocationContext({
      functionName: "clusterEvents",
      invocationId: "00000000-0000-4000-8000-00000000e001",
      logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(" ")}`),
    });
  }

  it("handles an event through InvocationContext, logs the outcome with the event id, never the token", async () => {
    process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
    process.env.AZURE_RESOURCE_MANAGER_ENDPOINT = arm.url;
    process.env.AZURE_ACCESS_TOKEN = arm.token;
    process.env.ALERT_COOLDOWN_MINUTES = "0";
    process.env.MONITOR_SUBSCRIPTIONS = SUB;
    putCluster("aks-function", true);
    const lines: string[] = [];
    const event = sample("Microsoft.Resources/cloud-events-schema/resource_write_success.json", "aks-function", { id: "function-1" });
    const outcome = await clusterEventsHandler(event, context(lines));
    expect(outcome).toMatchObject({ outcome: "evaluated", eventId: "function-1" });
    expect(await clusterEventsHandler(event, context(lines))).toMatchObject({ outcome: "duplicate" });
    expect(await clusterEventsHandler({ nonsense: true }, context(lines))).toMatchObject({ outcome: "rejected" });
    const outcomes = lines.filter((line) => !line.includes("metric aksmon."));
    expect(outcomes[0]).toMatch(/^information: clusterEvents: event function-1 evaluated /);
    expect(outcomes[1]).toMatch(/^information: clusterEvents: event function-1 is a duplicate/);
    expect(outcomes[2]).toMatch(/^warning: clusterEvents: event \(no id\) rejected/);
    // One metric line per outcome, and an evaluation for the event that was evaluated.
    expect(lines.filter((line) => line.includes("metric aksmon.events=1")).map((line) => line.split("outcome=")[1])).toEqual(["evaluated", "duplicate", "rejected"]);
    expect(lines).toContain("information: metric aksmon.evaluations=1 source=event outcome=evaluated");
    expect(lines.join("\n")).not.toContain(arm.token);
  });

  it("throws on a transient failure and logs a warning", async () => {
    process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
    process.env.AZURE_RESOURCE_MANAGER_ENDPOINT = arm.url;
    process.env.AZURE_ACCESS_TOKEN = arm.token;
    process.env.MONITOR_SUBSCRIPTIONS = SUB;
    putCluster("aks-function-503");
    arm.fault({ match: "/managedClusters/aks-function-503", status: 500 });
    const lines: string[] = [];
    const event = writeEvent("aks-function-503", "function-503", "2026-11-26T12:50:00Z");
    await expect(clusterEventsHandler(event, context(lines))).rejects.toBeInstanceOf(TransientEventError);
    expect(lines.join("\n")).toMatch(/^warning: clusterEvents: event function-503 failed, Event Grid will retry/);
  }, 60_000);

  it("acknowledges malformed and unknown events without settings or storage", async () => {
    process.env.STORAGE_CONNECTION_STRING = "";
    process.env.AZURE_RESOURCE_MANAGER_ENDPOINT = "http://not-https";
    const lines: string[] = [];
    expect(await clusterEventsHandler("garbage", context(lines))).toMatchObject({ outcome: "rejected" });
    expect(await clusterEventsHandler(sample("Microsoft.Resources/event-grid-schema/resource_action_success.json"), context(lines))).toMatchObject({ outcome: "ignored" });
  });
});
