import { odata } from "@azure/data-tables";
import type { DigestPart } from "../monitor/digest.js";
import { clusterPartitionKey, encodeKeyPart, invertedTimestamp, joinKey, KEY_SEPARATOR } from "./keys.js";
import type { Row, StoredRow, Tables } from "./tables.js";
import { jsonProperties, readJsonProperties } from "./textProperties.js";

/**
 * The record of one nightly sweep, in the evaluations table: PK `~sweep~<sweep id>` (no cluster partition
 * starts with `~`), RKs starting with the sweep's inverted start time so that the retention purge of
 * evaluations removes old sweeps too. One counter row (expected, the clusters done, those that failed,
 * the digest's alert id once the last cluster is done), updated with If-Match and retried on 412; one
 * row per evaluated cluster with its digest part.
 *
 * Limit: the counter row keeps the done clusters' ids (to count a redelivered message once), at most
 * 480,000 characters of JSON: about 3,000 clusters per sweep.
 */

export interface SweepStart {
  sweepId: string;
  startedAt: string;
  expected: number;
}

export interface SweepFailure {
  clusterId: string;
  reason: string;
}

export interface SweepProgress {
  sweepId: string;
  startedAt: string;
  expected: number;
  done: number;
  failed: SweepFailure[];
  /** Set by the one update that marked the last cluster done: the digest's alert id. */
  digestAlertId?: string;
}

/** What marking a cluster done did: `unknown` when no such sweep was recorded. */
export type SweepMark = { outcome: "unknown" } | { outcome: "marked" | "alreadyDone"; progress: SweepProgress };

const COUNTER = "sweep";
const MAX_ATTEMPTS = 50;

function partitionOf(sweepId: string): string {
  return `${KEY_SEPARATOR}sweep${KEY_SEPARATOR}${encodeKeyPart(sweepId)}`;
}

function counterRowKey(startedAt: string): string {
  return joinKey([invertedTimestamp(startedAt), COUNTER]);
}

function partRowKey(startedAt: string, clusterKey: string): string {
  return `${invertedTimestamp(startedAt)}${KEY_SEPARATOR}c${KEY_SEPARATOR}${clusterPartitionKey(clusterKey)}`;
}

/** Records a new sweep (idempotent: a sweep recorded already is left as it is). */
export async function startSweep(tables: Tables, start: SweepStart): Promise<void> {
  await tables.insert("evaluations", {
    partitionKey: partitionOf(start.sweepId),
    rowKey: counterRowKey(start.startedAt),
    startedAt: new Date(start.startedAt).toISOString(),
    expected: start.expected,
    ...jsonProperties("doneKeys", []),
    ...jsonProperties("failed", []),
    digestAlertId: "",
  });
}

/** Stores a cluster's digest part (idempotent). */
export async function saveSweepPart(tables: Tables, sweep: { sweepId: string; startedAt: string }, part: DigestPart): Promise<void> {
  await tables.upsert("evaluations", {
    partitionKey: partitionOf(sweep.sweepId),
    rowKey: partRowKey(sweep.startedAt, part.cluster.id),
    clusterId: part.cluster.id,
    ...jsonProperties("part", part),
  });
}

/**
 * Marks a cluster done (with the reason when it could not be evaluated); the update that completes the
 * sweep sets `digestAlertId` (`newAlertId()`), so exactly one caller sees `marked` with a complete count.
 */
export async function markSweepCluster(
  tables: Tables,
  sweep: { sweepId: string; startedAt: string },
  clusterId: string,
  options: { failure?: string; newAlertId: () => string },
): Promise<SweepMark> {
  const key = clusterId.toLowerCase();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt));
    if (!row) return { outcome: "unknown" };
    const doneKeys = readJsonProperties(row, "doneKeys") as string[];
    const failed = readJsonProperties(row, "failed") as SweepFailure[];
    if (doneKeys.includes(key)) return { outcome: "alreadyDone", progress: progressOf(sweep.sweepId, row) };
    doneKeys.push(key);
    if (options.failure !== undefined) failed.push({ clusterId, reason: options.failure });
    const expected = Number(row.expected ?? 0);
    const complete = doneKeys.length >= expected && !row.digestAlertId;
    const updated = {
      partitionKey: partitionOf(sweep.sweepId),
      rowKey: counterRowKey(sweep.startedAt),
      startedAt: row.startedAt,
      expected,
      ...jsonProperties("doneKeys", doneKeys),
      ...jsonProperties("failed", failed),
      digestAlertId: complete ? options.newAlertId() : String(row.digestAlertId ?? ""),
    };
    if (!row.etag) throw new Error(`sweep ${sweep.sweepId}: the record was read without an ETag`);
    const written = await tables.replaceIfMatch("evaluations", updated, row.etag);
    if (written) return { outcome: "marked", progress: progressOf(sweep.sweepId, updated) };
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
  }
  throw new Error(`sweep ${sweep.sweepId}: ${MAX_ATTEMPTS} concurrent updates in a row won; to be retried`);
}

export async function getSweep(tables: Tables, sweep: { sweepId: string; startedAt: string }): Promise<SweepProgress | undefined> {
  const row = await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt));
  return row ? progressOf(sweep.sweepId, row) : undefined;
}

/** The digest parts stored for a sweep. */
export async function listSweepParts(tables: Tables, sweepId: string): Promise<DigestPart[]> {
  const rows: StoredRow[] = await tables.all("evaluations", { filter: odata`PartitionKey eq ${partitionOf(sweepId)}` });
  return rows.filter((row) => typeof row.clusterId === "string").map((row) => readJsonProperties(row, "part") as DigestPart);
}

function progressOf(sweepId: string, row: Row): SweepProgress {
  const digestAlertId = typeof row.digestAlertId === "string" && row.digestAlertId !== "" ? row.digestAlertId : undefined;
  return {
    sweepId,
    startedAt: String(row.startedAt),
    expected: Number(row.expected ?? 0),
    done: (readJsonProperties(row, "doneKeys") as string[]).length,
    failed: readJsonProperties(row, "failed") as SweepFailure[],
    ...(digestAlertId ? { digestAlertId } : {}),
  };
}
