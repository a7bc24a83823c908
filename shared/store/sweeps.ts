import { createHash } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { DigestPart } from "../model/alerts.js";
import { clusterPartitionKey, decodeKeyPart, encodeKeyPart, invertedTimestamp, joinKey, KEY_SEPARATOR } from "./keys.js";
import type { StoredRow, Tables } from "./tables.js";
import { jsonProperties, readJsonProperties } from "./textProperties.js";

/**
 * The record of one nightly sweep, in the evaluations table: PK `~sweep~<sweep id>` (no cluster partition
 * starts with `~`), RKs starting with the sweep's inverted start time so that the retention purge of
 * evaluations removes old sweeps too. Rows:
 * - the counter (expected clusters, the digest's alert id once the last cluster is done);
 * - 32 shards, each a cluster's home by a hash of its id: the done clusters' ids (to count a redelivered
 *   message once), the failures, and a count; updated with If-Match and retried on 412, so that a sweep's
 *   thousands of concurrent messages contend on 32 rows rather than one;
 * - one row per evaluated cluster with its digest part.
 * - 32 rows of the clusters the sweep expects (by the same shard), so that a sweep closed by its deadline
 *   names the clusters it never reached.
 * A mark updates its shard, then sums the shards' counts (one query, counts only); the mark that finds
 * them complete sets the digest's alert id on the counter, If-Match, so exactly one caller completes it.
 * Past `deadlineAt`, `closeOverdueSweep` sets it instead (the same If-Match), naming the clusters not
 * reached; `digestQueued` says the digest was enqueued, so that a closer that died before is redone.
 *
 * Limit: a shard keeps at most 480,000 characters of ids, about 3,000 clusters: some 90,000 per sweep.
 */

export interface SweepStart {
  sweepId: string;
  startedAt: string;
  expected: number;
  /** The clusters it expects (named in the digest when the deadline closes the sweep before them). */
  clusterIds?: readonly string[];
  /** When the sweep is to send its digest, reached or not (SWEEP_DEADLINE_MINUTES after the start). */
  deadlineAt?: string;
}

/** A sweep past its deadline whose digest was not enqueued yet (`digestAlertId` set by whoever closed it). */
export interface OverdueSweep {
  sweepId: string;
  startedAt: string;
  deadlineAt: string;
}

