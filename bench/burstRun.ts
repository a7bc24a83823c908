/**
 * The measuring side of the event burst benchmark, in its own process (started by bench/burst.ts with
 * NODE_EXTRA_CA_CERTS naming the test certificate that the local ARM server serves). Azurite and the ARM
 * server run here, in memory. argv: root, clusters, events per cluster, settle ms, concurrency.
 * Prints the measurements as one JSON line.
 *
 * Every cluster is evaluated compliant first (not measured), then changed on the ARM server (local
 * accounts back on). The burst: per cluster one cluster write (with its caller), pool writes and AKS
 * events, all shuffled and timed a second before they start to arrive, handed to `handleClusterEvent` by
 * `concurrency` workers at once, as Event Grid pushes to a scaled-out function app. The clock stops when
 * the last event is acknowledged ("quiet").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultProfile } from "../shared/baseline/profile.js";
import { handleClusterEvent, type EventOutcome } from "../shared/events/handle.js";
import { parseEvent } from "../shared/events/parse.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import { ClusterReader } from "../shared/sources/arm/clusterReader.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startArmServer } from "../test/support/armServer.js";
import { startAzurite } from "../test/support/azurite.js";
import { clusterWith, compliantCluster, type Json } from "../test/support/clusters.js";
import { connectTo, SUBSCRIPTIONS } from "../test/support/liveReads.js";

const [root = ".", clusterText = "100", perClusterText = "10", settleText = "2000", concurrencyText = "100"] = process.argv.slice(2);
const CLUSTERS = Number(clusterText);
const PER_CLUSTER = Number(perClusterText);
const SETTLE_MS = Number(settleText);
const CONCURRENCY = Number(concurrencyText);
const SUB = SUBSCRIPTIONS[0];
const RG = "rg-burst";
const FIXTURES = join(root, "test", "fixtures", "eventgrid");
const SETTINGS: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

const [arm, azurite] = await Promise.all([startArmServer(), startAzurite()]);
const store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: "burst" });
await store.ensureTables();
const connection = await connectTo(arm);

const refOf = (name: string): ClusterRef => ({
  id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`,
  subscriptionId: SUB,
  resourceGroup: RG,
  name,
});

/** An official sample event re-homed to a cluster of the ARM server. */
function sample(path: string, cluster: string, overrides: Json): Json {
  const text = readFileSync(join(FIXTURES, path), "utf8")
    .replace(/\{subs?cription-id\} ?/g, SUB)
    .replace(/\{(resource-group|rg-name)\}/g, RG)
    .replace(/\{(cluster|managedcluster-id|managedcluster-name)\}/g, cluster)
    .replace(/Microsoft\.Storage\/storageAccounts\/(\{storage-name\}|\{storageAccount-name\})/g, `Microsoft.ContainerService/managedClusters/${cluster}`)
    .replace(/"Microsoft\.Storage\/storageAccounts"/g, '"Microsoft.ContainerService/managedClusters"')
    .replace(/Microsoft\.Storage\/storageAccounts\/write/g, "Microsoft.ContainerService/managedClusters/write")
    .replace(/\{user-name\}/g, "alice@contoso.com");
  return { ...(JSON.parse(text) as Json), ...overrides };
}

const WRITE = "Microsoft.Resources/event-grid-schema/resource_write_success.json";
const AKS = ["node_pool_rolling_started", "node_pool_rolling_succeeded", "new_kubernetes_version_available"].map(
  (name) => `Microsoft.ContainerService/event-grid-schema/${name}.json`,
);

function burstOf(cluster: string): Json[] {
  const events = [sample(WRITE, cluster, { id: `${cluster}-write` })];
  for (let i = 1; i < PER_CLUSTER; i++) {
    events.push(
      i % 2 === 1
        ? sample(WRITE, cluster, { id: `${cluster}-pool-${i}`, subject: `${refOf(cluster).id}/agentPools/nodepool${i}` })
        : sample(AKS[i % AKS.length]!, cluster, { id: `${cluster}-aks-${i}` }),
    );
  }
  return events;
}

/** Fisher-Yates with a fixed seed: the same interleaving at every run. */
function shuffled<T>(items: T[]): T[] {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const names = Array.from({ length: CLUSTERS }, (_, i) => `aks-burst-${i}`);
const reader = new ClusterReader(connection);
for (const name of names) {
  arm.putCluster(compliantCluster(), { subscriptionId: SUB, resourceGroup: RG, name });
  const read = await reader.read(refOf(name));
  if (!read.ok) throw new Error(read.error.message);
  await monitorCluster(read.snapshot, { kind: "sweep", id: "baseline" }, store, SETTINGS);
}
for (const name of names) arm.putCluster(clusterWith((b) => (b.properties.disableLocalAccounts = false)), { subscriptionId: SUB, resourceGroup: RG, name });
const cardsBefore = new Set((await store.listOutbox("pending")).map((entry) => entry.alertId));
const readsBefore = arm.countsByKind().managedCluster ?? 0;
const opsBefore = store.operations();

// The changes were made a second before their events start to arrive (Event Grid's usual delay).
const changedAt = new Date(Date.now() - 1_000).toISOString();
const events = shuffled(names.flatMap(burstOf)).map((event) => ({ ...event, eventTime: changedAt }));
const deps = { store, reader: new ClusterReader(connection), monitorSettings: SETTINGS, settleMs: SETTLE_MS, subscriptions: [SUB] };
const outcomes: EventOutcome[] = [];
const latencies: number[] = [];
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < events.length) {
      const event = events[next++]!;
      const t0 = performance.now();
      outcomes.push(await handleClusterEvent(await parseEvent(event), deps));
      latencies.push(performance.now() - t0);
    }
  }),
);
const quietMs = performance.now() - started;
const ops = store.operations();
const cards = (await store.listOutbox("pending")).filter((entry) => !cardsBefore.has(entry.alertId) && entry.alert.kind === "drift");
const count = (kind: EventOutcome["outcome"]) => outcomes.filter((o) => o.outcome === kind).length;
latencies.sort((a, b) => a - b);
const figures = {
  events: events.length,
  clusters: CLUSTERS,
  settleMs: SETTLE_MS,
  concurrency: CONCURRENCY,
  quietMs,
  evaluated: count("evaluated"),
  coalesced: count("coalesced"),
  other: outcomes.length - count("evaluated") - count("coalesced"),
  armClusterReads: (arm.countsByKind().managedCluster ?? 0) - readsBefore,
  driftCards: cards.length,
  cardsNamingTheWriter: cards.filter((entry) => entry.alert.kind === "drift" && entry.alert.trigger.actor?.name === "alice@contoso.com").length,
  ackP50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
  ackMaxMs: latencies.at(-1) ?? 0,
  storageRequestsPerEvent: (ops.reads + ops.writes + ops.transactions - opsBefore.reads - opsBefore.writes - opsBefore.transactions) / events.length,
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
await Promise.all([arm.close(), azurite.close(), store.close()]);
