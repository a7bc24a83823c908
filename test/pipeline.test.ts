/**
 * The alerting pipeline end to end: `monitorCluster` (evaluate, diff with the stored findings, save,
 * outbox) and `deliverDue` (claims, merging, pacing, retries, dead letters) against REAL Azurite
 * (in-process, test/support/azurite.ts) and the REAL local Teams Workflows receiver over HTTPS
 * (test/support/teamsReceiver.ts), which validates every card against the Adaptive Card 1.4 schema.
 * Then `aksmon sweep --fleet` as a process.
 *
 * Each test has its own table prefix. Time is virtual (`VirtualClock`) where the pipeline takes a clock,
 * so cooldowns, backoffs and Retry-After are proven without waiting for them; the HTTP and storage
 * traffic is real.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { deliverDue, type DeliveryOptions, type DeliveryReport } from "../shared/alerts/delivery.js";
import { catalogue } from "../shared/baseline/catalogue.js";
import { defaultProfile, resolveProfile } from "../shared/baseline/profile.js";
import type { SnapshotExtras } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorResult, type MonitorSettings } from "../shared/monitor/pipeline.js";
import type { Actor, Transition, Trigger } from "../shared/model/alerts.js";
import { TEAMS_WEBHOOK_WINDOWS } from "../shared/alerts/pacer.js";
import { StoreError } from "../shared/store/storageError.js";
import { TableStore } from "../shared/store/tableStore.js";
import type { OutboxEntry } from "../shared/store/types.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import { clusterWith, compliantCluster, NOW, snapshotOf, type Json, type RestExtras } from "./support/clusters.js";
import {
  Barrier,
  cardCluster,
  cardTexts,
  instantPacer,
  intercept,
  renamed,
  VirtualClock,
  webhookChannel,
} from "./support/pipeline.js";
import { startTeamsReceiver, type ReceivedCard, type TeamsReceiver } from "./support/teamsReceiver.js";
import { runAksmon } from "./support/aksmonProcess.js";

const ROOT = join(import.meta.dirname, "..");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const LOCAL_ACCOUNTS = "local-accounts-disabled";
const AUTHORIZED_RANGES = "api-authorized-ip-ranges";
/** Every check of the catalogue, the opt-in ones too (the default profile leaves 2 of the 62 out). */
const ALL_CHECKS = resolveProfile({ checks: Object.fromEntries(catalogue.map((check) => [check.id, true])) }, "all");
const EXTERNAL_CHECKS = catalogue.filter((check) => check.data === "external").map((check) => check.id);

let azurite: { connectionString: string; close(): Promise<void> };
let receiver: TeamsReceiver;

beforeAll(async () => {
  [azurite, receiver] = await Promise.all([startAzurite(), startTeamsReceiver()]);
});
afterAll(async () => {
  await Promise.all([azurite?.close(), receiver?.close()]);
});
beforeEach(() => receiver.reset());

// ---------------------------------------------------------------------------------------------------
// Helpers

async function newStore(name: string, prefix = tablePrefix(name)): Promise<TableStore> {
  const store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: prefix });
  await store.ensureTables();
  return store;
}

function monitorSettings(extra: Partial<MonitorSettings> = {}): MonitorSettings {
  return { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3, ...extra };
}

function deliveryOptions(clock: VirtualClock, extra: Partial<DeliveryOptions> = {}): DeliveryOptions {
  return {
    pacer: instantPacer(),
    leaseMs: 30_000,
    backoff: { baseMs: 100, maxMs: 400 },
    batch: 50,
    now: clock.now,
    ...extra,
  };
}

/** Local accounts back on and the API server public with no authorized ranges: two high failures. */
function drifted(): Json {
  return clusterWith((c) => {
    c.properties.disableLocalAccounts = false;
    c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
  });
}

const SWEEP: Trigger = { kind: "sweep", id: "sweep-1" };
const kindsOf = (result: MonitorResult) =>
  result.transitions
    .filter((t) => t.kind === "newFailure" || t.kind === "regressed" || t.kind === "resolved")
    .map((t) => `${t.kind}${t.quiet ? `(${t.quiet.reason})` : ""}:${t.check}`)
    .sort();
