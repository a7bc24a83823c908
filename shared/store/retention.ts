import { odata } from "@azure/data-tables";
import { invertedTimestamp } from "./keys.js";
import type { Tables } from "./tables.js";

/** Deleting what is older than the retention: evaluations, processed events, sent alerts. */

export interface PurgeCutoffs {
  evaluationsOlderThan?: string;
  eventsOlderThan?: string;
  sentOlderThan?: string;
}

/** The cutoffs of a retention of `days` (the RETENTION_DAYS setting). */
export function retentionCutoffs(days: number, now: string | Date = new Date()): Required<PurgeCutoffs> {
  const cutoff = new Date(new Date(now).getTime() - days * 86_400_000).toISOString();
  return { evaluationsOlderThan: cutoff, eventsOlderThan: cutoff, sentOlderThan: cutoff };
}

const KEYS_ONLY = ["PartitionKey", "RowKey"];

/** Deletes in transactions of up to 100 rows per partition; returns how many rows went. */
export async function purge(tables: Tables, cutoffs: PurgeCutoffs): Promise<{ evaluations: number; events: number; sent: number }> {
  const deleted = { evaluations: 0, events: 0, sent: 0 };
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
  return deleted;
}

/** Page by page, so that a first purge of a large table does not hold it all in memory. */
async function deleteMatching(tables: Tables, kind: "evaluations" | "events" | "outbox", filter: string): Promise<number> {
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
