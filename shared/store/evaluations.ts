import { randomUUID } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { Summary } from "../baseline/types.js";
import type { ClusterRef } from "../model/snapshot.js";
import type { Actor, Trigger } from "../model/alerts.js";
import { clusterPartitionKey, encodeKeyPart, invertedTimestamp, KEY_SEPARATOR } from "./keys.js";
import type { Row, StoredRow, Tables } from "./tables.js";
import { defined, jsonProperties, optionalString, readJsonProperties, truncateText } from "./textProperties.js";
import type { EvaluationChange, EvaluationRecord } from "./types.js";

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
      ...(record.changes && record.changes.length > 0 ? jsonProperties("changes", record.changes.slice(0, MAX_CHANGES).map(smallChange)) : {}),
      ...(record.actor ? jsonProperties("actor", record.actor) : {}),
    }) as Row & { partitionKey: string; rowKey: string },
  );
}

/** A change history row stays small: at most 80 checks, 5 settings each, values cut to 200 characters. */
const MAX_CHANGES = 80;
const MAX_SETTINGS = 5;
const MAX_VALUE = 200;

function smallChange(change: EvaluationChange): EvaluationChange {
  const value = (v: unknown) => {
    const text = typeof v === "string" ? v : JSON.stringify(v);
    return text === undefined ? v : text.length > MAX_VALUE ? truncateText(text, MAX_VALUE) : v;
  };
  return {
    ...change,
    title: truncateText(change.title, 300),
    settings: change.settings.slice(0, MAX_SETTINGS).map((s) => ({ path: truncateText(s.path, 300), before: value(s.before), after: value(s.after) })),
  };
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

export function evaluationOf(row: Row): EvaluationRecord {
  const count = (name: keyof Summary) => Number(row[name] ?? 0);
  return defined({
    at: String(row.at),
    trigger: row.trigger as Trigger["kind"],
    triggerId: optionalString(row, "triggerId"),
    summary: { pass: count("pass"), fail: count("fail"), error: count("error"), notApplicable: count("notApplicable"), exempt: count("exempt") },
    durationMs: Number(row.durationMs ?? 0),
    transitions: Number(row.transitions ?? 0),
    alertId: optionalString(row, "alertId"),
    changes: typeof row.changes === "string" ? (readJsonProperties(row, "changes") as EvaluationChange[]) : undefined,
    actor: typeof row.actor === "string" ? (readJsonProperties(row, "actor") as Actor) : undefined,
  }) as unknown as EvaluationRecord;
}