const transitionOf = (result: MonitorResult, check: string): Transition => result.transitions.find((t) => t.check === check)!;
const byCluster = (cards: readonly ReceivedCard[]) => {
  const counts: Record<string, number> = {};
  for (const card of cards) {
    const name = cardCluster(card.card) ?? "?";
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
};

/** Delivery rounds, advancing the clock between them, until nothing is pending (or the rounds run out). */
async function drain(store: TableStore, clock: VirtualClock, options: DeliveryOptions, stepMs: number, rounds = 30): Promise<DeliveryReport[]> {
  const reports: DeliveryReport[] = [];
  for (let round = 0; round < rounds; round++) {
    reports.push(await deliverDue(store, webhookChannel(receiver.url, 300), options));
    if ((await store.listOutbox("pending")).length === 0) return reports;
    clock.advance(stepMs);
  }
  throw new Error(`still pending after ${rounds} rounds`);
}

// ---------------------------------------------------------------------------------------------------

describe("one card per real change", () => {
  it("evaluating the same cluster twice sends nothing the second time", async () => {
    const store = await newStore("twice");
    const clock = new VirtualClock(NOW.getTime());
    const channel = webhookChannel(receiver.url);

    const first = await monitorCluster(await snapshotOf(drifted()), SWEEP, store, monitorSettings(), clock.now());
    expect(first.conflicts).toBe(0);
    expect(first.alert?.failures.map((t) => t.check)).toEqual(expect.arrayContaining([LOCAL_ACCOUNTS, AUTHORIZED_RANGES]));
    expect(await deliverDue(store, channel, deliveryOptions(clock))).toEqual({ sent: 1, retried: 0, dead: 0, merged: 0 });

    clock.advance(HOUR);
    // A fresh read of the same cluster (a new snapshot object, another sweep).
    const second = await monitorCluster(await snapshotOf(drifted()), { kind: "sweep", id: "sweep-2" }, store, monitorSettings(), clock.now());
    expect(second.alert).toBeUndefined();
    expect(kindsOf(second)).toEqual([]);
    expect(transitionOf(second, LOCAL_ACCOUNTS).kind).toBe("stillFailing");
    expect(await deliverDue(store, channel, deliveryOptions(clock))).toEqual({ sent: 0, retried: 0, dead: 0, merged: 0 });

    expect(receiver.received).toHaveLength(1);
    expect(receiver.attempts).toHaveLength(1);
    expect(cardCluster(receiver.received[0]!.card)).toBe("aks-test");
    expect(await store.listOutbox("pending")).toEqual([]);
    expect((await store.listOutbox("sent")).map((entry) => entry.alertId)).toEqual([first.alert!.alertId]);
    const evaluations = await store.listEvaluations(first.evaluation);
    expect(evaluations.map((e) => [e.triggerId, e.alertId])).toEqual([
      ["sweep-2", undefined],
      ["sweep-1", first.alert!.alertId],
    ]);
  });

  it("a changed cluster's card names the changed settings, before and after, who changed it and the fix; fixing it gives one short resolved card", async () => {
    const store = await newStore("changed");
    const clock = new VirtualClock(NOW.getTime());
    const options = deliveryOptions(clock);
    const channel = webhookChannel(receiver.url);

    const baseline = await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, store, monitorSettings(), clock.now());
    expect(baseline.alert).toBeUndefined();
    expect(baseline.evaluation.summary.fail).toBe(0);

    clock.advance(5 * MINUTE);
    const actor: Actor = {
      name: "alice@contoso.com",
      at: new Date(clock.at - 20_000).toISOString(),
      operation: "Microsoft.ContainerService/managedClusters/write",
    };
    const change = await monitorCluster(await snapshotOf(drifted()), { kind: "event", id: "event-1", actor }, store, monitorSettings(), clock.now());
    expect(transitionOf(change, LOCAL_ACCOUNTS)).toMatchObject({
      kind: "newFailure",
      from: "pass",
      to: "fail",
      changes: [{ path: "properties.disableLocalAccounts", before: true, after: false }],
    });
    expect(change.alert?.failures.map((t) => t.check)).toEqual([LOCAL_ACCOUNTS, AUTHORIZED_RANGES, "private-cluster"]);
    expect(change.alert?.trigger.actor).toEqual(actor);
    expect(await deliverDue(store, channel, options)).toMatchObject({ sent: 1, dead: 0 });

    expect(receiver.received).toHaveLength(1);
    const card = receiver.received[0]!.card;
    expect(receiver.validateCard(card)).toBeUndefined();
    const texts = cardTexts(card);
    const all = texts.join("\n");
    expect(texts[0]).toBe("aks-test drifted: 3 new failures");
    expect(texts).toContain("Evaluated 2026-11-26 12:05 UTC after a change event");
    expect(texts).toContain("disableLocalAccounts: true → false");
    expect(texts).toContain("apiServerAccessProfile.enablePrivateCluster: true → false");
    expect(all).toContain("Changed by alice@contoso.com at 12:04 UTC (ARM write Microsoft.ContainerService/managedClusters/write).");
    expect(texts).toContain("az aks update -g rg-test -n aks-test --disable-local-accounts");
    expect(all).toMatch(/High local-accounts-disabled: Local accounts are enabled/);
    expect(all).toMatch(/api-authorized-ip-ranges/);
    expect(JSON.stringify(card)).toContain("https://portal.azure.com/#@/resource/subscriptions/");

    // Fixed ten minutes later: one short card that says what resolved, no fixes, no actor needed.
    clock.advance(10 * MINUTE);
    const fixed = await monitorCluster(await snapshotOf(compliantCluster()), { kind: "event", id: "event-2" }, store, monitorSettings(), clock.now());
    expect(fixed.alert?.failures).toEqual([]);
    expect(fixed.alert?.resolved.map((t) => t.check)).toEqual(expect.arrayContaining([LOCAL_ACCOUNTS, AUTHORIZED_RANGES]));
    expect(await deliverDue(store, channel, options)).toMatchObject({ sent: 1, dead: 0 });
    expect(receiver.received).toHaveLength(2);
    const resolvedCard = receiver.received[1]!;
    const resolvedTexts = cardTexts(resolvedCard.card);
    expect(resolvedTexts[0]).toBe(`aks-test: ${fixed.alert!.resolved.length} findings resolved`);
    expect(resolvedTexts.join("\n")).toContain("Resolved local-accounts-disabled");
    expect(resolvedTexts.join("\n")).toContain("disableLocalAccounts: false → true");
    expect(resolvedTexts.some((text) => text.startsWith("az aks"))).toBe(false);
    expect(resolvedCard.card.body[0].style).toBe("good");
    expect(resolvedCard.bytes).toBeLessThan(receiver.received[0]!.bytes);
  });
});

