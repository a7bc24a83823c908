import { odata } from "@azure/data-tables";
import type { ClusterRef } from "../model/snapshot.js";
import { evaluationOf } from "./evaluations.js";
import { findingOf } from "./findingRows.js";
import { mapBounded } from "../mapBounded.js";
import { clusterPartitionKey, KEY_SEPARATOR, PENDING_ROW_PREFIX, STATE_ROW_KEY, subscriptionPartitionKey } from "./keys.js";
import { suppressionOf } from "./suppressions.js";
import type { StoredRow, Tables } from "./tables.js";
import type { EvaluationRecord, FindingRecord, Suppression } from "./types.js";

/**
 * Whole-fleet reads for the dashboard: one filtered query per table instead of one per cluster (a
 * partition query per cluster costs a table scan each on Azurite, and thousands of round trips anywhere).
 * Each answers a map from `fleetKey(cluster)` to that cluster's rows.
 */

const RANGES_AT_ONCE = 8;

/** The key of a cluster in the maps these reads answer. */
export function fleetKey(ref: ClusterRef): string {
  return clusterPartitionKey(ref);
}

/**
 * Every finding of these subscriptions' clusters whose last verdict is a failure or an error: one
 * partition-key range per subscription (a cluster's partition key starts with its subscription), a few
 * at a time, so that a large fleet's pages come in parallel rather than one after the other.
 */
export async function listFailingFindings(tables: Tables, subscriptionIds: readonly string[]): Promise<Map<string, FindingRecord[]>> {
  const ranges = [...new Set(subscriptionIds.map((id) => subscriptionPartitionKey(id)))];
  const rows = (
    await mapBounded(ranges, RANGES_AT_ONCE, (subscription) =>
      tables.all("findings", {
        // Encoded key parts hold no character above `~`: every key of the subscription sorts below `<sub>~~`.
        filter: odata`PartitionKey gt ${subscription + KEY_SEPARATOR} and PartitionKey lt ${subscription + KEY_SEPARATOR + KEY_SEPARATOR} and (lastStatus eq ${"fail"} or lastStatus eq ${"error"})`,
      }),
    )
  ).flat();
  return grouped(
    rows.filter((row) => row.rowKey !== STATE_ROW_KEY && !String(row.rowKey).startsWith(PENDING_ROW_PREFIX)),
    findingOf,
  );
}

/** Every suppression in force at `now`. */
export async function listActiveSuppressions(tables: Tables, now: string): Promise<Map<string, Suppression[]>> {
  const rows = await tables.all("suppressions", { filter: odata`until gt ${new Date(now).toISOString()}` });
  return grouped(rows, suppressionOf);
}

/** Every evaluation since `since` that changed something, newest first per cluster. */
export async function listChangingEvaluations(tables: Tables, since: string): Promise<Map<string, EvaluationRecord[]>> {
  const rows = await tables.all("evaluations", { filter: odata`transitions gt ${0} and at ge ${new Date(since).toISOString()}` });
  const byCluster = grouped(rows, evaluationOf);
  for (const records of byCluster.values()) records.sort((a, b) => b.at.localeCompare(a.at));
  return byCluster;
}

function grouped<T>(rows: readonly StoredRow[], read: (row: StoredRow) => T): Map<string, T[]> {
  const byPartition = new Map<string, T[]>();
  for (const row of rows) {
    const key = String(row.partitionKey);
    const list = byPartition.get(key) ?? [];
    list.push(read(row));
    byPartition.set(key, list);
  }
  return byPartition;
}