/** What closing an overdue sweep found: the digest's alert id and the clusters never marked done. */
export interface ClosedSweep {
  progress: SweepProgress;
  /** True when the deadline closed it (not every cluster was marked done). */
  byDeadline: boolean;
  notReached: string[];
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
const SHARDS = 32;
const MAX_ATTEMPTS = 50;

function partitionOf(sweepId: string): string {
  return `${KEY_SEPARATOR}sweep${KEY_SEPARATOR}${encodeKeyPart(sweepId)}`;
}

function counterRowKey(startedAt: string): string {
  return joinKey([invertedTimestamp(startedAt), COUNTER]);
}

function shardRowKey(startedAt: string, shard: number): string {
  return `${invertedTimestamp(startedAt)}${KEY_SEPARATOR}s${KEY_SEPARATOR}${String(shard).padStart(2, "0")}`;
}

function shardOf(key: string): number {
  return createHash("sha256").update(key).digest()[0]! % SHARDS;
}

function expectedRowKey(startedAt: string, shard: number): string {
  return `${invertedTimestamp(startedAt)}${KEY_SEPARATOR}e${KEY_SEPARATOR}${String(shard).padStart(2, "0")}`;
}

function partRowKey(startedAt: string, clusterKey: string): string {
  return `${invertedTimestamp(startedAt)}${KEY_SEPARATOR}c${KEY_SEPARATOR}${clusterPartitionKey(clusterKey)}`;
}

/** Records a new sweep (idempotent: a sweep recorded already is left as it is). */
export async function startSweep(tables: Tables, start: SweepStart): Promise<void> {
  if (start.clusterIds && start.clusterIds.length > 0) {
    // Written before the counter: a sweep whose counter exists always has its expected clusters.
    const byShard = new Map<number, string[]>();
    for (const id of start.clusterIds) {
      const shard = shardOf(id.toLowerCase());
      byShard.set(shard, [...(byShard.get(shard) ?? []), id]);
    }
    await tables.transaction(
      "evaluations",
      [...byShard].map(([shard, ids]) => [
        "upsert",
        { partitionKey: partitionOf(start.sweepId), rowKey: expectedRowKey(start.startedAt, shard), ...jsonProperties("expectedIds", ids) },
        "Replace",
      ]),
    );
  }
  await tables.insert("evaluations", {
    partitionKey: partitionOf(start.sweepId),
    rowKey: counterRowKey(start.startedAt),
    startedAt: new Date(start.startedAt).toISOString(),
    expected: start.expected,
    digestAlertId: "",
    ...(start.deadlineAt ? { deadlineAt: new Date(start.deadlineAt), digestQueued: false } : {}),
  });
}

/** Sweeps past their deadline whose digest is not enqueued yet (one query over the sweeps' counters). */
export async function listOverdueSweeps(tables: Tables, now: Date): Promise<OverdueSweep[]> {
  const first = `${KEY_SEPARATOR}sweep${KEY_SEPARATOR}`;
  const rows = await tables.all("evaluations", {
    filter: odata`PartitionKey ge ${first} and PartitionKey lt ${`${first}${KEY_SEPARATOR}`} and digestQueued eq false and deadlineAt le ${now}`,
  });
  return rows
    .filter((row) => String(row.rowKey).endsWith(`${KEY_SEPARATOR}${COUNTER}`))
    .map((row) => ({
      sweepId: decodeSweepId(String(row.partitionKey)),
      startedAt: String(row.startedAt),
      deadlineAt: row.deadlineAt instanceof Date ? row.deadlineAt.toISOString() : String(row.deadlineAt),
    }));
}

/**
 * Sets the digest's alert id of an overdue sweep unless a mark (or another closer) did: exactly one caller
 * picks the id, and every caller gets it, with the clusters that were never marked done.
 */
export async function closeOverdueSweep(tables: Tables, sweep: { sweepId: string; startedAt: string }, newAlertId: () => string): Promise<ClosedSweep | undefined> {
  const progress = await getSweep(tables, sweep);
  if (!progress) return undefined;
  const digest = progress.digestAlertId ? { id: progress.digestAlertId } : await completeOnce(tables, sweep, newAlertId);
  const done = new Set((await shardRows(tables, sweep, undefined)).flatMap((row) => readJsonProperties(row, "doneKeys") as string[]));
  const expected = (
    await tables.all("evaluations", {
      filter: odata`PartitionKey eq ${partitionOf(sweep.sweepId)} and RowKey ge ${expectedRowKey(sweep.startedAt, 0)} and RowKey le ${expectedRowKey(sweep.startedAt, SHARDS - 1)}`,
    })
  ).flatMap((row) => readJsonProperties(row, "expectedIds") as string[]);
  const notReached = expected.filter((id) => !done.has(id.toLowerCase())).sort();
  return { progress: { ...progress, digestAlertId: digest.id }, byDeadline: progress.done < progress.expected, notReached };
}

/** Notes that the sweep's digest was enqueued (the deadline timer then leaves the sweep alone). */
export async function markDigestQueued(tables: Tables, sweep: { sweepId: string; startedAt: string }): Promise<void> {
  const row = await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt));
  if (!row || row.digestQueued !== false) return;
  await tables.replaceIfMatch("evaluations", { partitionKey: partitionOf(sweep.sweepId), rowKey: counterRowKey(sweep.startedAt), digestQueued: true }, "*", "Merge");
}

function decodeSweepId(partitionKey: string): string {
  return decodeKeyPart(partitionKey.slice(`${KEY_SEPARATOR}sweep${KEY_SEPARATOR}`.length));
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
 * Marks a cluster done (with the reason when it could not be evaluated); the call that finds the sweep
 * complete sets `digestAlertId` (`newAlertId()`), so exactly one caller sees `marked` with it. A cluster
 * marked before answers `alreadyDone`, with the digest's id once the sweep is complete (a redelivery after
 * a crash then enqueues the digest again, under the same id).
 */
export async function markSweepCluster(
  tables: Tables,
  sweep: { sweepId: string; startedAt: string },
  clusterId: string,
  options: { failure?: string; newAlertId: () => string },
): Promise<SweepMark> {
  const counter = await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt));
  if (!counter) return { outcome: "unknown" };
  const key = clusterId.toLowerCase();
  const outcome = await markInShard(tables, sweep, key, clusterId, options.failure);
  const done = await doneCount(tables, sweep);
  const expected = Number(counter.expected ?? 0);
  const progress: SweepProgress = { sweepId: sweep.sweepId, startedAt: String(counter.startedAt), expected, done, failed: [] };
  if (done < expected) return { outcome, progress };
  const digest = await completeOnce(tables, sweep, options.newAlertId);
  progress.failed = await failures(tables, sweep);
  if (outcome === "marked" && !digest.set) return { outcome, progress };
  return { outcome, progress: { ...progress, digestAlertId: digest.id } };
}

