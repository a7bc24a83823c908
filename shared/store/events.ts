import { canonicalClusterKey, clusterPartitionKey, dayPartitionKey, eventRowKey } from "./keys.js";
import type { Row, StoredRow, Tables } from "./tables.js";
import type { Actor } from "../model/alerts.js";
import { defined, jsonProperties, truncateText } from "./textProperties.js";
import type { EventRecord } from "./types.js";

/**
 * The events table: PK the cluster (or, for an event about no cluster, its UTC day), RK the event id.
 * Event Grid delivers at least once, so each row is the event's processing state:
 * - `inProgress` with a lease (`leaseUntil`): an attempt is working on it; a redelivery meanwhile is told
 *   to come back later, and one after the lease (the attempt died: timeout, recycle, OOM) takes it over;
 * - `done` (with its outcome), written only after the work committed: a redelivery is a duplicate.
 * A row without `state` was written before leases existed: it counts as done.
 */

export type EventClaim =
  /** This attempt holds the lease; `attempt` counts the attempts so far (1 for a new event). */
  | { outcome: "claimed"; etag: string; attempt: number }
  | { outcome: "done" }
  /** Another attempt holds the lease until then. */
  | { outcome: "inProgress"; leaseUntil: string; attempt: number };

/** Inserts the event as done (an event with nothing to do, e.g. out of scope); a second insert of an id is a duplicate. */
export async function recordEvent(tables: Tables, record: EventRecord, now: string = new Date().toISOString()): Promise<"new" | "duplicate"> {
  const inserted = await tables.insert("events", { ...entityOf(record, now), state: "done", ...doneProperties(record, now) });
  return inserted ? "new" : "duplicate";
}

/**
 * Takes the event's lease: a new event is inserted `inProgress`; a done one is answered `done`; one whose
 * lease expired is taken over with an ETag-guarded replace (two redeliveries never both take it).
 */
export async function claimEvent(tables: Tables, record: EventRecord, claim: { now: string; leaseMs: number }): Promise<EventClaim> {
  const base = entityOf(record, claim.now);
  const leaseUntil = new Date(Date.parse(claim.now) + claim.leaseMs).toISOString();
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await tables.get("events", base.partitionKey, base.rowKey);
    if (!row) {
      const inserted = await tables.insert("events", { ...base, state: "inProgress", leaseUntil, attempts: 1 });
      if (inserted) return { outcome: "claimed", etag: inserted.etag, attempt: 1 };
      continue;
    }
    if (row.state !== "inProgress") return { outcome: "done" };
    const attempts = attemptsOf(row);
    const until = typeof row.leaseUntil === "string" ? row.leaseUntil : "";
    if (Date.parse(until) > Date.parse(claim.now)) return { outcome: "inProgress", leaseUntil: until, attempt: attempts };
    const taken = await tables.replaceIfMatch(
      "events",
      { partitionKey: base.partitionKey, rowKey: base.rowKey, state: "inProgress", leaseUntil, attempts: attempts + 1 },
      row.etag,
      "Merge",
    );
    if (taken) return { outcome: "claimed", etag: taken.etag, attempt: attempts + 1 };
  }
  throw new Error(`the events row of ${record.id} changed ten times in a row; to be retried`);
}

/** Marks the event done with its outcome, after its work committed. Unconditional: the work is done whoever holds the lease. */
export async function finishEvent(tables: Tables, record: EventRecord, now: string): Promise<void> {
  const { partitionKey, rowKey } = entityOf(record, now);
  await tables.replaceIfMatch("events", { partitionKey, rowKey, state: "done", leaseUntil: "", ...doneProperties(record, now) }, "*", "Merge");
}

/**
 * Ends this attempt's lease early (its work failed, to be retried): Event Grid's redelivery takes the event
 * at once instead of waiting for the lease. Left alone when another attempt took the lease meanwhile.
 */
export async function releaseEvent(tables: Tables, record: EventRecord, release: { etag: string; now: string; error: string }): Promise<void> {
  const { partitionKey, rowKey } = entityOf(record, release.now);
  await tables.replaceIfMatch("events", { partitionKey, rowKey, leaseUntil: release.now, lastError: truncateText(release.error, 1_000) }, release.etag, "Merge");
}

function entityOf(record: EventRecord, now: string): Row & { partitionKey: string; rowKey: string } {
  const partitionKey = record.clusterKey ? clusterPartitionKey(record.clusterKey) : dayPartitionKey(record.time);
  return defined({
    partitionKey,
    rowKey: eventRowKey(record.id),
    id: truncateText(record.id, 1_000),
    type: truncateText(record.type, 500),
    time: record.time,
    clusterKey: record.clusterKey === undefined ? undefined : canonicalClusterKey(record.clusterKey),
    actor: record.actor === undefined ? undefined : truncateText(record.actor.name, 500),
    ...(record.actor ? jsonProperties("actorJson", smallActor(record.actor)) : {}),
    subject: record.subject === undefined ? undefined : truncateText(record.subject, 1_000),
    recordedAt: new Date(now).toISOString(),
  }) as Row & { partitionKey: string; rowKey: string };
}

function doneProperties(record: EventRecord, now: string): Row {
  return defined({
    doneAt: new Date(now).toISOString(),
    outcome: record.outcome === undefined ? undefined : truncateText(record.outcome, 100),
    reason: record.reason === undefined ? undefined : truncateText(record.reason, 1_000),
  });
}

function attemptsOf(row: StoredRow): number {
  return typeof row.attempts === "number" && Number.isFinite(row.attempts) ? row.attempts : 1;
}

function smallActor(actor: Actor): Actor {
  return { name: truncateText(actor.name, 500), at: truncateText(actor.at, 64), ...(actor.operation ? { operation: truncateText(actor.operation, 500) } : {}) };
}