describe("delivery through the outbox", () => {
  it("Teams down for a while, then throttling, timeouts and a dropped connection: every alert is delivered exactly once", async () => {
    const store = await newStore("down");
    const clock = new VirtualClock(NOW.getTime());
    const names = Array.from({ length: 6 }, (_, i) => `aks-down-${i}`);
    for (const name of names) {
      const result = await monitorCluster(await snapshotOf(renamed(drifted(), name)), SWEEP, store, monitorSettings(), clock.now());
      expect(result.alert).toBeDefined();
    }
    const options = deliveryOptions(clock);
    const send = () => deliverDue(store, webhookChannel(receiver.url, 300), options);

    // Down: 503 without Retry-After, twice (backoff), then with Retry-After: 2.
    receiver.down();
    expect(await send()).toEqual({ sent: 0, retried: 6, dead: 0, merged: 0 });
    expect(await send()).toEqual({ sent: 0, retried: 0, dead: 0, merged: 0 }); // backing off: nothing due yet
    clock.advance(400);
    expect(await send()).toMatchObject({ retried: 6 });
    clock.advance(400);
    receiver.down({ retryAfterSeconds: 2 });
    expect(await send()).toMatchObject({ retried: 6 });
    const waiting = await store.listOutbox("pending");
    expect(waiting.map((entry) => entry.nextAttemptAt)).toEqual(names.map(() => new Date(clock.at + 2_000).toISOString()));
    expect(waiting.every((entry) => /^HTTP 503 from 127\.0\.0\.1:\d+/.test(entry.lastError ?? ""))).toBe(true);
    clock.advance(1_000);
    expect(await send()).toEqual({ sent: 0, retried: 0, dead: 0, merged: 0 }); // Retry-After honoured

    // Up again, but throttling (429 with Retry-After), one answer too slow for the sender, one dropped connection.
    clock.advance(1_000);
    receiver.up();
    receiver.script([{ status: 429, retryAfterSeconds: 1 }, { delayMs: 600 }, { hangUp: true }]);
    expect(await send()).toEqual({ sent: 3, retried: 3, dead: 0, merged: 0 });
    await drain(store, clock, options, 1_000);

    expect(receiver.received).toHaveLength(6);
    expect(byCluster(receiver.received)).toEqual(Object.fromEntries(names.map((name) => [name, 1])));
    // The slow answer came after the sender's 300 ms: recorded as abandoned once the receiver noticed, never received.
    await vi.waitFor(() => expect(receiver.attempts.filter((attempt) => attempt.outcome === "abandoned")).toHaveLength(1), { timeout: 2_000 });
    expect(receiver.attempts.filter((attempt) => attempt.outcome === "hungUp")).toHaveLength(1);
    expect(receiver.attempts.filter((attempt) => attempt.outcome === "down")).toHaveLength(18);
    expect(await store.listOutbox("pending")).toEqual([]);
    expect(await store.listOutbox("dead")).toEqual([]);
    const sent = await store.listOutbox("sent");
    expect(sent).toHaveLength(6);
    // Every POST the receiver saw is counted in the outbox: 3 down rounds + the rest.
    expect(sent.reduce((total, entry) => total + entry.attempts, 0)).toBe(receiver.attempts.length);
    expect(sent.map((entry) => entry.attempts).sort()).toEqual([4, 4, 4, 5, 5, 5]);
    expect(sent.filter((entry) => entry.attempts === 5).map((entry) => entry.lastError)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^HTTP 429 from/), expect.stringMatching(/^no answer from 127\.0\.0\.1:\d+ within 300 ms$/)]),
    );
  });

  it("a permanent rejection (400, 413, 404) goes to dead with its error kept and is never retried; a failing alert only once past its max age", async () => {
    const store = await newStore("dead");
    const clock = new VirtualClock(NOW.getTime());
    for (const name of ["aks-dead-0", "aks-dead-1", "aks-dead-2"]) {
      await monitorCluster(await snapshotOf(renamed(drifted(), name)), SWEEP, store, monitorSettings(), clock.now());
    }
    const options = deliveryOptions(clock, { maxAgeMs: 3 * HOUR });
    receiver.script([
      { status: 400, body: JSON.stringify({ error: { code: "InvalidAdaptiveCard", message: "bad card" } }) },
      { status: 413 },
      { status: 404 },
    ]);
    expect(await deliverDue(store, webhookChannel(receiver.url), options)).toEqual({ sent: 0, retried: 0, dead: 3, merged: 0 });
    const dead = await store.listOutbox("dead");
    expect(dead.map((entry) => entry.attempts)).toEqual([1, 1, 1]);
    expect(dead.map((entry) => entry.lastError?.replace(/127\.0\.0\.1:\d+/, "host")).sort()).toEqual([
      'HTTP 400 from host: {"error":{"code":"InvalidAdaptiveCard","message":"bad card"}}',
      'HTTP 404 from host: {"error":{"code":"Http404","message":"Scripted answer 404."}}',
      'HTTP 413 from host: {"error":{"code":"Http413","message":"Scripted answer 413."}}',
    ]);
    for (let round = 0; round < 3; round++) {
      clock.advance(HOUR);
      expect(await deliverDue(store, webhookChannel(receiver.url), options)).toEqual({ sent: 0, retried: 0, dead: 0, merged: 0 });
    }
    expect(receiver.attempts).toHaveLength(3);
    expect(await store.listOutbox("pending")).toEqual([]);

    // Persistently failing (503 every time): retried by time, not by count; dead once 3 h old (maxAgeMs), with its last error.
    await monitorCluster(await snapshotOf(renamed(drifted(), "aks-dead-3")), SWEEP, store, monitorSettings(), clock.now());
    receiver.down();
    const reports: DeliveryReport[] = [];
    for (let round = 0; round < 6; round++) {
      reports.push(await deliverDue(store, webhookChannel(receiver.url), options));
      clock.advance(HOUR);
    }
    expect(reports.map((r) => `${r.retried}/${r.dead}`)).toEqual(["1/0", "1/0", "1/0", "0/1", "0/0", "0/0"]);
    expect(receiver.attempts).toHaveLength(3 + 4);
    const gaveUp = (await store.listOutbox("dead")).find((entry) => entry.clusterKey?.endsWith("/aks-dead-3"));
    expect(gaveUp).toMatchObject({ attempts: 4, lastError: expect.stringMatching(/^undelivered after 3 h and 4 attempts: HTTP 503 from 127\.0\.0\.1:\d+/) });
    expect(await store.listOutbox("pending")).toEqual([]);
    expect(receiver.received).toEqual([]);
  });

  it("two senders draining the same outbox at once send each alert once", async () => {
    const prefix = tablePrefix("senders");
    const [storeA, storeB] = [await newStore("senders", prefix), await newStore("senders", prefix)];
    const clock = new VirtualClock(NOW.getTime());
    const names = Array.from({ length: 8 }, (_, i) => `aks-senders-${i}`);
    for (const name of names) await monitorCluster(await snapshotOf(renamed(drifted(), name)), SWEEP, storeA, monitorSettings(), clock.now());

    // Both read the same due list before either claims anything; some answers are slow, to interleave them.
    const barrier = new Barrier(2);
    const gated = (store: TableStore) =>
      intercept(store, { dueAlerts: async (original, now, limit) => {
        const due = await original(now, limit);
        await barrier.arrive();
        return due;
      } });
    receiver.script([{ delayMs: 30 }, {}, { delayMs: 20 }, {}, { delayMs: 10 }]);
    const [a, b] = await Promise.all([
      deliverDue(gated(storeA), webhookChannel(receiver.url), deliveryOptions(clock)),
      deliverDue(gated(storeB), webhookChannel(receiver.url), deliveryOptions(clock)),
    ]);
    expect(a.sent + b.sent).toBe(8);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);
    expect(receiver.attempts).toHaveLength(8);
    expect(byCluster(receiver.received)).toEqual(Object.fromEntries(names.map((name) => [name, 1])));
    const sent = await storeA.listOutbox("sent");
    expect(sent).toHaveLength(8);
    expect(sent.every((entry) => entry.attempts === 1)).toBe(true);
    expect(await storeB.listOutbox("pending")).toEqual([]);
  });

  it("a sender waiting for a pacer slot (a 429's Retry-After) holds no lease meanwhile, so another sender cannot make an alert go twice", async () => {
    const prefix = tablePrefix("lease");
    const [storeA, storeB] = [await newStore("lease", prefix), await newStore("lease", prefix)];
    const clock = new VirtualClock(NOW.getTime());
    const names = ["aks-lease-0", "aks-lease-1", "aks-lease-2"];
    for (const name of names) await monitorCluster(await snapshotOf(renamed(drifted(), name)), SWEEP, storeA, monitorSettings(), clock.now());

    // Sender A is told to wait 120 s (longer than its 30 s leases); while it waits, time passes and sender B drains.
    const fromB: DeliveryReport[] = [];
    const pacerA = instantPacer(TEAMS_WEBHOOK_WINDOWS, async (ms) => {
      clock.advance(ms);
      fromB.push(await deliverDue(storeB, webhookChannel(receiver.url), deliveryOptions(clock)));
    });
    receiver.script([{ status: 429, retryAfterSeconds: 120 }]);
    const fromA = await deliverDue(storeA, webhookChannel(receiver.url), deliveryOptions(clock, { pacer: pacerA, leaseMs: 30_000 }));

    expect(pacerA.slept()).toBeGreaterThanOrEqual(120_000);
    expect(byCluster(receiver.received)).toEqual(Object.fromEntries(names.map((name) => [name, 1])));
    expect(fromA.sent + fromB.reduce((total, report) => total + report.sent, 0)).toBe(3);
    expect(await storeA.listOutbox("pending")).toEqual([]);
    expect(await storeA.listOutbox("sent")).toHaveLength(3);
  });
});

