/**
 * What an Event Grid event does to the monitor. Deduplicated by event id first (Event Grid delivers at
 * least once); then:
 * - aksSignal: the cluster is read live and evaluated; NodePoolRollingFailed, ClusterSupportEnding and
 *   ClusterSupportEnded also put a lifecycle card in the outbox;
 * - resourceWrite (and the delete of an agent pool): read live and evaluated, with who made the change;
 * - arnUpsert: the resource in the event is evaluated without reading the cluster from ARM;
 * - resourceDelete / arnDelete of the cluster: its findings are closed as deleted, without a card;
 * - scheduledMaintenance Failed: a maintenanceFailed card; other statuses are acknowledged;
 * - unknown: acknowledged, nothing written.
 *
 * Out of order delivery: write events and AKS events carry no state, only "something changed"; each one
 * triggers a fresh live read, so an older event processed after a newer one evaluates the cluster as it
 * is now, never as it was: at worst a redundant evaluation that finds nothing new. The ARN upsert is the
 * one event whose body is evaluated; it is skipped when the cluster was evaluated (or deleted) after the
 * time of that body, so an older body cannot overwrite a newer verdict.
 *
 * Failures: a transient one (storage, ARM throttling, 5xx, timeouts) throws, after forgetting the event
 * so that Event Grid's retry is processed; input that can never succeed returns an outcome that says why
 * (acknowledged, never retried).
 */
import { createHash } from "node:crypto";
import type { ManagedCluster } from "@azure/arm-containerservice";
import { clusterKey } from "../model/clusterRef.js";
import type { ClusterRef, ClusterSnapshot, ReadError } from "../model/snapshot.js";
import { monitorCluster, type MonitorSettings, type MonitorStore } from "../monitor/pipeline.js";
import type { Actor, LifecycleAlert, Trigger } from "../monitor/types.js";
import type { ClusterRead } from "../sources/arm/clusterReader.js";
import { managedClusterFromRest, withoutNulls } from "../sources/sdkModel.js";
import { outboxEntryFor } from "../store/outbox.js";
import type { ClusterSummaryRecord, EventRecord, OutboxEntry } from "../store/types.js";
import { PermanentEventError, type AksSignal, type ClusterEvent } from "./types.js";

/** What the handler needs of the store (TableStore implements it). */
export interface EventStore extends MonitorStore {
  recordEvent(record: EventRecord, now?: string): Promise<"new" | "duplicate">;
  forgetEvent(record: Pick<EventRecord, "id" | "time" | "clusterKey">): Promise<void>;
  closeDeletedCluster(ref: ClusterRef, deletedAt: string): Promise<{ findingsClosed: number; summary: boolean }>;
  getClusterSummary(ref: ClusterRef): Promise<ClusterSummaryRecord | undefined>;
  enqueue(entry: OutboxEntry): Promise<"enqueued" | "duplicate">;
}

/** What the handler needs of the ARM reader (ClusterReader implements it). */
export interface EventReader {
  read(ref: ClusterRef): Promise<ClusterRead>;
  complete(ref: ClusterRef, cluster: ManagedCluster, source?: ClusterSnapshot["source"]): Promise<ClusterSnapshot>;
}

export interface EventDeps {
  store: EventStore;
  reader: EventReader;
  monitorSettings: MonitorSettings;
  now?: () => Date;
}

export type EventOutcome =
  | { outcome: "duplicate"; eventId: string }
  | { outcome: "rejected"; eventId?: string; reason: string }
  | { outcome: "ignored"; eventId: string; reason: string }
  | {
      outcome: "evaluated";
      eventId: string;
      cluster: string;
      /** The drift card of this evaluation, if any. */
      alertId?: string;
      /** The lifecycle card, if the event is one that has one. */
      lifecycleAlertId?: string;
      changes: number;
    }
  | { outcome: "closed"; eventId: string; cluster: string; findingsClosed: number }
  | { outcome: "alerted"; eventId: string; clusters: string[]; lifecycleAlertIds: string[] }
  /** The cluster could not be read for a reason a retry will not fix (gone, forbidden): acknowledged. */
  | { outcome: "unreadable"; eventId: string; cluster: string; reason: string };

