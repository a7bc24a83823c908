import { odata } from "@azure/data-tables";
import type { ClusterRef } from "../model/snapshot.js";
import { getClusterSummary, saveClusterSummary } from "./clusterSummaries.js";
import { clusterPartitionKey, PENDING_ROW_PREFIX, STATE_ROW_KEY } from "./keys.js";
import type { Tables } from "./tables.js";

/**
 * A deleted cluster: its findings partition (findings, state row, alerts not yet promoted) is removed,
 * so nothing of it is alerted or counted any more, and its summary row keeps the posture it had with
 * `deletedAt` set (it leaves the posture counts). A cluster re-created under the same id starts afresh:
 * its first evaluation replaces the summary (without `deletedAt`). Idempotent.
 */
export async function closeDeletedCluster(
  tables: Tables,
  ref: ClusterRef,
  deletedAt: string,
): Promise<{ findingsClosed: number; summary: boolean }> {
  const partitionKey = clusterPartitionKey(ref);
  const rows = await tables.all("findings", { filter: odata`PartitionKey eq ${partitionKey}` });
  const keys = rows.flatMap((row) => (row.partitionKey && row.rowKey ? [{ partitionKey: row.partitionKey, rowKey: row.rowKey }] : []));
  await tables.deleteRows("findings", keys);
  const summary = await getClusterSummary(tables, ref);
  if (summary && !summary.deletedAt) await saveClusterSummary(tables, { ...summary, deletedAt: new Date(deletedAt).toISOString() });
  return { findingsClosed: keys.filter((key) => key.rowKey !== STATE_ROW_KEY && !key.rowKey.startsWith(PENDING_ROW_PREFIX)).length, summary: summary !== undefined };
}