describe("concurrency and storage failures", () => {
  it("five concurrent evaluations of one changed cluster from the same previous state: no lost update, one alert", async () => {
    const store = await newStore("concurrent");
    const clock = new VirtualClock(NOW.getTime());
    const settings = monitorSettings({ profile: ALL_CHECKS });
    await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, store, settings, clock.now());
    clock.advance(MINUTE);

    // All five have loaded and diffed the same state before the first commit goes out.
    const barrier = new Barrier(5);
    const gated = intercept(store, {
      commitEvaluation: async (original, ref, change) => {
        await barrier.arrive();
        return original(ref, change);
      },
    });
    const snapshot = await snapshotOf(drifted());
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => monitorCluster(snapshot, { kind: "event", id: `event-${i}` }, gated, settings, clock.now())),
    );

    const alerted = results.filter((result) => result.alert);
    expect(alerted).toHaveLength(1);
    expect(alerted[0]!.conflicts).toBe(0);
    const losers = results.filter((result) => !result.alert);
    expect(losers.every((result) => result.conflicts >= 1)).toBe(true);
    // A loser re-diffs against the winner's verdicts: for it nothing changed.
    for (const loser of losers) {
      expect(kindsOf(loser)).toEqual([]);
      expect(transitionOf(loser, LOCAL_ACCOUNTS).kind).toBe("stillFailing");
    }

    const state = await store.loadClusterState(snapshot.ref);
    expect(state.sequence).toBe(1 + 5);
    expect(state.pendingAlerts).toEqual([]);
    expect(state.findings.size).toBe(62);
    expect(catalogue).toHaveLength(62);
    const evaluation = alerted[0]!.evaluation;
    for (const finding of evaluation.findings) {
      const record = state.findings.get(finding.check)!;
      expect(record.lastStatus, finding.check).toBe(finding.status);
    }
    const local = state.findings.get(LOCAL_ACCOUNTS)!;
    expect(local).toMatchObject({ status: "fail", firstSeen: clock.iso(), everFailed: true, changes: [clock.iso()] });
    expect(await store.listEvaluations(snapshot.ref, { limit: 10 })).toHaveLength(6);

    const pending = await store.listOutbox("pending");
    expect(pending.map((entry) => entry.alertId)).toEqual([alerted[0]!.alert!.alertId]);
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1 });
    expect(receiver.received).toHaveLength(1);
  });

  it("a save that fails never produces a false resolved; a save whose answer was lost is alerted once", async () => {
    const store = await newStore("savefail");
    const clock = new VirtualClock(NOW.getTime());
    const failing = await snapshotOf(drifted());
    const first = await monitorCluster(failing, SWEEP, store, monitorSettings(), clock.now());
    expect(first.alert).toBeDefined();
    await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock));
    expect(receiver.received).toHaveLength(1);

    // The cluster is fixed, but the commit fails (the service answers 503): the resolutions were never saved.
    let failures = 0;
    const broken = intercept(store, {
      commitEvaluation: async (original, ref, change) => {
        if (failures++ === 0) throw new StoreError("transaction on findings", { statusCode: 503, message: "The server is busy." });
        return original(ref, change);
      },
    });
    clock.advance(MINUTE);
    const lost = monitorCluster(await snapshotOf(compliantCluster()), SWEEP, broken, monitorSettings(), clock.now());
    await expect(lost).rejects.toThrow(/Table Storage transaction on findings failed \(503\)/);
    expect(failures).toBe(1);
    expect(await store.listOutbox("pending")).toEqual([]);
    expect((await store.loadClusterState(failing.ref)).findings.get(LOCAL_ACCOUNTS)).toMatchObject({ status: "fail", lastStatus: "fail" });

    // Evaluated again, still failing (through the same store, which works again): nothing to say.
    clock.advance(MINUTE);
    const again = await monitorCluster(failing, SWEEP, broken, monitorSettings(), clock.now());
    expect(again.alert).toBeUndefined();
    expect(again.transitions.some((t) => t.kind === "resolved" || t.kind === "regressed")).toBe(false);
    expect(transitionOf(again, LOCAL_ACCOUNTS)).toMatchObject({ kind: "stillFailing", from: "fail", to: "fail" });
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 0 });
    const state = await store.loadClusterState(failing.ref);
    expect(state.findings.get(LOCAL_ACCOUNTS)).toMatchObject({ status: "fail", firstSeen: NOW.toISOString() });
    expect(state.sequence).toBe(2);

    // Now the commit is applied but its answer is lost: the evaluation throws, yet its alert (a real resolution) is in
    // the partition; the next evaluation promotes it, and it is delivered once, with no second alert of its own.
    let lostAnswers = 0;
    const lossy = intercept(store, {
      commitEvaluation: async (original, ref, change) => {
        const outcome = await original(ref, change);
        if (lostAnswers++ === 0) throw new StoreError("transaction on findings", { code: "ECONNRESET", message: "socket hang up" });
        return outcome;
      },
    });
    clock.advance(MINUTE);
    await expect(monitorCluster(await snapshotOf(compliantCluster()), SWEEP, lossy, monitorSettings(), clock.now())).rejects.toThrow(/ECONNRESET/);
    expect(await store.listOutbox("pending")).toEqual([]);
    const interrupted = await store.loadClusterState(failing.ref);
    expect(interrupted.pendingAlerts).toHaveLength(1);
    clock.advance(MINUTE);
    const next = await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, lossy, monitorSettings(), clock.now());
    expect(next.alert).toBeUndefined();
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1, merged: 0 });
    expect(receiver.received).toHaveLength(2);
    expect(cardTexts(receiver.received[1]!.card)[0]).toMatch(/^aks-test: \d+ findings resolved$/);
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 0 });
  });

  it("an evaluation whose reads all failed keeps the failures and resolves nothing", async () => {
    const store = await newStore("readfail");
    const clock = new VirtualClock(NOW.getTime());
    const readable: RestExtras = {
      direct: {
        diagnosticSettings: { ok: true, value: [] },
        defenderPricing: { ok: true, value: { pricingTier: "Free", extensions: [] } },
        securityAssessments: { ok: true, value: [] },
        maintenanceConfigurations: { ok: true, value: [] },
        nodes: {
          ok: true,
          value: [{ name: "aks-system-0", pool: "system", unschedulable: false, rebootRequiredSince: new Date(NOW.getTime() - 5 * 24 * HOUR).toISOString() }],
        },
      },
    };
    const throttled = { ok: false as const, error: { kind: "throttled" as const, status: 429, message: "Too many requests" } };
    const unreadable: SnapshotExtras = {
      poolUpgradeProfiles: { system: throttled },
      clusterUpgradeProfile: throttled,
      kubernetesVersions: throttled,
      maintenanceConfigurations: throttled,
      diagnosticSettings: throttled,
      defenderPricing: throttled,
      securityAssessments: throttled,
      nodes: throttled,
      ingressGateway: throttled,
    };

    const first = await monitorCluster(await snapshotOf(compliantCluster(), { extras: readable }), SWEEP, store, monitorSettings(), clock.now());
    const failed = first.evaluation.findings.filter((f) => f.status === "fail").map((f) => f.check);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.every((check) => EXTERNAL_CHECKS.includes(check))).toBe(true);
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1 });

    clock.advance(HOUR);
    const blind = await monitorCluster(await snapshotOf(compliantCluster(), { extras: { direct: unreadable } }), SWEEP, store, monitorSettings(), clock.now());
    // Every check that needs a read says readFailed (the WAF check does not apply: the cluster has no AGIC).
    const external = Object.fromEntries(
      blind.evaluation.findings.filter((f) => EXTERNAL_CHECKS.includes(f.check)).map((f) => [f.check, `${f.status}/${f.errorKind ?? "-"}`]),
    );
    expect(external).toEqual(
      Object.fromEntries(EXTERNAL_CHECKS.map((check) => [check, check === "ingress-waf" ? "notApplicable/-" : "error/readFailed"])),
    );
    expect(Object.keys(external)).toHaveLength(8);
    expect(blind.alert).toBeUndefined();
    expect(blind.transitions.filter((t) => t.kind === "resolved")).toEqual([]);
    for (const check of failed) expect(transitionOf(blind, check)).toMatchObject({ kind: "error", from: "fail", to: "error" });
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 0 });
    const state = await store.loadClusterState(blind.evaluation);
    for (const check of failed) {
      expect(state.findings.get(check)).toMatchObject({ status: "fail", lastStatus: "error", lastError: expect.stringMatching(/^Could not read .*: throttled \(HTTP 429\)/) });
    }

    // Readable again and still failing: still failing, no card either way.
    clock.advance(HOUR);
    const back = await monitorCluster(await snapshotOf(compliantCluster(), { extras: readable }), SWEEP, store, monitorSettings(), clock.now());
    expect(back.alert).toBeUndefined();
    for (const check of failed) expect(transitionOf(back, check).kind).toBe("stillFailing");
    expect(receiver.received).toHaveLength(1);
  });
});

