import { randomUUID } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { Summary } from "../baseline/types.js";
import type { ClusterRef } from "../model/snapshot.js";
import type { Trigger } from "../monitor/types.js";
import { clusterPartitionKey, encodeKeyPart, invertedTimestamp, KEY_SEPARATOR } from "./keys.js";
import type { Row, StoredRow, Tables } from "./tables.js";
import { defined, optionalString, truncateText } from "./textProperties.js";
import type { EvaluationRecord } from "./types.js";

/**
 * The evaluations table: PK the cluster, RK `<inverted timestamp>~<trigger id or random>`, so that a
 * partition reads newest first and recording the same evaluation twice writes one row.
 */

export async function recordEvaluation(tables: Tables, ref: ClusterRef, record: EvaluationRecord): Promise<void> {
  const suffix = encodeKeyPart(truncateText(record.triggerId ?? randomUUID(), 64));
  await tables.upsert(
    "evaluations",
    defined({
      partitionKey: clusterPartitionKey(ref),
      rowKey: `${invertedTimestamp(record.at)}${KEY_SEPARATOR}${suffix}`,
      at: new Date(record.at).toISOString(),
      trigger: record.trigger,
      triggerId: record.triggerId,
      ...record.summary,
      durationMs: Math.round(record.durationMs),
      transitions: record.transitions,
      alertId: record.alertId,
    }) as Row & { partitionKey: string; rowKey: string },
  );
}

/** The newest evaluations of a cluster, newest first. */
export async function listEvaluations(tables: Tables, ref: ClusterRef, options: { limit?: number } = {}): Promise<EvaluationRecord[]> {
  const limit = options.limit ?? 50;
  if (limit <= 0) return [];
  const filter = odata`PartitionKey eq ${clusterPartitionKey(ref)}`;
  const rows: StoredRow[] = [];
  let continuation: string | undefined;
  do {
    const page = await tables.page("evaluations", { filter }, { size: Math.min(1000, limit - rows.length), ...(continuation ? { continuation } : {}) });
    rows.push(...page.rows);
    continuation = page.continuation;
  } while (continuation && rows.length < limit);
  return rows.slice(0, limit).map(evaluationOf);
}

function evaluationOf(row: Row): EvaluationRecord {
  const count = (name: keyof Summary) => Number(row[name] ?? 0);
  return defined({
    at: String(row.at),
    trigger: row.trigger as Trigger["kind"],
    triggerId: optionalString(row, "triggerId"),
    summary: { pass: count("pass"), fail: count("fail"), error: count("error"), notApplicable: count("notApplicable"), exempt: count("exempt") },
    durationMs: Number(row.durationMs ?? 0),
    transitions: Number(row.transitions ?? 0),
    alertId: optionalString(row, "alertId"),
  }) as unknown as EvaluationRecord;
}
