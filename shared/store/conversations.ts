import { odata } from "@azure/data-tables";
import { idRowKey } from "./keys.js";
import type { Tables } from "./tables.js";
import { jsonProperties, readJsonProperties } from "./textProperties.js";
import type { ConversationRecord } from "./types.js";

/** The conversations table (where the Teams bot was installed): one partition, RK the conversation id. */
const PARTITION = "conversation";

export async function saveConversation(tables: Tables, record: ConversationRecord): Promise<void> {
  await tables.upsert("conversations", {
    partitionKey: PARTITION,
    rowKey: idRowKey(record.id, "conversation"),
    id: record.id,
    savedAt: new Date(record.savedAt).toISOString(),
    ...jsonProperties("reference", record.reference),
  });
}

export async function removeConversation(tables: Tables, id: string): Promise<void> {
  await tables.delete("conversations", PARTITION, idRowKey(id, "conversation"));
}

export async function listConversations(tables: Tables): Promise<ConversationRecord[]> {
  const rows = await tables.all("conversations", { filter: odata`PartitionKey eq ${PARTITION}` });
  return rows.map((row) => ({
    id: String(row.id),
    reference: readJsonProperties(row, "reference") as Record<string, unknown>,
    savedAt: String(row.savedAt),
  }));
}
