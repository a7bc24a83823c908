/**
 * Undelivered and dead alerts made visible (issue 10, item 4): `aksmon outbox [--json]` and
 * `aksmon outbox --redrive` through the command line's own program (buildProgram), on this file's own
 * Azurite (STORAGE_CONNECTION_STRING, default table names); and the digest's "Delayed or dead alerts"
 * section, built where the Functions sweep enqueues its digest and validated as an Adaptive Card 1.4.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertMessage } from "../shared/alerts/cards/index.js";
import { MAX_MESSAGE_BYTES, messageBytes } from "../shared/alerts/cards/size.js";
import type { CommandResult } from "../shared/cli/check.js";
import { buildProgram } from "../shared/cli/main.js";
import type { ClusterAlert, DigestAlert, LifecycleAlert } from "../shared/model/alerts.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { digestDeliveryOf } from "../shared/monitor/digest.js";
import { recordPoisonMessage } from "../shared/sweep/sweep.js";
import { outboxEntryFor, TableStore } from "../shared/store/tableStore.js";
import type { OutboxEntry } from "../shared/store/types.js";
import { adaptiveCardValidator } from "./support/adaptiveCardSchema.js";
import { startAzurite } from "./support/azurite.js";
import { SUBSCRIPTIONS } from "./support/liveReads.js";
import { cardTexts } from "./support/pipeline.js";
import { settingsSchema } from "../shared/config/settings.js";

const SUB = SUBSCRIPTIONS[0];
const MINUTE = 60_000;

let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;
const saved: Record<string, string | undefined> = {};
const SETTINGS = [...Object.keys(settingsSchema.shape), "AzureWebJobsStorage"];

beforeAll(async () => {
  azurite = await startAzurite();
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
  for (const name of SETTINGS) saved[name] = process.env[name];
});
afterAll(async () => {
  await store?.close();
  await azurite?.close();
});
beforeEach(async () => {
  for (const name of SETTINGS) delete process.env[name];
  process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
  await emptyOutbox();
});
afterEach(() => {
  for (const name of SETTINGS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

/** The outbox has no delete of its own: dead ones re-queued, then every pending one marked sent. */
async function emptyOutbox(): Promise<void> {
  await store.redriveDead(new Date().toISOString());
  for (const entry of await store.listOutbox("pending")) await store.markSent(entry, new Date().toISOString());
}

async function aksmon(...args: string[]): Promise<CommandResult> {
  const results: CommandResult[] = [];
  await buildProgram((result) => results.push(result)).parseAsync(args, { from: "user" });
  expect(results).toHaveLength(1);
  return results[0]!;
}

