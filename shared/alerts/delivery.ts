/**
 * Drains the outbox: due alerts are claimed (a lease, so two senders never send the same one), the drift
 * alerts of one cluster that are due together become one card, and each card is sent through the channel,
 * paced to the destination's limits. A 429/5xx/timeout is retried with backoff (Retry-After honoured) for as
 * long as the alert is younger than `maxAgeMs` (ALERT_MAX_AGE_HOURS, counted from when it was written, or
 * re-queued by `aksmon outbox --redrive`): by time, not by count, so that a long Teams outage delays alerts
 * without losing them. Only then, or on a permanent refusal, does it move to `dead`, with the last error kept.
 * Delivery is at least once: a card Teams accepted whose `markSent` then failed is sent again.
 */
import type { Actor, Alert, ClusterAlert, Transition } from "../model/alerts.js";
import { backoffMs } from "../backoff.js";
import type { OutboxEntry } from "../store/types.js";
import { alertMessage } from "./cards/index.js";
import type { Pacer } from "./pacer.js";
import type { TeamsMessage } from "./cards/index.js";
import type { SendResult } from "./webhook.js";

/** Where cards go: the Workflows webhook, the bot's conversations, or the terminal. */
export interface DeliveryChannel {
  /** The pacing key (never a secret URL). */
  key: string;
  /** The card flavour: webhook cards have no submit buttons. */
  flavour: "webhook" | "bot";
  send(message: TeamsMessage, alert: Alert): Promise<SendResult>;
}

/** What delivery needs of the store (shared/store/tableStore.ts). */
export interface OutboxStore {
  dueAlerts(now: string, limit: number): Promise<OutboxEntry[]>;
  claim(entry: OutboxEntry, leaseMs: number, now: string): Promise<OutboxEntry | undefined>;
  markSent(entry: OutboxEntry, now: string): Promise<void>;
  markRetry(entry: OutboxEntry, retry: { nextAttemptAt: string; error: string }): Promise<OutboxEntry | undefined>;
  markDead(entry: OutboxEntry, error: string): Promise<void>;
}

export interface DeliveryOptions {
  pacer: Pacer;
  /** How long an alert is retried, from its `createdAt` (or `redrivenAt`); default 48 h (ALERT_MAX_AGE_HOURS). */
  maxAgeMs?: number;
  /** An optional cap on attempts besides the age; unset (the default) means none: the age decides. */
  maxAttempts?: number;
  /** Longer than one send can take (timeout included), so a lease never lapses mid-send. */
  leaseMs: number;
  backoff: { baseMs: number; maxMs: number };
  /** Alerts taken per round. */
  batch: number;
  now?: () => Date;
}

const DEFAULT_ALERT_MAX_AGE_HOURS = 48;

export const defaultDeliveryOptions = {
  maxAgeMs: DEFAULT_ALERT_MAX_AGE_HOURS * 3_600_000,
  leaseMs: 60_000,
  backoff: { baseMs: 2_000, maxMs: 15 * 60_000 },
  batch: 50,
};

/** When an entry's time to be retried started: its re-queueing by a redrive, else its writing. */
export function retriedSince(entry: Pick<OutboxEntry, "createdAt" | "redrivenAt">): string {
  return entry.redrivenAt ?? entry.createdAt;
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  dead: number;
  /** Alerts merged into another card of the same cluster. */
  merged: number;
}