async function markInShard(
  tables: Tables,
  sweep: { sweepId: string; startedAt: string },
  key: string,
  clusterId: string,
  failure: string | undefined,
): Promise<"marked" | "alreadyDone"> {
  const partitionKey = partitionOf(sweep.sweepId);
  const rowKey = shardRowKey(sweep.startedAt, shardOf(key));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = await tables.get("evaluations", partitionKey, rowKey);
    const doneKeys = row ? (readJsonProperties(row, "doneKeys") as string[]) : [];
    const failed = row ? (readJsonProperties(row, "failed") as SweepFailure[]) : [];
    if (doneKeys.includes(key)) return "alreadyDone";
    doneKeys.push(key);
    if (failure !== undefined) failed.push({ clusterId, reason: failure });
    const entity = { partitionKey, rowKey, done: doneKeys.length, ...jsonProperties("doneKeys", doneKeys), ...jsonProperties("failed", failed) };
    const written = row ? await tables.replaceIfMatch("evaluations", entity, row.etag) : await tables.insert("evaluations", entity);
    if (written) return "marked";
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
  }
  throw new Error(`sweep ${sweep.sweepId}: ${MAX_ATTEMPTS} concurrent updates in a row won; to be retried`);
}

/** The shards' rows (all of them, or only the named properties). */
function shardRows(tables: Tables, sweep: { sweepId: string; startedAt: string }, select?: string[]): Promise<StoredRow[]> {
  const first = shardRowKey(sweep.startedAt, 0);
  const last = shardRowKey(sweep.startedAt, SHARDS - 1);
  return tables.all("evaluations", {
    filter: odata`PartitionKey eq ${partitionOf(sweep.sweepId)} and RowKey ge ${first} and RowKey le ${last}`,
    ...(select ? { select } : {}),
  });
}

async function doneCount(tables: Tables, sweep: { sweepId: string; startedAt: string }): Promise<number> {
  return (await shardRows(tables, sweep, ["done"])).reduce((sum, row) => sum + Number(row.done ?? 0), 0);
}

async function failures(tables: Tables, sweep: { sweepId: string; startedAt: string }): Promise<SweepFailure[]> {
  return (await shardRows(tables, sweep)).flatMap((row) => readJsonProperties(row, "failed") as SweepFailure[]);
}

/** Sets the digest's alert id on the counter unless it is set; says whether this call set it. */
async function completeOnce(tables: Tables, sweep: { sweepId: string; startedAt: string }, newAlertId: () => string): Promise<{ id: string; set: boolean }> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const row = await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt));
    if (!row) throw new Error(`sweep ${sweep.sweepId}: the record disappeared`);
    if (typeof row.digestAlertId === "string" && row.digestAlertId !== "") return { id: row.digestAlertId, set: false };
    const id = newAlertId();
    const updated = { partitionKey: partitionOf(sweep.sweepId), rowKey: counterRowKey(sweep.startedAt), digestAlertId: id };
    if (await tables.replaceIfMatch("evaluations", updated, row.etag, "Merge")) return { id, set: true };
  }
  throw new Error(`sweep ${sweep.sweepId}: ${MAX_ATTEMPTS} concurrent updates in a row won; to be retried`);
}

/** Whether the sweep was recorded (one read: the counter). */
export async function isSweepRecorded(tables: Tables, sweep: { sweepId: string; startedAt: string }): Promise<boolean> {
  return (await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt))) !== undefined;
}

/** The sweep's progress with every failure (reads every shard). */
export async function getSweep(tables: Tables, sweep: { sweepId: string; startedAt: string }): Promise<SweepProgress | undefined> {
  const row = await tables.get("evaluations", partitionOf(sweep.sweepId), counterRowKey(sweep.startedAt));
  if (!row) return undefined;
  const shards = await shardRows(tables, sweep);
  const digestAlertId = typeof row.digestAlertId === "string" && row.digestAlertId !== "" ? row.digestAlertId : undefined;
  return {
    sweepId: sweep.sweepId,
    startedAt: String(row.startedAt),
    expected: Number(row.expected ?? 0),
    done: shards.reduce((sum, shard) => sum + Number(shard.done ?? 0), 0),
    failed: shards.flatMap((shard) => readJsonProperties(shard, "failed") as SweepFailure[]),
    ...(digestAlertId ? { digestAlertId } : {}),
  };
}

/** The digest parts stored for a sweep. */
export async function listSweepParts(tables: Tables, sweepId: string): Promise<DigestPart[]> {
  const rows: StoredRow[] = await tables.all("evaluations", { filter: odata`PartitionKey eq ${partitionOf(sweepId)}` });
  return rows.filter((row) => typeof row.clusterId === "string").map((row) => readJsonProperties(row, "part") as DigestPart);
}
