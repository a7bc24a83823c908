import { odata } from "@azure/data-tables";
import type { ClusterRef } from "../model/snapshot.js";
import { evaluationOf } from "./evaluations.js";
import { findingOf } from "./findingRows.js";
import { clusterPartitionKey, PENDING_ROW_PREFIX, STATE_ROW_KEY } from "./keys.js";
import { suppressionOf } from "./suppressions.js";
import type { StoredRow, Tables } from "./tables.js";
import type { EvaluationRecord, FindingRecord, Suppression } from "./types.js";

/**
 * Whole-fleet reads for the dashboard: one filtered query per table instead of one per cluster (a
 * partition query per cluster costs a table scan each on Azurite, and thousands of round trips anywhere).
 * Each answers a map from `fleetKey(cluster)` to that cluster's rows.
 */

/** The key of a cluster in the maps these reads answer. */
export function fleetKey(ref: ClusterRef): string {
  return clusterPartitionKey(ref);
}

/** Every finding whose last verdict is a failure or an error. */
export async function listFailingFindings(tables: Tables): Promise<Map<string, FindingRecord[]>> {
  const rows = await tables.all("findings", { filter: odata`lastStatus eq ${"fail"} or lastStatus eq ${"error"}` });
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