describe("noise control", () => {
  it("the cooldown: two changes within it make one merged card; a failure and its resolution within it make none", async () => {
    const store = await newStore("cooldown");
    const clock = new VirtualClock(NOW.getTime());
    const settings = monitorSettings({ cooldownMinutes: 10 });
    const send = () => deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock));
    const local = clusterWith((c) => (c.properties.disableLocalAccounts = false));
    const localAndOpen = drifted();
    const localOpenNoPolicy = clusterWith((c) => {
      c.properties.disableLocalAccounts = false;
      c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
      c.properties.networkProfile.networkPolicy = "none";
    });

    await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, store, settings, clock.now());
    // First news: no card in the last cooldown, so it goes at once.
    const first = await monitorCluster(await snapshotOf(local), SWEEP, store, settings, clock.advance(MINUTE));
    expect(first.alert?.notBefore).toBeUndefined();
    expect(await send()).toMatchObject({ sent: 1 });
    const cooldownEnd = new Date(clock.at + 10 * MINUTE).toISOString();

    // Two more changes inside the cooldown: held until it ends, then one card.
    const second = await monitorCluster(await snapshotOf(localAndOpen), SWEEP, store, settings, clock.advance(MINUTE));
    const third = await monitorCluster(await snapshotOf(localOpenNoPolicy), SWEEP, store, settings, clock.advance(MINUTE));
    expect([second.alert?.notBefore, third.alert?.notBefore]).toEqual([cooldownEnd, cooldownEnd]);
    clock.advance(5 * MINUTE);
    expect(await send()).toEqual({ sent: 0, retried: 0, dead: 0, merged: 0 });
    clock.at = Date.parse(cooldownEnd);
    expect(await send()).toEqual({ sent: 1, retried: 0, dead: 0, merged: 1 });
    expect(receiver.received).toHaveLength(2);
    const merged = cardTexts(receiver.received[1]!.card).join("\n");
    expect(merged).toContain(AUTHORIZED_RANGES);
    expect(merged).toContain("network-policy-enabled");
    expect(merged).not.toMatch(/High local-accounts-disabled/); // told in the first card

    // A failure and its resolution inside the next cooldown: nothing to tell.
    const nextEnd = new Date(clock.at + 10 * MINUTE).toISOString();
    const broke = await monitorCluster(await snapshotOf(clusterWith((c) => {
      c.properties.disableLocalAccounts = false;
      c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
      c.properties.networkProfile.networkPolicy = "none";
      c.properties.enableRBAC = false;
    })), SWEEP, store, settings, clock.advance(MINUTE));
    expect(broke.alert?.failures.map((t) => t.check)).toContain("k8s-rbac-enabled");
    const repaired = await monitorCluster(await snapshotOf(localOpenNoPolicy), SWEEP, store, settings, clock.advance(MINUTE));
    expect(repaired.alert?.resolved.map((t) => t.check)).toContain("k8s-rbac-enabled");
    expect([broke.alert?.notBefore, repaired.alert?.notBefore]).toEqual([nextEnd, nextEnd]);
    clock.at = Date.parse(nextEnd);
    expect(await send()).toEqual({ sent: 0, retried: 0, dead: 0, merged: 1 });
    expect(receiver.received).toHaveLength(2);
    expect(await store.listOutbox("pending")).toEqual([]);
    expect((await store.listOutbox("sent")).length).toBe(5);
  });

  it("the cooldown: a check fixed, broken again and fixed again within it is told as resolved (the channel last saw it failing)", async () => {
    const store = await newStore("refixed");
    const clock = new VirtualClock(NOW.getTime());
    // No flapping here: three changes inside one cooldown, each of them news.
    const settings = monitorSettings({ cooldownMinutes: 10, flapThreshold: 10 });
    const noPolicy = clusterWith((c) => (c.properties.networkProfile.networkPolicy = "none"));
    await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, store, settings, clock.now());
    await monitorCluster(await snapshotOf(noPolicy), SWEEP, store, settings, clock.advance(MINUTE));
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1 });
    const kinds: string[] = [];
    for (const body of [compliantCluster(), noPolicy, compliantCluster()]) {
      const result = await monitorCluster(await snapshotOf(body), SWEEP, store, settings, clock.advance(MINUTE));
      kinds.push(`${result.alert?.failures.map((t) => t.kind).join()}|${result.alert?.resolved.map((t) => t.kind).join()}`);
    }
    expect(kinds).toEqual(["|resolved", "regressed|", "|resolved"]);
    clock.advance(10 * MINUTE);
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toEqual({ sent: 1, retried: 0, dead: 0, merged: 2 });
    expect(receiver.received).toHaveLength(2);
    const texts = cardTexts(receiver.received[1]!.card);
    expect(texts[0]).toBe("aks-test: 1 finding resolved");
    expect(texts.join("\n")).toContain("Resolved network-policy-enabled");
  });

  it("a merged card never names the wrong person: changes by two people name neither; changes by one name them", async () => {
    const store = await newStore("authors");
    const clock = new VirtualClock(NOW.getTime());
    const settings = monitorSettings({ cooldownMinutes: 10 });
    const event = (name: string, id: string): Trigger => ({
      kind: "event",
      id,
      actor: { name, at: clock.iso(), operation: "Microsoft.ContainerService/managedClusters/write" },
    });
    const local = clusterWith((c) => (c.properties.disableLocalAccounts = false));
    const localNoPolicy = clusterWith((c) => {
      c.properties.disableLocalAccounts = false;
      c.properties.networkProfile.networkPolicy = "none";
    });
    const localNoPolicyOpen = clusterWith((c) => {
      c.properties.disableLocalAccounts = false;
      c.properties.networkProfile.networkPolicy = "none";
      c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
    });
    await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, store, settings, clock.now());
    clock.advance(MINUTE);
    await monitorCluster(await snapshotOf(local), event("bob@contoso.com", "e1"), store, settings, clock.now());
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1 });
    expect(cardTexts(receiver.received[0]!.card).join("\n")).toContain("Changed by bob@contoso.com");

    // Carol removes the network policy, then Alice opens the API server: one card after the cooldown.
    clock.advance(MINUTE);
    await monitorCluster(await snapshotOf(localNoPolicy), event("carol@contoso.com", "e2"), store, settings, clock.now());
    clock.advance(MINUTE);
    await monitorCluster(await snapshotOf(localNoPolicyOpen), event("alice@contoso.com", "e3"), store, settings, clock.now());
    clock.advance(10 * MINUTE);
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1, merged: 1 });
    const merged = cardTexts(receiver.received[1]!.card);
    expect(merged.join("\n")).toContain("network-policy-enabled");
    expect(merged.join("\n")).toContain(AUTHORIZED_RANGES);
    expect(merged.filter((text) => text.startsWith("Changed by"))).toEqual([]);

    // Alice fixes both within the next cooldown: her name is on the card.
    clock.advance(MINUTE);
    await monitorCluster(await snapshotOf(localNoPolicy), event("alice@contoso.com", "e4"), store, settings, clock.now());
    clock.advance(MINUTE);
    await monitorCluster(await snapshotOf(local), event("alice@contoso.com", "e5"), store, settings, clock.now());
    clock.advance(10 * MINUTE);
    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1, merged: 1 });
    const fixed = cardTexts(receiver.received[2]!.card);
    expect(fixed.filter((text) => text.startsWith("Changed by"))).toEqual([
      expect.stringMatching(/^Changed by alice@contoso\.com at 12:\d\d UTC \(ARM write Microsoft\.ContainerService\/managedClusters\/write\)\.$/),
    ]);
  });

  it("a check flipping fail/pass is reported once with its flap count, then stays quiet", async () => {
    const store = await newStore("flapping");
    const clock = new VirtualClock(NOW.getTime());
    const local = clusterWith((c) => (c.properties.disableLocalAccounts = false));
    const steps: string[] = [];
    for (let step = 0; step < 8; step++) {
      const body = step % 2 === 0 ? local : compliantCluster();
      const result = await monitorCluster(await snapshotOf(body), SWEEP, store, monitorSettings(), clock.advance(HOUR));
      const t = transitionOf(result, LOCAL_ACCOUNTS);
      const report = await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock));
      steps.push(`${t.kind}${t.quiet ? `(${t.quiet.reason})` : ""}:${t.flaps}:${report.sent}`);
    }
    expect(steps).toEqual([
      "newFailure:0:1",
      "resolved:1:1",
      "regressed:2:1",
      "resolved:3:1",
      "regressed:4:1",
      "resolved(flapping):5:0",
      "regressed(flapping):6:0",
      "resolved(flapping):7:0",
    ]);
    const flapLines = receiver.received.flatMap((card) => cardTexts(card.card)).filter((text) => text.startsWith("Flapping"));
    expect(flapLines).toEqual(["Flapping: 4 status changes in the flap window."]);
  });

  it("a snoozed check's new failure is recorded, shown as suppressed (until, by, reason), and not alerted", async () => {
    const store = await newStore("snooze");
    const clock = new VirtualClock(NOW.getTime());
    const snapshot = await snapshotOf(drifted());
    await monitorCluster(await snapshotOf(compliantCluster()), SWEEP, store, monitorSettings(), clock.now());
    const until = new Date(NOW.getTime() + 24 * HOUR).toISOString();
    await store.setSuppression(snapshot.ref, { check: LOCAL_ACCOUNTS, until, by: "oncall@contoso.com", reason: "break-glass access until the IdP outage ends", createdAt: NOW.toISOString() });

    const result = await monitorCluster(snapshot, SWEEP, store, monitorSettings(), clock.advance(MINUTE));
    expect(transitionOf(result, LOCAL_ACCOUNTS)).toMatchObject({
      kind: "newFailure",
      quiet: { reason: "suppressed", detail: `snoozed until ${until} by oncall@contoso.com: break-glass access until the IdP outage ends` },
    });
    expect(result.alert?.failures.map((t) => t.check)).not.toContain(LOCAL_ACCOUNTS);
    expect(result.alert?.failures.map((t) => t.check)).toContain(AUTHORIZED_RANGES);
    expect(result.alert?.stillFailing).toBeGreaterThanOrEqual(1);
    expect((await store.loadClusterState(snapshot.ref)).findings.get(LOCAL_ACCOUNTS)).toMatchObject({ status: "fail", firstSeen: clock.iso() });

    expect(await deliverDue(store, webhookChannel(receiver.url), deliveryOptions(clock))).toMatchObject({ sent: 1 });
    const texts = cardTexts(receiver.received[0]!.card).join("\n");
    expect(texts).toContain(AUTHORIZED_RANGES);
    expect(texts).not.toMatch(/High local-accounts-disabled/);
    expect(texts).toMatch(/still fails? without an alert \(reported before, below the alert minimum, snoozed or exempt\)/);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("aksmon sweep --fleet, as a process", () => {
  const fleet = join(ROOT, "examples", "fleet");
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), "aksmon-sweep-"));
    homes.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of homes) rmSync(dir, { recursive: true, force: true });
  });
  const cardsOf = (stdout: string) => [...stdout.matchAll(/^── card \((\w+)\)/gm)].map((match) => match[1]);

  it("prints the cards without a webhook; a second run prints only the digest; with TEAMS_WEBHOOK_URL they reach Teams, schema-valid", async () => {
    const AKSMON_HOME = home();
    const first = await runAksmon({ AKSMON_HOME }, "sweep", "--fleet", fleet);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(cardsOf(first.stdout)).toEqual(["drift", "drift", "drift", "digest"]);
    expect(first.stdout).toMatch(/^dev-eus-sandbox drifted: \d+ new failures$/m);
    expect(first.stdout).toMatch(/^stg-neu-web drifted: \d+ new failures$/m);
    expect(first.stdout).toMatch(/Swept 3 cluster\(s\): \d+ change\(s\) since the last sweep, 4 card\(s\) printed above \(no TEAMS_WEBHOOK_URL\)\.\n$/);

    const second = await runAksmon({ AKSMON_HOME }, "sweep", "--fleet", fleet);
    expect(second.code).toBe(0);
    expect(cardsOf(second.stdout)).toEqual(["digest"]);
    expect(second.stdout).toMatch(/Swept 3 cluster\(s\): 0 change\(s\) since the last sweep, 1 card\(s\) printed above/);

    // A fresh home with the webhook: the three drift cards and the digest go to the receiver instead of stdout.
    const sent = await runAksmon({ AKSMON_HOME: home(), TEAMS_WEBHOOK_URL: receiver.url }, "sweep", "--fleet", fleet);
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    expect(cardsOf(sent.stdout)).toEqual([]);
    expect(sent.stdout).toMatch(/4 card\(s\) sent to https:\/\/127\.0\.0\.1:\d+\/workflows\/abc\/triggers\/manual\/paths\/invoke\./);
    expect(sent.stdout).not.toContain(receiver.secret);
    expect(receiver.received).toHaveLength(4);
    expect(receiver.attempts.every((attempt) => attempt.outcome === "accepted")).toBe(true);
    for (const card of receiver.received) expect(receiver.validateCard(card.card)).toBeUndefined();
    expect(byCluster(receiver.received.slice(0, 3))).toEqual({ "dev-eus-sandbox": 1, "prod-weu-payments": 1, "stg-neu-web": 1 });
  });

  it("a throttled card is retried within the run (Retry-After honoured), not left for the next sweep", async () => {
    receiver.script([{}, {}, {}, { status: 429, retryAfterSeconds: 1 }]);
    const run = await runAksmon({ AKSMON_HOME: home(), TEAMS_WEBHOOK_URL: receiver.url }, "sweep", "--fleet", fleet);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(receiver.attempts.map((attempt) => attempt.status)).toEqual([202, 202, 202, 429, 202]);
    expect(receiver.attempts[4]!.at - receiver.attempts[3]!.at).toBeGreaterThanOrEqual(950);
    expect(receiver.received).toHaveLength(4);
    expect(run.stdout).toMatch(/Swept 3 cluster\(s\): \d+ change\(s\) since the last sweep, 4 card\(s\) sent to [^ ,]+\.\n$/);
  });

  it("STORAGE_CONNECTION_STRING: the state lives in the given storage (the test's Azurite), shared by runs", async () => {
    const env = { AKSMON_HOME: home(), STORAGE_CONNECTION_STRING: azurite.connectionString, TEAMS_WEBHOOK_URL: receiver.url };
    const first = await runAksmon(env, "sweep", "--fleet", fleet);
    expect(first.code).toBe(0);
    expect(receiver.received).toHaveLength(4);
    const second = await runAksmon({ ...env, AKSMON_HOME: home() }, "sweep", "--fleet", fleet);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/0 change\(s\) since the last sweep, 1 card\(s\) sent to/);
    expect(receiver.received).toHaveLength(5);
    expect(receiver.received[4]!.card.fallbackText).toMatch(/digest|posture|fleet/i);

    // What the runs stored is in the test's Azurite, under the default table prefix.
    const store = TableStore.connect({ connectionString: azurite.connectionString });
    const sent: OutboxEntry[] = await store.listOutbox("sent");
    expect(sent.map((entry) => entry.alert.kind).sort()).toEqual(["digest", "digest", "drift", "drift", "drift"]);
    const summaries = await store.listClusterSummaries();
    expect(summaries.items.map((s) => s.ref.name).sort()).toEqual(["dev-eus-sandbox", "prod-weu-payments", "stg-neu-web"]);
  });
});
