import { odata } from "@azure/data-tables";
import type { TableEntity } from "@azure/data-tables";
import { clusterKey } from "../model/clusterRef.js";
import type { Alert } from "../model/alerts.js";
import { canonicalClusterKey, idRowKey } from "./keys.js";
import type { Row, Tables } from "./tables.js";
import { defined, jsonProperties, optionalString, readJsonProperties, truncateText } from "./textProperties.js";
import type { OutboxEntry, OutboxState } from "./types.js";

/**
 * The outbox table: PK `pending` / `sent` / `dead`, RK the alert id. Times are ISO strings (UTC,
 * milliseconds) so that filters compare them as strings; `leaseUntil` is "" when nobody holds the entry.
 */

/** A new outbox entry for an alert: pending, due at `notBefore` (default now). */
export function outboxEntryFor(alert: Alert, options: { now: string; notBefore?: string }): OutboxEntry {
  const key = alert.kind === "digest" ? undefined : clusterKey(alert.cluster);
  return {
    alertId: alert.alertId,
    state: "pending",
    alert,
    ...(key ? { clusterKey: key } : {}),
    createdAt: iso(options.now),
    nextAttemptAt: iso(options.notBefore ?? options.now),
    attempts: 0,
  };
}

function iso(time: string): string {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a time: ${JSON.stringify(time)}`);
  return at.toISOString();
}

function outboxEntity(entry: OutboxEntry, state: OutboxState = entry.state): TableEntity<Row> {
  return defined({
    partitionKey: state,
    rowKey: idRowKey(entry.alertId, "alert"),
    alertId: entry.alertId,
    kind: entry.alert.kind,
    clusterKey: entry.clusterKey === undefined ? undefined : canonicalClusterKey(entry.clusterKey),
    createdAt: iso(entry.createdAt),
    nextAttemptAt: iso(entry.nextAttemptAt),
    attempts: entry.attempts,
    lastError: entry.lastError === undefined ? undefined : truncateText(entry.lastError, 4_000),
    sentAt: entry.sentAt,
    leaseUntil: entry.leaseUntil ? iso(entry.leaseUntil) : "",
    redrivenAt: entry.redrivenAt === undefined ? undefined : iso(entry.redrivenAt),
    ...jsonProperties("alert", entry.alert),
  }) as TableEntity<Row>;
}

function entryOf(row: Row & { etag?: string }): OutboxEntry {
  const optional = (name: string) => optionalString(row, name);
  return defined({
    alertId: String(row.alertId),
    state: row.partitionKey as OutboxState,
    alert: readJsonProperties(row, "alert") as Alert,
    clusterKey: optional("clusterKey"),
    createdAt: String(row.createdAt),
    nextAttemptAt: String(row.nextAttemptAt),
    attempts: Number(row.attempts ?? 0),
    lastError: optional("lastError"),
    sentAt: optional("sentAt"),
    leaseUntil: optional("leaseUntil"),
    redrivenAt: optional("redrivenAt"),
    etag: row.etag,
  }) as unknown as OutboxEntry;
}

/** Inserts an entry (pending unless it says otherwise); "duplicate" when one with its alert id is there. */
export async function enqueue(tables: Tables, entry: OutboxEntry): Promise<"enqueued" | "duplicate"> {
  return (await tables.insert("outbox", outboxEntity(entry))) ? "enqueued" : "duplicate";
}

/** Pending entries due at `now` that nobody holds, oldest first. */
export async function dueAlerts(tables: Tables, now: string, limit: number): Promise<OutboxEntry[]> {
  const at = iso(now);
  const rows = await tables.all("outbox", {
    filter: odata`PartitionKey eq ${"pending"} and nextAttemptAt le ${at} and leaseUntil le ${at}`,
  });
  return rows
    .map(entryOf)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.alertId.localeCompare(b.alertId))
    .slice(0, limit);
}

/**
 * Takes a pending entry for `leaseMs` (If-Match its ETag) and counts the attempt; undefined when another
 * sender took or changed it first. On the first claim, an entry whose alert id is already `sent` or
 * `dead` (re-inserted by a late promote) is dropped instead: that is what keeps delivery exactly once.
 * A redriven entry is checked against `sent` only (its dead row may outlive a redrive cut short).
 */
export async function claim(tables: Tables, entry: OutboxEntry, leaseMs: number, now: string): Promise<OutboxEntry | undefined> {
  if (entry.state !== "pending" || !entry.etag) throw new Error("only a pending entry read from the outbox can be claimed");
  const at = iso(now);
  if (entry.leaseUntil && entry.leaseUntil > at) return undefined;
  if (entry.attempts === 0) {
    const rowKey = idRowKey(entry.alertId, "alert");
    const done = await Promise.all([tables.get("outbox", "sent", rowKey), entry.redrivenAt ? undefined : tables.get("outbox", "dead", rowKey)]);
    if (done.some(Boolean)) {
      await tables.delete("outbox", "pending", rowKey, entry.etag);
      return undefined;
    }
  }
  const claimed: OutboxEntry = { ...entry, attempts: entry.attempts + 1, leaseUntil: new Date(Date.parse(at) + leaseMs).toISOString() };
  const written = await tables.replaceIfMatch("outbox", outboxEntity(claimed), entry.etag);
  return written ? { ...claimed, etag: written.etag } : undefined;
}

/** Moves an entry to `sent`: the sent row first, then the pending row goes. Idempotent. */
export async function markSent(tables: Tables, entry: OutboxEntry, now: string): Promise<void> {
  const sent: OutboxEntry = { ...entry, state: "sent", sentAt: iso(now) };
  delete sent.leaseUntil;
  await tables.insert("outbox", outboxEntity(sent));
  await tables.delete("outbox", "pending", idRowKey(entry.alertId, "alert"));
}

/** Releases a claimed entry for a later attempt (If-Match); undefined when the claim was lost. */
export async function markRetry(tables: Tables, entry: OutboxEntry, retry: { nextAttemptAt: string; error: string }): Promise<OutboxEntry | undefined> {
  if (!entry.etag) throw new Error("markRetry needs the claimed entry (with its ETag)");
  const next: OutboxEntry = { ...entry, nextAttemptAt: iso(retry.nextAttemptAt), lastError: retry.error };
  delete next.leaseUntil;
  const written = await tables.replaceIfMatch("outbox", outboxEntity(next), entry.etag);
  return written ? { ...next, etag: written.etag } : undefined;
}

/** Moves an entry to `dead` with its last error: the dead row first, then the pending row goes. Idempotent. */
export async function markDead(tables: Tables, entry: OutboxEntry, error: string): Promise<void> {
  const dead: OutboxEntry = { ...entry, state: "dead", lastError: error };
  delete dead.leaseUntil;
  await tables.insert("outbox", outboxEntity(dead));
  await tables.delete("outbox", "pending", idRowKey(entry.alertId, "alert"));
}

export async function listOutbox(tables: Tables, state: OutboxState): Promise<OutboxEntry[]> {
  const rows = await tables.all("outbox", { filter: odata`PartitionKey eq ${state}` });
  return rows.map(entryOf).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.alertId.localeCompare(b.alertId));
}

/** What the health endpoint and the dashboard show of the outbox: counts and the oldest pending alert's age. */
export interface OutboxSummary {
  pending: number;
  dead: number;
  /** When the oldest undelivered alert was written. */
  oldestPendingAt?: string;
}

/** Two queries that read one property per row (never the alert payloads). */
export async function outboxSummary(tables: Tables): Promise<OutboxSummary> {
  const [pending, dead] = await Promise.all(
    (["pending", "dead"] as const).map((state) => tables.all("outbox", { filter: odata`PartitionKey eq ${state}`, select: ["createdAt"] })),
  );
  const oldest = pending!.map((row) => String(row.createdAt ?? "")).filter(Boolean).sort()[0];
  return { pending: pending!.length, dead: dead!.length, ...(oldest ? { oldestPendingAt: oldest } : {}) };
}

/**
 * Re-queues every dead alert: pending again, attempts reset, due at `now`, `redrivenAt` now (its time to be
 * retried starts again), its last error kept. The pending row first, then the dead row goes, so a redrive cut
 * short loses nothing and the next one finishes it. Returns how many were re-queued (0 when none is dead).
 */
export async function redriveDead(tables: Tables, now: string): Promise<number> {
  const at = iso(now);
  let requeued = 0;
  for (const entry of await listOutbox(tables, "dead")) {
    const { etag: _etag, leaseUntil: _lease, sentAt: _sent, ...rest } = entry;
    const pending: OutboxEntry = { ...rest, state: "pending", attempts: 0, nextAttemptAt: at, redrivenAt: at };
    await tables.insert("outbox", outboxEntity(pending));
    await tables.delete("outbox", "dead", idRowKey(entry.alertId, "alert"));
    requeued++;
  }
  return requeued;
}

/**
 * The newest pending drift alert of a cluster that no sender holds, to merge new news into during a
 * cooldown (then `replacePending`). Undefined when there is none.
 */
export async function pendingDriftAlert(tables: Tables, key: string, now: string): Promise<OutboxEntry | undefined> {
  const at = iso(now);
  const rows = await tables.all("outbox", {
    filter: odata`PartitionKey eq ${"pending"} and clusterKey eq ${canonicalClusterKey(key)} and kind eq ${"drift"} and leaseUntil le ${at}`,
  });
  return rows.map(entryOf).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

/** Rewrites a pending entry (its alert, its due time) If-Match its ETag; undefined when it was claimed or changed. */
export async function replacePending(tables: Tables, entry: OutboxEntry): Promise<OutboxEntry | undefined> {
  if (entry.state !== "pending" || !entry.etag) throw new Error("only a pending entry read from the outbox can be replaced");
  const written = await tables.replaceIfMatch("outbox", outboxEntity(entry), entry.etag);
  return written ? { ...entry, etag: written.etag } : undefined;
}