/** A failure Event Grid should retry: thrown, never returned. */
export class TransientEventError extends Error {
  override readonly name = "TransientEventError";
}

const LIFECYCLE: Partial<Record<AksSignal, LifecycleAlert["kind"]>> = {
  NodePoolRollingFailed: "nodePoolUpgradeFailed",
  ClusterSupportEnding: "supportEnding",
  ClusterSupportEnded: "supportEnded",
};

const TRANSIENT_READS: ReadonlySet<ReadError["kind"]> = new Set(["throttled", "timeout", "unavailable"]);

/**
 * `deps` may be given as a function: it is then called only for an event that needs them (a rejected or
 * unknown event is acknowledged without touching settings, storage or ARM).
 */
export async function handleClusterEvent(
  event: ClusterEvent | PermanentEventError,
  dependencies: EventDeps | (() => Promise<EventDeps>),
): Promise<EventOutcome> {
  if (event instanceof PermanentEventError) {
    return { outcome: "rejected", ...(event.eventId ? { eventId: event.eventId } : {}), reason: event.message };
  }
  if (event.kind === "unknown") return { outcome: "ignored", eventId: event.id, reason: `event type ${event.type} is not one aksmon handles` };

  const deps = typeof dependencies === "function" ? await dependencies() : dependencies;
  const now = (deps.now ?? (() => new Date()))();
  const record = recordOf(event, now);
  if ((await deps.store.recordEvent(record, now.toISOString())) === "duplicate") return { outcome: "duplicate", eventId: event.id };
  try {
    return await process(event, deps, now);
  } catch (error) {
    // Let the redelivery be processed; if even this fails, the nightly sweep catches the change up.
    await deps.store.forgetEvent(record).catch(() => undefined);
    throw error;
  }
}

async function process(event: Exclude<ClusterEvent, { kind: "unknown" }>, deps: EventDeps, now: Date): Promise<EventOutcome> {
  const at = event.time ?? now.toISOString();
  switch (event.kind) {
    case "aksSignal": {
      const result = await evaluateLive(event.cluster, { kind: "event", id: event.id }, deps, now);
      if (result.outcome !== "evaluated") return result;
      const kind = LIFECYCLE[event.signal];
      if (!kind) return result;
      const alert = lifecycleAlert(kind, event.id, event.cluster, at, event.details);
      await deps.store.enqueue(outboxEntryFor(alert, { now: now.toISOString() }));
      return { ...result, lifecycleAlertId: alert.alertId };
    }
    case "resourceWrite":
      return evaluateLive(event.cluster, triggerOf(event.id, event.actor, event.resourceId, at), deps, now);
    case "resourceDelete":
      if (event.target === "agentPool") return evaluateLive(event.cluster, triggerOf(event.id, event.actor, event.resourceId, at), deps, now);
      return close(event.id, event.cluster, at, deps);
    case "arnDelete":
      return close(event.id, event.cluster, at, deps);
    case "arnUpsert":
      return evaluateBody(event, deps, now);
    case "scheduledMaintenance": {
      if (event.status !== "Failed") return { outcome: "ignored", eventId: event.id, reason: `maintenance ${event.status.toLowerCase()}: nothing to alert` };
      const ids: string[] = [];
      for (const cluster of event.clusters) {
        const alert = lifecycleAlert("maintenanceFailed", event.id, cluster, at, { ...event.details, eventStatus: event.status });
        await deps.store.enqueue(outboxEntryFor(alert, { now: now.toISOString() }));
        ids.push(alert.alertId);
      }
      return { outcome: "alerted", eventId: event.id, clusters: event.clusters.map((c) => c.id), lifecycleAlertIds: ids };
    }
  }
}

/** Reads the cluster now and runs it through the pipeline; a read failure that a retry may fix throws. */
async function evaluateLive(ref: ClusterRef, trigger: Trigger & { id: string }, deps: EventDeps, now: Date): Promise<EventOutcome> {
  const read = await deps.reader.read(ref);
  if (!read.ok) {
    const reason = `${read.error.kind}${read.error.status ? ` (${read.error.status})` : ""}: ${read.error.message}`;
    if (TRANSIENT_READS.has(read.error.kind)) throw new TransientEventError(`reading ${ref.id} failed, to be retried: ${reason}`);
    return { outcome: "unreadable", eventId: trigger.id, cluster: ref.id, reason };
  }
  return evaluated(trigger.id, read.snapshot, trigger, deps, now);
}