function refOf(name: string, resourceGroup = "rg-outbox"): ClusterRef {
  return { id: `/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId: SUB, resourceGroup, name };
}

function driftAlert(alertId: string, cluster: ClusterRef, at: string): ClusterAlert {
  return {
    kind: "drift",
    alertId,
    cluster,
    evaluatedAt: at,
    trigger: { kind: "sweep", id: "sweep-outbox" },
    failures: [
      {
        check: "local-accounts-disabled",
        kind: "newFailure",
        severity: "high",
        title: "Local accounts are disabled",
        from: "pass",
        to: "fail",
        message: "Local accounts are enabled",
        evidence: [{ path: "properties.disableLocalAccounts", value: false, expected: "true" }],
        changes: [],
        flaps: 1,
      },
    ],
    resolved: [],
    stillFailing: 0,
  };
}

function lifecycleAlert(alertId: string, cluster: ClusterRef, at: string): LifecycleAlert {
  return { kind: "supportEnding", alertId, cluster, at, details: { version: "1.29" } };
}

/** An alert that has failed `attempts` times with `error`, next due at `next`. */
async function failing(alert: ClusterAlert | LifecycleAlert, writtenAt: string, attempts: number, error: string, next: string): Promise<OutboxEntry> {
  await store.enqueue(outboxEntryFor(alert, { now: writtenAt }));
  let entry = (await store.listOutbox("pending")).find((candidate) => candidate.alertId === alert.alertId)!;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const claimed = (await store.claim(entry, 1, new Date(Date.parse(writtenAt) + attempt).toISOString()))!;
    entry = (await store.markRetry(claimed, { nextAttemptAt: next, error }))!;
  }
  return entry;
}

async function dead(alert: ClusterAlert | LifecycleAlert, writtenAt: string, error: string): Promise<void> {
  const entry = await failing(alert, writtenAt, 1, "HTTP 503 from teams", writtenAt);
  const claimed = (await store.claim(entry, 1, new Date(Date.parse(writtenAt) + MINUTE).toISOString()))!;
  await store.markDead(claimed, error);
}

describe("aksmon outbox", () => {
  it("says the outbox is empty when every alert was delivered (sent ones are not listed)", async () => {
    const now = new Date().toISOString();
    await store.enqueue(outboxEntryFor(driftAlert("outbox-sent", refOf("aks-sent"), now), { now }));
    const [entry] = await store.listOutbox("pending");
    await store.markSent(entry!, now);
    expect(await aksmon("outbox")).toEqual({ exitCode: 0, stdout: "the outbox is empty: every alert was delivered\n", stderr: [] });
    expect(JSON.parse((await aksmon("outbox", "--json")).stdout)).toEqual({ pending: 0, dead: 0, alerts: [] });
  });

  it("lists each pending and dead alert: state, kind, cluster, attempts, age, next attempt and last error; --json has the same", async () => {
    const now = Date.now();
    const threeHoursAgo = new Date(now - 3 * 60 * MINUTE - 5 * MINUTE).toISOString();
    const inTenMinutes = new Date(now + 10 * MINUTE + 30_000).toISOString();
    await failing(driftAlert("outbox-pending", refOf("aks-payments"), threeHoursAgo), threeHoursAgo, 12, "HTTP 503 from 127.0.0.1:443: Service Unavailable", inTenMinutes);
    await dead(lifecycleAlert("outbox-dead", refOf("aks-legacy", "rg-old"), new Date(now - 50 * 60 * MINUTE).toISOString()), new Date(now - 50 * 60 * MINUTE).toISOString(), "undelivered after 48 h and 197 attempts: HTTP 503 from 127.0.0.1:443");

    const table = await aksmon("outbox");
    expect(table.exitCode).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATE\s+KIND\s+CLUSTER\s+ATTEMPTS\s+AGE\s+NEXT ATTEMPT$/);
    expect(lines[1]).toMatch(/^pending\s+drift\s+aks-payments \(rg-outbox\)\s+12\s+3 h 5 min\s+in 1[01] min$/);
    expect(lines[2]).toBe("  last error: HTTP 503 from 127.0.0.1:443: Service Unavailable");
    expect(lines[3]).toMatch(/^dead\s+supportEnding\s+aks-legacy \(rg-old\)\s+2\s+2 d 2 h\s+never \(dead\)$/);
    expect(lines[4]).toBe("  last error: undelivered after 48 h and 197 attempts: HTTP 503 from 127.0.0.1:443");
    expect(lines[5]).toBe("1 pending (oldest 3 h 5 min), 1 dead; re-queue the dead with `aksmon outbox --redrive`");

    const json = JSON.parse((await aksmon("outbox", "--json")).stdout);
    expect(json).toMatchObject({ pending: 1, dead: 1 });
    expect(json.alerts).toEqual([
      {
        alertId: "outbox-pending",
        state: "pending",
        kind: "drift",
        cluster: refOf("aks-payments").id,
        attempts: 12,
        createdAt: threeHoursAgo,
        ageMinutes: 185,
        nextAttemptAt: inTenMinutes,
        lastError: "HTTP 503 from 127.0.0.1:443: Service Unavailable",
      },
      expect.objectContaining({ alertId: "outbox-dead", state: "dead", kind: "supportEnding", cluster: refOf("aks-legacy", "rg-old").id, attempts: 2, ageMinutes: 3000, lastError: expect.stringMatching(/^undelivered after 48 h/) }),
    ]);
    expect(json.alerts[1]).not.toHaveProperty("nextAttemptAt");
  });

  it("--redrive re-queues the dead ones (pending, attempts reset, due now, error kept), says how many, and is idempotent", async () => {
    const longAgo = new Date(Date.now() - 50 * 60 * MINUTE).toISOString();
    await dead(driftAlert("redrive-1", refOf("aks-r1"), longAgo), longAgo, "undelivered after 48 h and 197 attempts: HTTP 503");
    await dead(lifecycleAlert("redrive-2", refOf("aks-r2"), longAgo), longAgo, "HTTP 400 from teams: bad card");
    const before = Date.now();
    expect(await aksmon("outbox", "--redrive")).toEqual({ exitCode: 0, stdout: "re-queued 2 dead alert(s): pending again, due now; the next delivery round sends them\n", stderr: [] });
    expect(await store.listOutbox("dead")).toEqual([]);
    const pending = await store.listOutbox("pending");
    expect(pending.map((entry) => entry.alertId).sort()).toEqual(["redrive-1", "redrive-2"]);
    for (const entry of pending) {
      expect(entry).toMatchObject({ state: "pending", attempts: 0, createdAt: longAgo, lastError: expect.any(String) });
      expect(Date.parse(entry.nextAttemptAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(entry.redrivenAt).toBe(entry.nextAttemptAt);
    }
    // Due now: the next delivery round takes them.
    expect((await store.dueAlerts(new Date().toISOString(), 10)).map((entry) => entry.alertId).sort()).toEqual(["redrive-1", "redrive-2"]);
    expect(await aksmon("outbox", "--redrive")).toEqual({ exitCode: 0, stdout: "no dead alert to re-queue\n", stderr: [] });
    expect(JSON.parse((await aksmon("outbox", "--redrive", "--json")).stdout)).toEqual({ requeued: 0 });
    expect(await store.listOutbox("pending")).toHaveLength(2);
  });

  it("a redriven alert is claimed and sent even when a redrive cut short left its dead row behind (no silent drop)", async () => {
    const longAgo = new Date(Date.now() - 50 * 60 * MINUTE).toISOString();
    await dead(driftAlert("redrive-cut", refOf("aks-cut"), longAgo), longAgo, "HTTP 400");
    const [deadRow] = await store.listOutbox("dead");
    const now = new Date().toISOString();
    // The redrive's first write only: the pending row; the dead row stays (the process died in between).
    await store.enqueue({ ...deadRow!, state: "pending", attempts: 0, nextAttemptAt: now, redrivenAt: now });
    const [due] = await store.dueAlerts(now, 10);
    expect(await store.claim(due!, 60_000, now)).toMatchObject({ alertId: "redrive-cut", attempts: 1 });
  });
});

describe("the digest says what was delayed or dead", () => {
  const validate = adaptiveCardValidator("1.4");

  it("the sweep's digest carries the outbox as it was (pending, the oldest, the dead with their errors), rendered schema-valid, escaped and under the size limit", async () => {
    const now = Date.now();
    const twoHoursAgo = new Date(now - 2 * 60 * MINUTE).toISOString();
    await failing(driftAlert("digest-pending", refOf("aks-waiting"), twoHoursAgo), twoHoursAgo, 9, "HTTP 503", twoHoursAgo);
    const hostile = "HTTP 400 from teams: [click me](https://evil.example/x) <at>everyone</at> **bold** {{DATE(2020)}}";
    for (let i = 0; i < 25; i++) {
      const at = new Date(now - (60 + i) * 60 * MINUTE).toISOString();
      await dead(driftAlert(`digest-dead-${String(i).padStart(2, "0")}`, refOf(`aks-dead-[x](y)-${i}`), at), at, `${hostile} ${"x".repeat(400)}`);
    }

    // Where the Functions app enqueues its digest: the sweep's last cluster done (here one that failed every retry).
    const startedAt = new Date(now - 5 * MINUTE).toISOString();
    const sweep = { sweepId: "sweep-20250101T020000Z-0a1b2c3d", startedAt };
    await store.startSweep({ ...sweep, expected: 1 });
    const finished = await recordPoisonMessage({ ...sweep, ref: refOf("aks-poison") }, { store, now: () => new Date(now) });
    const digest = finished?.digest as DigestAlert;
    expect(digest.delivery).toMatchObject({ pending: 1, dead: 25, oldestPendingAt: twoHoursAgo });
    expect(digest.delivery!.deadAlerts).toHaveLength(10);
    expect(digest.delivery!.deadAlerts[0]).toMatchObject({ kind: "drift", cluster: refOf("aks-dead-[x](y)-24"), lastError: expect.stringMatching(/^HTTP 400 from teams/) });
    const queued = (await store.listOutbox("pending")).find((entry) => entry.alertId === digest.alertId);
    expect((queued?.alert as DigestAlert).delivery).toEqual(digest.delivery);

    for (const channel of ["webhook", "bot"] as const) {
      const message = alertMessage(digest, { channel });
      const card = message.attachments[0]!.content;
      expect(validate(card)).toBeUndefined();
      expect(messageBytes(message)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
      const text = cardTexts(card).join("\n");
      expect(text).toContain("Delayed or dead alerts");
      expect(text).toMatch(/1 alert not delivered yet, the oldest since .*: they are retried and will follow\./);
      expect(text).toContain("25 alerts given up on (dead): list them with aksmon outbox, re-queue them with aksmon outbox --redrive.");
      expect(text).toMatch(/Drift on aks-dead-\[x\]\(y\)-24 \(rg-outbox\).*: HTTP 400 from teams: \[click me\]/);
      expect(text).toMatch(/\+\d+ more dead alerts/);
      const raw = JSON.stringify(card);
      expect(raw).not.toContain("](https://");
      expect(raw).not.toContain("<at>");
      expect(raw).not.toContain("{{DATE");
    }
  });

  it("no section when nothing was undelivered or dead; the outbox is read with two light queries then", async () => {
    const before = store.operations().reads;
    expect(await digestDeliveryOf(store)).toBeUndefined();
    expect(store.operations().reads - before).toBe(2);
    const startedAt = new Date().toISOString();
    const sweep = { sweepId: "sweep-20250102T020000Z-0a1b2c3e", startedAt };
    await store.startSweep({ ...sweep, expected: 1 });
    const finished = await recordPoisonMessage({ ...sweep, ref: refOf("aks-poison-2") }, { store, now: () => new Date() });
    expect(finished?.digest).toBeDefined();
    expect(finished!.digest).not.toHaveProperty("delivery");
    expect(cardTexts(alertMessage(finished!.digest!, { channel: "webhook" }).attachments[0]!.content).join("\n")).not.toContain("Delayed or dead");
  });
});
