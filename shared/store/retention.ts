import { odata } from "@azure/data-tables";
import { invertedTimestamp } from "./keys.js";
import type { Tables } from "./tables.js";

/**
 * Deleting what is older than its retention: evaluations, processed events, sent and dead alerts
 * (RETENTION_DAYS), and the audit trail (AUDIT_RETENTION_DAYS). Pending alerts are never purged.
 */

export interface PurgeCutoffs {
  evaluationsOlderThan?: string;
  eventsOlderThan?: string;
  sentOlderThan?: string;
  /** Dead alerts by when they were written (a dead row keeps its createdAt). */
  deadOlderThan?: string;
  auditOlderThan?: string;
}

export interface PurgeCounts {
  evaluations: number;
  events: number;
  sent: number;
  dead: number;
  audit: number;
}

/** The cutoffs of a retention of `days` (RETENTION_DAYS), and of `auditDays` (AUDIT_RETENTION_DAYS) when given. */
export function retentionCutoffs(days: number, now: string | Date = new Date(), auditDays?: number): PurgeCutoffs {
  const before = (n: number) => new Date(new Date(now).getTime() - n * 86_400_000).toISOString();
  const cutoff = before(days);
  return {
    evaluationsOlderThan: cutoff,
    eventsOlderThan: cutoff,
    sentOlderThan: cutoff,
    deadOlderThan: cutoff,
    ...(auditDays === undefined ? {} : { auditOlderThan: before(auditDays) }),
  };
}

const KEYS_ONLY = ["PartitionKey", "RowKey"];

/** Deletes in transactions of up to 100 rows per partition; returns how many rows went. */
export async function purge(tables: Tables, cutoffs: PurgeCutoffs): Promise<PurgeCounts> {
  const deleted: PurgeCounts = { evaluations: 0, events: 0, sent: 0, dead: 0, audit: 0 };
  if (cutoffs.evaluationsOlderThan) {
    // Inverted timestamps: a row older than the cutoff has a RowKey at or above that of (cutoff - 1 ms).
    const from = invertedTimestamp(new Date(cutoffs.evaluationsOlderThan).getTime() - 1);
    deleted.evaluations = await deleteMatching(tables, "evaluations", odata`RowKey ge ${from}`);
  }
  if (cutoffs.eventsOlderThan) {
    deleted.events = await deleteMatching(tables, "events", odata`recordedAt lt ${new Date(cutoffs.eventsOlderThan).toISOString()}`);
  }
  if (cutoffs.sentOlderThan) {
    deleted.sent = await deleteMatching(tables, "outbox", odata`PartitionKey eq ${"sent"} and sentAt lt ${new Date(cutoffs.sentOlderThan).toISOString()}`);
  }
  if (cutoffs.deadOlderThan) {
    deleted.dead = await deleteMatching(tables, "outbox", odata`PartitionKey eq ${"dead"} and createdAt lt ${new Date(cutoffs.deadOlderThan).toISOString()}`);
  }
  if (cutoffs.auditOlderThan) {
    deleted.audit = await deleteMatching(tables, "audit", odata`at lt ${new Date(cutoffs.auditOlderThan).toISOString()}`);
  }
  return deleted;
}

/** Page by page, so that a first purge of a large table does not hold it all in memory. */
async function deleteMatching(tables: Tables, kind: "evaluations" | "events" | "outbox" | "audit", filter: string): Promise<number> {
  let deleted = 0;
  let continuation: string | undefined;
  do {
    const page = await tables.page(kind, { filter, select: KEYS_ONLY }, continuation ? { continuation } : {});
    deleted += await tables.deleteRows(
      kind,
      page.rows.map((row) => ({ partitionKey: String(row.partitionKey), rowKey: String(row.rowKey) })),
    );
    continuation = page.continuation;
  } while (continuation);
  return deleted;
}
