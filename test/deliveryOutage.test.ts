/**
 * Delivery by time, not by count (issue 10, "Lost alerts"): Teams down for hours while alerts keep coming,
 * with the product's default delivery options (backoff 2 s .. 15 min, ALERT_MAX_AGE_HOURS 48), one delivery
 * round a simulated minute as the alertDelivery timer runs. Real Azurite, the real receiver over HTTPS, the
 * real pipeline; only the clock is virtual.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultDeliveryOptions, deliverDue, type DeliveryOptions } from "../shared/alerts/delivery.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import { StoreError } from "../shared/store/storageError.js";
import { TableStore } from "../shared/store/tableStore.js";
import type { OutboxEntry } from "../shared/store/types.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, NOW, snapshotOf, type Json } from "./support/clusters.js";
import { cardCluster, instantPacer, intercept, renamed, VirtualClock, webhookChannel } from "./support/pipeline.js";
import { startTeamsReceiver, type ReceivedCard, type TeamsReceiver } from "./support/teamsReceiver.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

let azurite: { connectionString: string; close(): Promise<void> };
let receiver: TeamsReceiver;

beforeAll(async () => {
  [azurite, receiver] = await Promise.all([startAzurite(), startTeamsReceiver()]);
});
afterAll(async () => {
  await Promise.all([azurite?.close(), receiver?.close()]);
});
beforeEach(() => {
  receiver.reset();
  receiver.up();
});

async function newStore(name: string): Promise<TableStore> {
  const store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix(name) });
  await store.ensureTables();
  return store;
}

function drifted(): Json {
  return clusterWith((c) => {
    c.properties.disableLocalAccounts = false;
  });
}

/** What the alertDelivery timer uses (shared/api/delivery.ts), with a pacer that does not sleep and the virtual clock. */
function timerOptions(clock: VirtualClock, extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return { ...defaultDeliveryOptions, pacer: instantPacer(), now: clock.now, ...extra };
}

async function alertFor(store: TableStore, clock: VirtualClock, name: string): Promise<string> {
  const result = await monitorCluster(await snapshotOf(renamed(drifted(), name)), { kind: "sweep", id: `sweep-${name}` }, store, MONITOR, clock.now());
  expect(result.alert).toBeDefined();
  return result.alert!.alertId;
}

