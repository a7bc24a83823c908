/**
 * The nightly sweep as a fan-out: the timer reads the inventory and records the sweep (how many clusters
 * it expects); each queue message evaluates one cluster and marks it done in the sweep record with its
 * share of the digest; the one that marks the last cluster done enqueues the digest, exactly once (the
 * record's ETag guards the update that picks the digest's alert id; a redelivery re-enqueues the same
 * alert id, which the outbox refuses as a duplicate).
 *
 * Errors: a transient failure (ARM throttling, 5xx, timeouts; storage) throws so that the queue retries;
 * bad input is acknowledged and reported; a message that failed every retry ends on the poison queue,
 * where it is recorded as a cluster that could not be evaluated, so that the digest still goes out.
 */
import { randomUUID } from "node:crypto";
import type { ReadError } from "../model/snapshot.js";
import { buildDigestFromParts, digestDeliveryOf, digestPartOf } from "../monitor/digest.js";
import { monitorCluster, type MonitorSettings } from "../monitor/pipeline.js";
import type { DigestAlert } from "../model/alerts.js";
import { readInventory } from "../sources/arm/inventory.js";
import type { ArmConnection } from "../sources/arm/armConnection.js";
import type { ClusterReader } from "../sources/arm/clusterReader.js";
import { fleetPostureOf, outboxEntryFor, type SweepProgress, type TableStore } from "../store/tableStore.js";
import { isValidRef, newSweepId, startOfSweep, type ParsedSweepMessage, type SweepMessage } from "./messages.js";

export class TransientSweepError extends Error {
  override readonly name = "TransientSweepError";
}

const TRANSIENT_READS: ReadonlySet<ReadError["kind"]> = new Set(["throttled", "timeout", "unavailable"]);

export interface SweepStarted {
  sweepId: string;
  messages: SweepMessage[];
  /** Subscriptions (or Resource Graph) that could not be read, and clusters whose ids are not valid. */
  problems: string[];
}

/** The timer's half: inventory, the sweep record, one message per cluster (none when the fleet is empty). */
export async function startSweep(
  deps: { store: TableStore; connection: ArmConnection; subscriptions: readonly string[]; sweepDeadlineMinutes?: number },
  now: Date,
): Promise<SweepStarted> {
  const sweepId = newSweepId(now);
  if (deps.subscriptions.length === 0) return { sweepId, messages: [], problems: ["MONITOR_SUBSCRIPTIONS is empty: nothing to sweep"] };
  const inventory = await readInventory(deps.connection, { subscriptions: deps.subscriptions });
  const problems = inventory.problems.map((p) => `${p.subscriptionId}: ${p.error.kind}: ${p.error.message}`);
  if (inventory.items.length === 0 && inventory.problems.some((p) => TRANSIENT_READS.has(p.error.kind))) {
    throw new TransientSweepError(`the inventory could not be read, to be retried: ${problems.join("; ")}`);
  }
  const seen = new Set<string>();
  const messages: SweepMessage[] = [];
  for (const { ref } of inventory.items) {
    if (!isValidRef(ref)) {
      problems.push(`skipped a cluster whose id is not valid: ${JSON.stringify(ref.id.slice(0, 200))}`);
      continue;
    }
    if (seen.has(ref.id.toLowerCase())) continue;
    seen.add(ref.id.toLowerCase());
    messages.push({ sweepId, clusterId: ref.id });
  }
  const startedAt = startOfSweep(sweepId) ?? now.toISOString();
  if (messages.length > 0) {
    const deadlineAt = deps.sweepDeadlineMinutes ? new Date(Date.parse(startedAt) + deps.sweepDeadlineMinutes * 60_000).toISOString() : undefined;
    await deps.store.startSweep({ sweepId, startedAt, expected: messages.length, clusterIds: messages.map((m) => m.clusterId), ...(deadlineAt ? { deadlineAt } : {}) });
  }
  return { sweepId, messages, problems };
}

export interface EvaluateDeps {
  store: TableStore;
  reader: Pick<ClusterReader, "read">;
  monitorSettings: MonitorSettings;
  now: () => Date;
}

export type ClusterOutcome =
  | { outcome: "evaluated"; cluster: string; changes: number; alertId?: string; digest?: DigestAlert; progress?: SweepProgress }
  | { outcome: "gone" | "unreadable"; cluster: string; reason: string; digest?: DigestAlert; progress?: SweepProgress }
  | { outcome: "unknownSweep"; cluster: string };

