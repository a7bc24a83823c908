/**
 * The measuring side of the latency benchmark, in its own process (started by bench/latency.ts with
 * NODE_EXTRA_CA_CERTS naming the test certificate, which the local Teams receiver serves). Azurite (in
 * this process, in memory) and the Teams receiver (HTTPS, validating every card against the Adaptive
 * Card 1.5 schema) run here too. argv: root, clusters. Prints the measurements as one JSON line.
 *
 * Each measured evaluation is an ARM write event with the cluster's new body in hand: from then, the
 * body goes through the SDK's mappers into a snapshot, `monitorCluster` evaluates, diffs with the stored
 * findings and commits (Azurite), `deliverDue` claims the alert and posts its card over HTTPS, and the
 * clock stops when the receiver has accepted the card. Every cluster is first evaluated compliant
 * (not measured), then measured twice: drifted (a new-failures card) and fixed again (a resolved card).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultDeliveryOptions, deliverDue, type DeliveryChannel, type DeliveryOptions } from "../shared/alerts/delivery.js";
import { Pacer } from "../shared/alerts/pacer.js";
import { postToWebhook } from "../shared/alerts/webhook.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import { snapshotsFromDocument } from "../shared/sources/clusterFiles.js";
import { TableStore, type OperationCounts } from "../shared/store/tableStore.js";
import { startAzurite } from "../test/support/azurite.js";
import { percentile, renamed } from "../test/support/pipeline.js";
import { startTeamsReceiver } from "../test/support/teamsReceiver.js";

type Json = Record<string, any>;

const [root = ".", clusterText = "300"] = process.argv.slice(2);
const CLUSTERS = Number(clusterText);
const WARMUP_CLUSTERS = 20;

const compliant = JSON.parse(readFileSync(join(root, "examples/fleet/prod-weu-payments.json"), "utf8")) as Json;
/** The same cluster after a careless write: local accounts back on, the API server's authorized ranges removed. */
const drifted = structuredClone(compliant);
drifted.properties.disableLocalAccounts = false;
delete drifted.properties.apiServerAccessProfile.authorizedIPRanges;

const azurite = await startAzurite();
const receiver = await startTeamsReceiver({ schemaPath: join(root, "test/schemas/adaptive-card-1.5.0.json") });
const store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: "latency" });
await store.ensureTables();

const settings: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };
const channel: DeliveryChannel = {
  key: "teams",
  flavour: "webhook",
  send: (message) => postToWebhook(receiver.url, message, { timeoutMs: 15_000 }),
};
// No artificial throttling: Teams' own 4 posts/s per webhook would dominate a burst's latency (see the note).
const delivery: DeliveryOptions = { ...defaultDeliveryOptions, pacer: new Pacer({ windows: [{ limit: 1_000_000, perMs: 1_000 }] }) };

interface Sample {
  totalMs: number;
  monitorMs: number;
  deliveryMs: number;
  monitorOps: OperationCounts;
  deliveryOps: OperationCounts;
}

const minus = (a: OperationCounts, b: OperationCounts): OperationCounts => ({
  reads: a.reads - b.reads,
  writes: a.writes - b.writes,
  transactions: a.transactions - b.transactions,
});

let event = 0;
async function evaluateAndDeliver(body: Json): Promise<Sample> {
  const id = `evt-${++event}`;
  const start = performance.now();
  const cardAccepted = receiver.waitForReceived(receiver.received.length + 1, 30_000).then(() => performance.now());
  const [snapshot] = await snapshotsFromDocument(body, `event ${id}`);
  const before = store.operations();
  const now = new Date();
  const result = await monitorCluster(
    snapshot!,
    { kind: "event", id, actor: { name: "alice@contoso.com", at: now.toISOString(), operation: "Microsoft.ContainerService/managedClusters/write" } },
    store,
    settings,
    now,
  );
  const monitored = performance.now();
  const afterMonitor = store.operations();
  const report = await deliverDue(store, channel, delivery);
  const afterDelivery = store.operations();
  if (result.alert === undefined || report.sent !== 1 || report.retried + report.dead > 0) {
    throw new Error(`${snapshot!.ref.name}: expected one card, got ${result.alert ? "an alert" : "no alert"} and ${JSON.stringify(report)}`);
  }
  const end = await cardAccepted;
  return {
    totalMs: end - start,
    monitorMs: monitored - start,
    deliveryMs: end - monitored,
    monitorOps: minus(afterMonitor, before),
    deliveryOps: minus(afterDelivery, afterMonitor),
  };
}

/** A cluster's first evaluation (not measured): it stores the state the measured change is diffed with. Its card, if any, goes too. */
async function prepare(body: Json): Promise<void> {
  const [snapshot] = await snapshotsFromDocument(body, "baseline");
  await monitorCluster(snapshot!, { kind: "sweep", id: "baseline" }, store, settings);
  await deliverDue(store, channel, delivery);
}

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

// Warm-up (not measured): the code paths, the HTTPS connection, the schema validator.
for (const name of names("aks-warm", WARMUP_CLUSTERS)) {
  await prepare(renamed(compliant, name));
  await evaluateAndDeliver(renamed(drifted, name));
  await evaluateAndDeliver(renamed(compliant, name));
}
// Every measured cluster has a stored state before its change, as in steady operation.
const measured = names("aks-lat", CLUSTERS);
for (const name of measured) await prepare(renamed(compliant, name));

const samples: Sample[] = [];
for (const body of [drifted, compliant]) {
  for (const name of measured) samples.push(await evaluateAndDeliver(renamed(body, name)));
}

const cardBytes = receiver.received.slice(-samples.length).map((card) => card.bytes);
const sum = (pick: (sample: Sample) => number) => samples.reduce((total, sample) => total + pick(sample), 0);
const figures = {
  evaluations: samples.length,
  cards: receiver.received.length,
  rejected: receiver.attempts.filter((attempt) => attempt.outcome !== "accepted").length,
  total: { p50: percentile(samples.map((s) => s.totalMs), 50), p99: percentile(samples.map((s) => s.totalMs), 99), max: Math.max(...samples.map((s) => s.totalMs)) },
  monitor: { p50: percentile(samples.map((s) => s.monitorMs), 50), p99: percentile(samples.map((s) => s.monitorMs), 99) },
  delivery: { p50: percentile(samples.map((s) => s.deliveryMs), 50), p99: percentile(samples.map((s) => s.deliveryMs), 99) },
  monitorOps: {
    reads: sum((s) => s.monitorOps.reads) / samples.length,
    writes: sum((s) => s.monitorOps.writes) / samples.length,
    transactions: sum((s) => s.monitorOps.transactions) / samples.length,
  },
  deliveryOps: {
    reads: sum((s) => s.deliveryOps.reads) / samples.length,
    writes: sum((s) => s.deliveryOps.writes) / samples.length,
    transactions: sum((s) => s.deliveryOps.transactions) / samples.length,
  },
  cardBytes: { p50: percentile(cardBytes, 50), max: Math.max(...cardBytes) },
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
await Promise.all([receiver.close(), azurite.close(), store.close()]);