export async function deliverDue(store: OutboxStore, channel: DeliveryChannel, options: DeliveryOptions): Promise<DeliveryReport> {
  const clock = options.now ?? (() => new Date());
  const report: DeliveryReport = { sent: 0, retried: 0, dead: 0, merged: 0 };
  const due = await store.dueAlerts(clock().toISOString(), options.batch);
  for (const group of groupByCluster(due)) {
    // The slot first, then the claim: a lease covers the send only, never a wait for the pacer (a 429's
    // Retry-After can hold it longer than any lease, and another sender would then take the alert and send it too).
    await options.pacer.wait(channel.key);
    const claimed: OutboxEntry[] = [];
    for (const entry of group) {
      const held = await store.claim(entry, options.leaseMs, clock().toISOString());
      if (held) claimed.push(held);
    }
    if (claimed.length === 0) continue;
    const alert = claimed.length === 1 ? claimed[0]!.alert : mergeDriftAlerts(claimed.map((entry) => entry.alert as ClusterAlert));
    report.merged += claimed.length - 1;
    if (alert.kind === "drift" && alert.failures.length === 0 && alert.resolved.length === 0) {
      // Failed and resolved again within the cooldown: nothing left to tell.
      for (const entry of claimed) await store.markSent(entry, clock().toISOString());
      continue;
    }
    const result = await channel.send(alertMessage(alert, { channel: channel.flavour }), alert);
    const now = clock();
    if (result.kind === "sent") {
      for (const entry of claimed) await store.markSent(entry, now.toISOString());
      report.sent++;
      continue;
    }
    if (result.kind === "reject") {
      for (const entry of claimed) await store.markDead(entry, result.error);
      report.dead++;
      continue;
    }
    const attempts = Math.max(...claimed.map((entry) => entry.attempts));
    const maxAgeMs = options.maxAgeMs ?? defaultDeliveryOptions.maxAgeMs;
    const expired = (entry: OutboxEntry) =>
      now.getTime() - Date.parse(retriedSince(entry)) >= maxAgeMs || (options.maxAttempts !== undefined && entry.attempts >= options.maxAttempts);
    const giveUp = claimed.filter(expired);
    for (const entry of giveUp) await store.markDead(entry, `undelivered after ${ageText(now.getTime() - Date.parse(retriedSince(entry)))} and ${entry.attempts} attempts: ${result.error}`);
    if (giveUp.length > 0) report.dead++;
    const keep = claimed.filter((entry) => !expired(entry));
    if (keep.length === 0) continue;
    const wait = result.retryAfterMs ?? backoffMs(attempts - 1, options.backoff);
    if (result.retryAfterMs !== undefined) options.pacer.pause(channel.key, result.retryAfterMs);
    const nextAttemptAt = new Date(now.getTime() + wait).toISOString();
    for (const entry of keep) await store.markRetry(entry, { nextAttemptAt, error: result.error });
    report.retried++;
  }
  return report;
}

function ageText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h`;
}

/** Drift alerts of the same cluster together (oldest first); every other alert on its own. */
function groupByCluster(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const groups: OutboxEntry[][] = [];
  const byCluster = new Map<string, OutboxEntry[]>();
  for (const entry of [...entries].sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
    if (entry.alert.kind !== "drift" || !entry.clusterKey) {
      groups.push([entry]);
      continue;
    }
    let group = byCluster.get(entry.clusterKey);
    if (!group) {
      group = [];
      byCluster.set(entry.clusterKey, group);
      groups.push(group);
    }
    group.push(entry);
  }
  return groups;
}

/**
 * One card for a cluster's alerts that came due together (the cooldown held them): the latest news of each
 * check wins; a check that failed and was resolved again in between drops out entirely, while one that was
 * resolved, failed and resolved again is told as resolved (the channel last saw it failing). The card names
 * who made the changes only when one person made all of those it shows.
 */
export function mergeDriftAlerts(alerts: readonly ClusterAlert[]): ClusterAlert {
  const ordered = [...alerts].sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt));
  const latest = new Map<string, { transition: Transition; from: ClusterAlert; failedFirst: boolean }>();
  for (const alert of ordered) {
    for (const transition of [...alert.failures, ...alert.resolved]) {
      // What the channel knew before these alerts: a check whose first news here is a failure was not failing for it.
      const failedFirst = latest.get(transition.check)?.failedFirst ?? transition.kind !== "resolved";
      latest.set(transition.check, { transition, from: alert, failedFirst });
    }
  }
  const last = ordered[ordered.length - 1]!;
  const failures: Transition[] = [];
  const resolved: Transition[] = [];
  const authors = new Set<string | undefined>();
  let actor: Actor | undefined;
  for (const { transition, from, failedFirst } of latest.values()) {
    if (transition.kind !== "resolved") failures.push(transition);
    // A resolution only matters to whoever saw the failure: not when the failure is in this same card.
    else if (!failedFirst) resolved.push(transition);
    else continue;
    if (transition.changes.length === 0) continue;
    authors.add(from.trigger.actor?.name);
    if (from.trigger.actor && (!actor || from.trigger.actor.at > actor.at)) actor = from.trigger.actor;
  }
  // The card says "Changed by" once, for every change it shows: never name one person for another's change.
  const { actor: _lastActor, ...trigger } = last.trigger;
  return { ...last, trigger: authors.size === 1 && actor ? { ...trigger, actor } : trigger, failures, resolved, stillFailing: last.stillFailing };
}
