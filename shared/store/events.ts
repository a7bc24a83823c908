import { canonicalClusterKey, clusterPartitionKey, dayPartitionKey, eventRowKey } from "./keys.js";
import type { Row, Tables } from "./tables.js";
import type { Actor } from "../model/alerts.js";
import { defined, jsonProperties, truncateText } from "./textProperties.js";
import type { EventRecord } from "./types.js";

/**
 * The events table: PK the cluster (or, for an event about no cluster, its UTC day), RK the event id.
 * Insert-only: Event Grid delivers at least once, and the second insert of an id answers 409.
 */
export async function recordEvent(tables: Tables, record: EventRecord, now: string = new Date().toISOString()): Promise<"new" | "duplicate"> {
  const partitionKey = record.clusterKey ? clusterPartitionKey(record.clusterKey) : dayPartitionKey(record.time);
  const inserted = await tables.insert(
    "events",
    defined({
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
    }) as Row & { partitionKey: string; rowKey: string },
  );
  return inserted ? "new" : "duplicate";
}

function smallActor(actor: Actor): Actor {
  return { name: truncateText(actor.name, 500), at: truncateText(actor.at, 64), ...(actor.operation ? { operation: truncateText(actor.operation, 500) } : {}) };
}
