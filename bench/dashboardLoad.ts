/**
 * How long the dashboard's document takes to load from the store for 2,000 clusters, and its size.
 *
 * The store (an in-process, in-memory Azurite) is filled by the real pipeline: the sweep benchmark's
 * fleet (recorded and documented cluster bodies over 20 subscriptions) evaluated by `monitorCluster`
 * two days ago, a quarter of it changed yesterday by a write event with its actor, a tenth with a
 * snoozed check, and 30 nightly fleet points. Then `loadDashboard` reads it all, three times.
 */
import { join } from "node:path";
import { defaultProfile } from "../shared/baseline/profile.js";
import { loadDashboard } from "../shared/dashboard/load.js";
import type { DashboardCluster, DashboardModel } from "../shared/dashboard/model.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import type { Trigger } from "../shared/model/alerts.js";
import { snapshotsFromDocument } from "../shared/sources/clusterFiles.js";
import { mapBounded } from "../shared/mapBounded.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startAzurite } from "../test/support/azurite.js";
import type { BenchFigure } from "./results.js";
import { baseClusters, placement, subscriptionIds } from "./sweepFleet.js";

type Json = Record<string, any>;

const CLUSTERS = 2_000;
const QUARTER = 500;
const RUNS = 3;
const DAY = 86_400_000;
const SETTINGS: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

export async function benchDashboardLoad(): Promise<Record<string, BenchFigure>> {
  const root = join(import.meta.dirname, "..", "..");
  const azurite = await startAzurite();
  const store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: "dashboard" });
  try {
    await store.ensureTables();
    const bodies = fleet(root);
    const seedStarted = performance.now();
    await seed(store, bodies.slice(0, QUARTER));
    // A quarter of the fleet first: how the load time grows with the store.
    const small = await measure(store);
    await seed(store, bodies.slice(QUARTER));
    await postureHistory(store);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const full = await measure(store);
    const findings = full.model.clusters.reduce((sum, c) => sum + c.findings.length, 0);
    const share = (part: (c: DashboardCluster) => unknown) =>
      Math.round((100 * full.model.clusters.reduce((sum, c) => sum + JSON.stringify(part(c) ?? "").length, 0)) / full.bytes);
    return {
      "dashboard.load2000Clusters": {
        value: Math.round(full.median),
        unit: "ms",
        note:
          `loadDashboard from Azurite (in the same process), median of ${RUNS} (${full.times.map(Math.round).join(", ")} ms), ${Math.round(full.reads)} storage reads per load (whole-fleet queries); ` +
          `${QUARTER} clusters: ${Math.round(small.median)} ms; store seeded by the pipeline in ${seedSeconds.toFixed(0)} s`,
      },
      "dashboard.model2000Clusters": {
        value: Math.round(full.bytes / 1024),
        unit: "KB",
        note:
          `the model as JSON: ${(findings / full.model.clusters.length).toFixed(1)} findings listed per cluster (failing, erroring, suppressed); ` +
          `findings ${share((c) => c.findings)}% (evidence ${share((c) => c.findings.map((f) => f.evidence))}%), history ${share((c) => c.history)}%; the page embeds it compressed`,
      },
    };
  } finally {
    await store.close();
    await azurite.close();
  }
}

async function measure(store: TableStore): Promise<{ median: number; times: number[]; reads: number; bytes: number; model: DashboardModel }> {
  const times: number[] = [];
  let model: DashboardModel | undefined;
  const before = store.operations().reads;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    model = await loadDashboard(store);
    times.push(performance.now() - started);
  }
  return {
    median: [...times].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!,
    times,
    reads: (store.operations().reads - before) / RUNS,
    bytes: Buffer.byteLength(JSON.stringify(model)),
    model: model!,
  };
}

/** The sweep benchmark's fleet, with tags to filter by. */
function fleet(root: string): Json[] {
  const bases = baseClusters(root);
  const subscriptions = subscriptionIds(20);
  return Array.from({ length: CLUSTERS }, (_, i) => {
    const where = placement(i, subscriptions);
    const body = structuredClone(bases[i % bases.length]!) as Json;
    body.id = `/subscriptions/${where.subscriptionId}/resourceGroups/${where.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${where.name}`;
    body.name = where.name;
    body.location = where.location;
    body.tags = { ...(body.tags ?? {}), env: ["prod", "stg", "dev"][i % 3]!, team: ["payments", "web", "data", "platform"][i % 4]! };
    return body;
  });
}

/** Evaluated two days ago; a tenth with a snoozed failure; a quarter changed yesterday by someone (local accounts switched). */
async function seed(store: TableStore, bodies: readonly Json[]): Promise<void> {
  const now = Date.now();
  const evaluate = async (body: Json, trigger: Trigger, at: number) => {
    const [snapshot] = await snapshotsFromDocument(body, "bench", new Date(at));
    if (!snapshot) throw new Error(`no snapshot of ${String(body.name)}`);
    return { ref: snapshot.ref, ...(await monitorCluster(snapshot, trigger, store, SETTINGS, new Date(at))) };
  };
  const index = (body: Json) => Number(String(body.name).slice("aks-".length));
  await mapBounded(bodies, 16, async (body) => {
    const result = await evaluate(body, { kind: "sweep", id: "sweep-1" }, now - 2 * DAY);
    const failing = result.evaluation.findings.find((f) => f.status === "fail");
    if (failing && index(body) % 10 === 0) {
      await store.setSuppression(result.ref, {
        check: failing.check,
        until: new Date(now + 30 * DAY).toISOString(),
        by: "bob@contoso.com",
        reason: "accepted until the platform migration",
        createdAt: new Date(now - DAY).toISOString(),
      });
    }
  });
  await mapBounded(
    bodies.filter((body) => index(body) % 4 === 0),
    16,
    async (body) => {
      const changed = structuredClone(body);
      changed.properties.disableLocalAccounts = changed.properties.disableLocalAccounts !== true;
      const at = now - DAY;
      await evaluate(changed, { kind: "event", id: `evt-${String(body.name)}`, actor: { name: "alice@contoso.com", at: new Date(at).toISOString() } }, at);
    },
  );
}

/** 30 nightly points. */
async function postureHistory(store: TableStore): Promise<void> {
  const now = Date.now();
  for (let day = 30; day >= 1; day--) {
    await store.recordFleetPosture({
      at: new Date(now - day * DAY).toISOString(),
      clusters: CLUSTERS,
      failingClusters: 1_200 - day * 10,
      counts: { pass: 80_000, fail: 30_000, error: 2_000, exempt: 100 },
    });
  }
}

if (process.argv[1] === import.meta.filename) {
  process.stdout.write(`${JSON.stringify(await benchDashboardLoad(), null, 2)}\n`);
}