/** The ARN body, evaluated as it is (no cluster GET); the extras around it are read, or left out if that fails. */
async function evaluateBody(event: Extract<ClusterEvent, { kind: "arnUpsert" }>, deps: EventDeps, now: Date): Promise<EventOutcome> {
  const summary = await deps.store.getClusterSummary(event.cluster);
  const bodyTime = Date.parse(bodyTimeOf(event) ?? event.time ?? "");
  const newer = [summary?.lastEvaluatedAt, summary?.deletedAt].map((t) => Date.parse(t ?? "")).filter(Number.isFinite);
  if (Number.isFinite(bodyTime) && newer.some((t) => t > bodyTime)) {
    return { outcome: "ignored", eventId: event.id, reason: "the cluster was evaluated (or deleted) after this resource body was sent" };
  }
  let cluster: ManagedCluster;
  try {
    cluster = withoutNulls(await managedClusterFromRest({ ...event.resource, id: event.cluster.id }));
  } catch (error) {
    return { outcome: "rejected", eventId: event.id, reason: `the resource body is not a managed cluster: ${firstLine(error)}` };
  }
  let snapshot: ClusterSnapshot;
  try {
    snapshot = await deps.reader.complete(event.cluster, cluster, "event");
  } catch {
    snapshot = { ref: event.cluster, cluster, agentPools: [], extras: {}, source: "event", origin: `event ${event.id}`, readAt: now.toISOString() };
  }
  return evaluated(event.id, snapshot, { kind: "event", id: event.id }, deps, now);
}

async function evaluated(eventId: string, snapshot: ClusterSnapshot, trigger: Trigger, deps: EventDeps, now: Date): Promise<EventOutcome> {
  const result = await monitorCluster(snapshot, trigger, deps.store, deps.monitorSettings, now);
  const changes = result.transitions.filter((t) => t.kind === "newFailure" || t.kind === "regressed" || t.kind === "resolved").length;
  return { outcome: "evaluated", eventId, cluster: snapshot.ref.id, ...(result.alert ? { alertId: result.alert.alertId } : {}), changes };
}

async function close(eventId: string, ref: ClusterRef, at: string, deps: EventDeps): Promise<EventOutcome> {
  const { findingsClosed } = await deps.store.closeDeletedCluster(ref, at);
  return { outcome: "closed", eventId, cluster: ref.id, findingsClosed };
}

function triggerOf(id: string, actor: Actor | undefined, resourceId: string, at: string): Trigger & { id: string } {
  if (!actor) return { kind: "event", id };
  // A pool's change is the cluster's change: without an operation name, the resource says which it was.
  return { kind: "event", id, actor: { ...actor, at: actor.at || at, ...(actor.operation ? {} : { operation: resourceId }) } };
}

/** One card per event and cluster: a redelivery (or a retry after a crash) enqueues the same alert id. */
function lifecycleAlert(kind: LifecycleAlert["kind"], eventId: string, cluster: ClusterRef, at: string, details: Record<string, string>): LifecycleAlert {
  const hash = createHash("sha256").update(`${kind}\n${eventId}\n${clusterKey(cluster)}`).digest("hex");
  const alertId = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-4${hash.slice(13, 16)}-8${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  return { kind, alertId, cluster, at, details };
}

function recordOf(event: Exclude<ClusterEvent, { kind: "unknown" }>, now: Date): EventRecord {
  const cluster = event.kind === "scheduledMaintenance" ? event.clusters[0] : event.cluster;
  const actor = "actor" in event ? event.actor?.name : undefined;
  return {
    id: event.id,
    type: event.type,
    time: event.time ?? now.toISOString(),
    ...(cluster ? { clusterKey: clusterKey(cluster) } : {}),
    ...(actor ? { actor } : {}),
    ...(event.subject ? { subject: event.subject } : {}),
  };
}

function bodyTimeOf(event: Extract<ClusterEvent, { kind: "arnUpsert" }>): string | undefined {
  return event.resourceEventTime;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? text).slice(0, 300);
}