/** One queue message: a live read, the pipeline, the sweep record; throws on transient failures. */
export async function evaluateSweepCluster(message: ParsedSweepMessage, deps: EvaluateDeps): Promise<ClusterOutcome> {
  const { ref } = message;
  // A message of a sweep that was never recorded (or was purged) is not evaluated: nothing would count it.
  if (!(await deps.store.isSweepRecorded(message))) return { outcome: "unknownSweep", cluster: ref.id };
  const read = await deps.reader.read(ref);
  if (!read.ok) {
    const reason = `${read.error.kind}${read.error.status ? ` (${read.error.status})` : ""}: ${read.error.message}`;
    if (TRANSIENT_READS.has(read.error.kind)) throw new TransientSweepError(`reading ${ref.id} failed, to be retried: ${reason}`);
    if (read.error.kind === "notFound") {
      // Deleted since the inventory: done, without an evaluation and without being named as a failure.
      const finished = await markDone(message, deps, {});
      return finished ? { outcome: "gone", cluster: ref.id, reason: "deleted since the inventory", ...finished } : { outcome: "unknownSweep", cluster: ref.id };
    }
    const finished = await markDone(message, deps, { failure: `could not be read: ${reason}` });
    return finished ? { outcome: "unreadable", cluster: ref.id, reason, ...finished } : { outcome: "unknownSweep", cluster: ref.id };
  }
  const now = deps.now();
  const result = await monitorCluster(read.snapshot, { kind: "sweep", id: message.sweepId }, deps.store, deps.monitorSettings, now);
  await deps.store.saveSweepPart(message, digestPartOf(read.snapshot, result.evaluation));
  const finished = await markDone(message, deps, {});
  const changes = result.transitions.filter((t) => t.kind !== "unchanged" && t.kind !== "stillFailing").length;
  return {
    outcome: "evaluated",
    cluster: ref.id,
    changes,
    ...(result.alert ? { alertId: result.alert.alertId } : {}),
    ...(finished ?? {}),
  };
}

/** A message that failed every retry: recorded as a cluster that could not be evaluated. */
export async function recordPoisonMessage(
  message: ParsedSweepMessage,
  deps: Pick<EvaluateDeps, "store" | "now">,
  reason = "evaluation failed on every retry (poison queue)",
): Promise<{ digest?: DigestAlert; progress?: SweepProgress } | undefined> {
  return markDone(message, deps, { failure: reason });
}

/**
 * Marks the cluster done; when that completed the sweep (or a redelivery finds it complete), builds the
 * digest under the alert id the record holds and enqueues it (a second enqueue is a duplicate).
 * Undefined when the sweep is not recorded.
 */
async function markDone(
  message: ParsedSweepMessage,
  deps: Pick<EvaluateDeps, "store" | "now">,
  options: { failure?: string },
): Promise<{ digest?: DigestAlert; progress: SweepProgress } | undefined> {
  const mark = await deps.store.markSweepCluster(message, message.ref.id, { ...options, newAlertId: randomUUID });
  if (mark.outcome === "unknown") return undefined;
  const { progress } = mark;
  if (!progress.digestAlertId) return { progress };
  const digest = await enqueueSweepDigest(message, progress.digestAlertId, progress.failed, deps);
  return { digest, progress };
}

/**
 * Builds a sweep's digest from its parts under the alert id its record holds, records the fleet's posture
 * and enqueues it (a second enqueue of the same id is a duplicate), then notes it queued.
 */
export async function enqueueSweepDigest(
  sweep: { sweepId: string; startedAt: string },
  alertId: string,
  unevaluated: NonNullable<DigestAlert["unevaluated"]>,
  deps: Pick<EvaluateDeps, "store" | "now">,
): Promise<DigestAlert> {
  const now = deps.now();
  const parts = await deps.store.listSweepParts(sweep.sweepId);
  // What is still undelivered or dead goes into the digest, so that the next digest that gets through says so.
  const delivery = await digestDeliveryOf(deps.store);
  const digest = buildDigestFromParts(parts, now, { alertId, unevaluated, ...(delivery ? { delivery } : {}) });
  await deps.store.recordFleetPosture({ ...fleetPostureOf(digest), at: sweep.startedAt });
  await deps.store.enqueue(outboxEntryFor(digest, { now: now.toISOString() }));
  await deps.store.markDigestQueued(sweep);
  return digest;
}
