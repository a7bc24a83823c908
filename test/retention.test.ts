/**
 * Retention in the app: the daily `retention` timer, through its registered handler with the library's
 * InvocationContext, against Azurite: evaluations, processed events, sent and dead alerts older than
 * RETENTION_DAYS go, audit rows older than AUDIT_RETENTION_DAYS go, pending alerts and recent rows stay.
 */
import { InvocationContext } from "@azure/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retentionHandler } from "../functions/retention.js";
import { resetApiRuntime } from "../shared/api/instance.js";
import type { ClusterAlert } from "../shared/model/alerts.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { outboxEntryFor, TableStore } from "../shared/store/tableStore.js";
import { startAzurite } from "./support/azurite.js";

const SUB = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const NOW = new Date("2026-12-01T03:30:00.000Z");
const OLD = "2026-09-01T00:00:00.000Z"; // 91 days before NOW: past RETENTION_DAYS=30, within AUDIT_RETENTION_DAYS=400
const ANCIENT = "2025-09-01T00:00:00.000Z"; // past both
const RECENT = "2026-11-30T00:00:00.000Z";
const ref: ClusterRef = { id: `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1`, subscriptionId: SUB, resourceGroup: "rg", name: "aks-1" };
const summary = { pass: 1, fail: 0, error: 0, notApplicable: 0, exempt: 0 };
const saved: Record<string, string | undefined> = {};
const ENV = ["STORAGE_CONNECTION_STRING", "AzureWebJobsStorage", "RETENTION_DAYS", "AUDIT_RETENTION_DAYS", "MONITOR_SUBSCRIPTIONS"] as const;

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let store: TableStore;

function alert(id: string, at: string): ClusterAlert {
  return { kind: "drift", alertId: id, cluster: ref, evaluatedAt: at, trigger: { kind: "sweep" }, failures: [], resolved: [], stillFailing: 0 };
}

async function outboxIn(state: "pending" | "sent" | "dead", id: string, at: string): Promise<void> {
  await store.enqueue(outboxEntryFor(alert(id, at), { now: at }));
  if (state === "pending") return;
  const [entry] = (await store.listOutbox("pending")).filter((e) => e.alertId === id);
  const held = (await store.claim(entry!, 1_000, at))!;
  if (state === "sent") await store.markSent(held, at);
  else await store.markDead(held, "400 Bad Request");
}

beforeAll(async () => {
  azurite = await startAzurite();
  for (const name of ENV) saved[name] = process.env[name];
  delete process.env.AzureWebJobsStorage;
  Object.assign(process.env, { STORAGE_CONNECTION_STRING: azurite.connectionString, RETENTION_DAYS: "30", AUDIT_RETENTION_DAYS: "400", MONITOR_SUBSCRIPTIONS: SUB });
  resetApiRuntime();
  // The app's own store (default table names), reached here through the same connection string.
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
});

afterAll(async () => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetApiRuntime();
  await azurite.close();
});

describe("the retention timer", () => {
  it("purges what is past its retention, keeps pending alerts and recent rows, and says what it deleted", async () => {
    for (const at of [OLD, RECENT]) await store.recordEvaluation(ref, { at, trigger: "sweep", summary, durationMs: 1, transitions: 0 });
    await store.recordEvent({ id: "old-event", type: "t", time: OLD, clusterKey: ref.id.toLowerCase() }, OLD);
    await store.recordEvent({ id: "new-event", type: "t", time: RECENT, clusterKey: ref.id.toLowerCase() }, RECENT);
    await outboxIn("sent", "old-sent", OLD);
    await outboxIn("sent", "new-sent", RECENT);
    await outboxIn("dead", "old-dead", OLD);
    await outboxIn("dead", "new-dead", RECENT);
    await outboxIn("pending", "old-pending", OLD);
    for (const at of [ANCIENT, OLD, RECENT]) await store.recordAudit({ at, action: "recheck", cluster: ref, actor: "ops@contoso.com", via: "http" });

    const lines: string[] = [];
    const context = new InvocationContext({ functionName: "retention", invocationId: "00000000-0000-4000-8000-00000000e701", logHandler: (_level, ...args) => lines.push(args.map(String).join(" ")) });
    const deleted = await retentionHandler({}, context, NOW);

    expect(deleted).toEqual({ evaluations: 1, events: 1, sent: 1, dead: 1, audit: 1 });
    expect((await store.listEvaluations(ref)).map((e) => e.at)).toEqual([RECENT]);
    expect((await store.listOutbox("sent")).map((e) => e.alertId)).toEqual(["new-sent"]);
    expect((await store.listOutbox("dead")).map((e) => e.alertId)).toEqual(["new-dead"]);
    // An alert not delivered yet is never purged, however old.
    expect((await store.listOutbox("pending")).map((e) => e.alertId)).toEqual(["old-pending"]);
    // Audit rows have their own, longer retention: the 91-day-old one stays.
    expect((await store.listAudit({ cluster: ref })).map((row) => row.at)).toEqual([RECENT, OLD]);
    expect(lines.join("\n")).toMatch(/retention: deleted 1 evaluation\(s\), 1 event\(s\), 1 sent and 1 dead alert\(s\) older than 30 days, 1 audit row\(s\) older than 400 days/);

    // A second run finds nothing more.
    expect(await retentionHandler({}, context, NOW)).toEqual({ evaluations: 0, events: 0, sent: 0, dead: 0, audit: 0 });
  });
});