function cardsPerCluster(cards: readonly ReceivedCard[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const card of cards) {
    const name = cardCluster(card.card) ?? "?";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const once = (names: readonly string[]) => Object.fromEntries(names.map((name) => [name, 1]));

describe("Teams down for hours: alerts wait, then every one is delivered once", () => {
  it("with the defaults, an alert that has met 503s for 30 minutes (the old code gave up after ~18) is still pending and is delivered when Teams returns", async () => {
    const store = await newStore("outage30");
    const clock = new VirtualClock(NOW.getTime());
    const channel = webhookChannel(receiver.url, 300);
    await alertFor(store, clock, "aks-outage-30");
    receiver.down();
    const options = timerOptions(clock);
    for (let minute = 0; minute < 30; minute++) {
      const round = await deliverDue(store, channel, options);
      expect(round.dead).toBe(0);
      clock.advance(MINUTE);
    }
    expect(await store.listOutbox("dead")).toEqual([]);
    const [waiting] = await store.listOutbox("pending");
    expect(waiting).toMatchObject({ attempts: expect.any(Number), lastError: expect.stringMatching(/^HTTP 503 from 127\.0\.0\.1:\d+/) });
    // 2 s, 4 s, ... doubling up to the 15 min cap: 10 attempts or so in 30 minutes.
    expect(waiting!.attempts).toBeGreaterThanOrEqual(9);
    receiver.up();
    for (let minute = 0; minute < 16 && (await store.listOutbox("pending")).length > 0; minute++) {
      await deliverDue(store, channel, options);
      clock.advance(MINUTE);
    }
    expect(cardsPerCluster(receiver.received)).toEqual(once(["aks-outage-30"]));
    expect(await store.listOutbox("sent")).toHaveLength(1);
  });

  it("6 simulated hours down while 12 alerts are produced, then up: every alert's card arrives exactly once, nothing dead", async () => {
    const store = await newStore("outage6h");
    const clock = new VirtualClock(NOW.getTime());
    const channel = webhookChannel(receiver.url, 300);
    const options = timerOptions(clock);
    const names: string[] = [];
    receiver.down();
    for (let minute = 0; minute < 6 * 60; minute++) {
      if (minute % 30 === 0) {
        const name = `aks-6h-${names.length}`;
        names.push(name);
        await alertFor(store, clock, name);
      }
      const round = await deliverDue(store, channel, options);
      expect(round.sent + round.dead).toBe(0);
      clock.advance(MINUTE);
    }
    expect(names).toHaveLength(12);
    const waiting = await store.listOutbox("pending");
    expect(waiting).toHaveLength(12);
    expect(await store.listOutbox("dead")).toEqual([]);
    const downAttempts = receiver.attempts.filter((attempt) => attempt.outcome === "down").length;
    expect(downAttempts).toBeGreaterThan(12 * 9);

    receiver.up();
    // At most one backoff cap (15 min) until every alert is due again.
    let minutes = 0;
    while ((await store.listOutbox("pending")).length > 0) {
      expect(minutes++).toBeLessThanOrEqual(16);
      await deliverDue(store, channel, options);
      clock.advance(MINUTE);
    }
    expect(receiver.received).toHaveLength(12);
    expect(cardsPerCluster(receiver.received)).toEqual(once(names));
    expect(await store.listOutbox("dead")).toEqual([]);
    const sent = await store.listOutbox("sent");
    expect(sent.map((entry) => entry.alertId).sort()).toEqual(waiting.map((entry) => entry.alertId).sort());
    // Every POST is one attempt of the outbox: the down ones and the one that got through.
    expect(sent.reduce((total, entry) => total + entry.attempts, 0)).toBe(receiver.attempts.length);
  });

  it("an alert is dead only once it is ALERT_MAX_AGE_HOURS old (48 by default), with its age, attempts and last error; a redrive sends it once", async () => {
    const store = await newStore("maxage");
    const clock = new VirtualClock(NOW.getTime());
    const channel = webhookChannel(receiver.url, 300);
    const options = timerOptions(clock);
    const alertId = await alertFor(store, clock, "aks-max-age");
    receiver.down();
    let diedAt: number | undefined;
    for (let step = 0; step < 50 * 4 && diedAt === undefined; step++) {
      const round = await deliverDue(store, channel, options);
      if (round.dead > 0) diedAt = clock.at;
      clock.advance(15 * MINUTE);
    }
    expect(diedAt).toBeDefined();
    expect(diedAt! - NOW.getTime()).toBeGreaterThanOrEqual(48 * HOUR);
    expect(diedAt! - NOW.getTime()).toBeLessThan(48 * HOUR + 16 * MINUTE);
    const [dead] = await store.listOutbox("dead");
    expect(dead).toMatchObject({ alertId, lastError: expect.stringMatching(/^undelivered after 48 h and \d+ attempts: HTTP 503 from 127\.0\.0\.1:\d+/) });
    expect(dead!.attempts).toBeGreaterThan(190);

    // Re-queued: pending again, attempts reset, due now, its 48 h start again; Teams is back.
    receiver.up();
    expect(await store.redriveDead(clock.iso())).toBe(1);
    expect(await store.redriveDead(clock.iso())).toBe(0);
    const [again] = await store.listOutbox("pending");
    expect(again).toMatchObject({ alertId, attempts: 0, nextAttemptAt: clock.iso(), redrivenAt: clock.iso(), createdAt: dead!.createdAt });
    expect(await deliverDue(store, channel, options)).toMatchObject({ sent: 1, dead: 0 });
    expect(cardsPerCluster(receiver.received)).toEqual(once(["aks-max-age"]));
    expect(await store.listOutbox("dead")).toEqual([]);
  });

  it("a redriven alert that fails again is retried for a new ALERT_MAX_AGE_HOURS, not killed by its old age", async () => {
    const store = await newStore("redrive-age");
    const clock = new VirtualClock(NOW.getTime());
    const channel = webhookChannel(receiver.url, 300);
    await alertFor(store, clock, "aks-redrive-age");
    receiver.down();
    const options = timerOptions(clock, { maxAgeMs: HOUR });
    clock.advance(2 * HOUR);
    expect(await deliverDue(store, channel, options)).toMatchObject({ dead: 1 });
    expect(await store.redriveDead(clock.iso())).toBe(1);
    expect(await deliverDue(store, channel, options)).toMatchObject({ retried: 1, dead: 0 });
    expect(await store.listOutbox("dead")).toEqual([]);
  });
});

describe("at least once: a card Teams accepted whose markSent failed is sent again", () => {
  it("one failed markSent in 12 deliveries repeats exactly that card once (the measured repeat rate of this fault)", async () => {
    const store = await newStore("repeat");
    const clock = new VirtualClock(NOW.getTime());
    const channel = webhookChannel(receiver.url, 300);
    const names = Array.from({ length: 12 }, (_, i) => `aks-repeat-${i}`);
    for (const name of names) await alertFor(store, clock, name);
    let failures = 0;
    let failedCluster: string | undefined;
    const flaky = intercept(store, {
      markSent: async (original, entry: OutboxEntry, now: string) => {
        // The 5th card: Teams has accepted it, then the write that records it fails.
        if (receiver.received.length === 5 && failures === 0) {
          failures++;
          failedCluster = cardCluster(receiver.received[4]!.card);
          throw new StoreError("insert into outbox", { statusCode: 503, message: "Server busy" });
        }
        return original(entry, now);
      },
    });
    const options = timerOptions(clock);
    const errors: unknown[] = [];
    for (let round = 0; round < 5 && (await store.listOutbox("pending")).length > 0; round++) {
      await deliverDue(flaky, channel, options).catch((error: unknown) => errors.push(error));
      clock.advance(MINUTE); // past the 60 s lease of the card whose markSent failed
    }
    expect(failures).toBe(1);
    expect(errors).toHaveLength(1);
    expect(await store.listOutbox("pending")).toEqual([]);
    const perCluster = cardsPerCluster(receiver.received);
    const repeated = Object.entries(perCluster).filter(([, count]) => count > 1);
    expect(failedCluster).toMatch(/^aks-repeat-\d+$/);
    expect(repeated).toEqual([[failedCluster, 2]]);
    expect(receiver.received).toHaveLength(13);
    expect(await store.listOutbox("sent")).toHaveLength(12);
  });
});
