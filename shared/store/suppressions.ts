import { odata } from "@azure/data-tables";
import type { ClusterRef } from "../model/snapshot.js";
import { checkRowKey, clusterPartitionKey } from "./keys.js";
import type { Row, Tables } from "./tables.js";
import { truncateText } from "./textProperties.js";
import type { Suppression } from "./types.js";

/** The suppressions table: PK the cluster, RK the check id. */

export async function setSuppression(tables: Tables, ref: ClusterRef, suppression: Suppression): Promise<void> {
  await tables.upsert("suppressions", {
    partitionKey: clusterPartitionKey(ref),
    rowKey: checkRowKey(suppression.check),
    check: suppression.check,
    until: new Date(suppression.until).toISOString(),
    by: truncateText(suppression.by, 500),
    reason: truncateText(suppression.reason, 2_000),
    createdAt: new Date(suppression.createdAt).toISOString(),
  });
}

export async function removeSuppression(tables: Tables, ref: ClusterRef, check: string): Promise<void> {
  await tables.delete("suppressions", clusterPartitionKey(ref), checkRowKey(check));
}

/** The suppressions in force at `now`; expired ones are left out, and deleted when asked. */
export async function listSuppressions(
  tables: Tables,
  ref: ClusterRef,
  now: string,
  options: { deleteExpired?: boolean } = {},
): Promise<Suppression[]> {
  const at = new Date(now).toISOString();
  const rows = await tables.all("suppressions", { filter: odata`PartitionKey eq ${clusterPartitionKey(ref)}` });
  const expired = rows.filter((row) => String(row.until) <= at);
  if (options.deleteExpired && expired.length > 0) {
    await tables.deleteRows("suppressions", expired.map((row) => ({ partitionKey: String(row.partitionKey), rowKey: String(row.rowKey) })));
  }
  return rows.filter((row) => String(row.until) > at).map(suppressionOf);
}

export function suppressionOf(row: Row): Suppression {
  return { check: String(row.check), until: String(row.until), by: String(row.by ?? ""), reason: String(row.reason ?? ""), createdAt: String(row.createdAt) };
}
