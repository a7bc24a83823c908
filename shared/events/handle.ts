/**
 * What an Event Grid event does to the monitor. First its scope: an event about a cluster outside
 * MONITOR_SUBSCRIPTIONS (all of them, when it is empty, as for the sweep) is acknowledged as ignored and
 * recorded as such in its day's partition of the events table: nothing is read from ARM or written for the
 * cluster. Then the idempotent consumer (Event Grid delivers at least once): the event's row is taken
 * `inProgress` with a lease and marked `done` only after its work committed (shared/store/events.ts); a
 * redelivery during the lease is asked to come back (transient), one after it (the attempt died) does the
 * work again, one after `done` is a duplicate. Then:
 * - aksSignal: the cluster is read live and evaluated; NodePoolRollingFailed, ClusterSupportEnding and
 *   ClusterSupportEnded also put a lifecycle card in the outbox;
 * - resourceWrite (and the delete of an agent pool): read live and evaluated, with who made the change;
 * - arnUpsert: the resource in the event is evaluated without reading the cluster from ARM, unless that
 *   would resolve a failure the store holds: a body is not proof, so the cluster is then read and ARM's
 *   answer is evaluated instead (one GET; a forged compliant body resolves nothing ARM does not confirm);
 * - resourceDelete / arnDelete of the cluster: its findings are closed as deleted, without a card, only when
 *   ARM answers 404 for the cluster and the delete is newer than its last evaluation; a cluster ARM still
 *   has (re-created after a late or redelivered delete) is evaluated as it is;
 * - scheduledMaintenance Failed: a maintenanceFailed card per cluster in scope; other statuses are acknowledged;
 * - unknown: acknowledged, nothing written.
 *
 * Out of order delivery: write events and AKS events carry no state, only "something changed"; each one
 * asks for a fresh live read, so an older event processed after a newer one evaluates the cluster as it
 * is now, never as it was. The ARN upsert is the one event whose body is evaluated; it is skipped when the
 * cluster was evaluated (or deleted) after the time of that body, so an older body cannot overwrite a
 * newer verdict.
 *
 * A burst (one `az aks update` sends a cluster write, pool writes and AKS events within seconds) gives one
 * evaluation per change, not one per event: evaluations of a cluster pass through its gate
 * (shared/store/evaluationGate.ts). An event is covered ("coalesced") by an evaluation that started reading
 * after the change it announces was visible: after the event arrived, or after the event's own time plus
 * a margin, whichever is earlier (a late or redelivered event of a change already read costs nothing). An
 * event that arrives while its cluster is being evaluated waits for that evaluation, then is covered or
 * takes the gate for one more evaluation that covers every event that waited. A write event's caller is
 * named on the card even when another event's evaluation covered it: read back from the events table
 * when recorded before the read, else added to the card while it still waits in the outbox.
 *
 * Failures: a transient one (storage, ARM throttling, 5xx, timeouts) throws, after ending the attempt's
 * lease so that Event Grid's retry is processed at once; input that can never succeed returns an outcome
 * that says why (acknowledged, never retried, marked done).
 */
import { createHash } from "node:crypto";
import type { ManagedCluster } from "@azure/arm-containerservice";
import { inScope } from "../api/routeParams.js";
import { evaluate } from "../baseline/evaluate.js";
import { clusterKey } from "../model/clusterRef.js";
import type { ClusterRef, ClusterSnapshot, ReadError } from "../model/snapshot.js";
import { monitorCluster, type MonitorSettings, type MonitorStore } from "../monitor/pipeline.js";
import type { Actor, LifecycleAlert, Trigger } from "../model/alerts.js";
import type { GateClaim } from "../store/evaluationGate.js";
import type { EventClaim } from "../store/events.js";
import type { ClusterRead } from "../sources/arm/clusterReader.js";
import { managedClusterFromRest, withoutNulls } from "../sources/sdkModel.js";
import { outboxEntryFor } from "../store/outbox.js";
import type { ClusterSummaryRecord, EventRecord, OutboxEntry } from "../store/types.js";
import { PermanentEventError, type AksSignal, type ClusterEvent } from "./types.js";

/** What the handler needs of the store (TableStore implements it). */
export interface EventStore extends MonitorStore {
  recordEvent(record: EventRecord, now?: string): Promise<"new" | "duplicate">;
  claimEvent(record: EventRecord, claim: { now: string; leaseMs: number }): Promise<EventClaim>;
  finishEvent(record: EventRecord, now: string): Promise<void>;
  releaseEvent(record: EventRecord, release: { etag: string; now: string; error: string }): Promise<void>;
  closeDeletedCluster(ref: ClusterRef, deletedAt: string): Promise<{ findingsClosed: number; summary: boolean }>;
  getClusterSummary(ref: ClusterRef): Promise<ClusterSummaryRecord | undefined>;
  enqueue(entry: OutboxEntry): Promise<"enqueued" | "duplicate">;
  claimEvaluation(ref: ClusterRef, claim: { arrivedAt: string; holder: string; now: string; leaseMs: number }): Promise<GateClaim>;
  releaseEvaluation(ref: ClusterRef, release: { holder: string; now: string; evaluatedThrough?: string }): Promise<void>;
  latestActor(ref: ClusterRef, window: { after: string; until: string }): Promise<Actor | undefined>;
  pendingDriftAlert(clusterKey: string, now?: string): Promise<OutboxEntry | undefined>;
  replacePending(entry: OutboxEntry): Promise<OutboxEntry | undefined>;
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
  /** MONITOR_SUBSCRIPTIONS: only events about clusters of these subscriptions are processed; empty: none. */
  subscriptions: readonly string[];
  now?: () => Date;
  /** How long an attempt holds an event before a redelivery may take it over (default EVENT_LEASE_MS). */
  eventLeaseMs?: number;
  /** How long an event waits for another one's evaluation of the same cluster before asking for a retry. */
  gateWaitMs?: number;
  /** How long the evaluation a burst's first event starts waits before reading, so that the burst joins it. */
  settleMs?: number;
}

/**
 * An attempt holds its event this long. Longer than one processing (Event Grid gives up waiting after 30 s,
 * the gate's wait is 20 s), so that a live attempt is not doubled; Event Grid's retries after 10 s, 30 s and
 * 1 min are told to come back, and the one after 5 min finds a dead attempt's lease expired and redoes it.
 */
export const EVENT_LEASE_MS = 5 * 60_000;
/** One evaluation holds a cluster's gate at most this long (longer, and a waiting event may take it over). */
const GATE_LEASE_MS = 60_000;
/** Event Grid waits 30 s for an answer: a waiting event gives up well before and asks to be retried. */
const GATE_WAIT_MS = 20_000;
/** Without an earlier evaluation, the actors of events recorded this long before the read are joined. */
const ACTOR_LOOKBACK_MS = 10 * 60_000;
/** A change is visible to an ARM read this long after the time of the event that announces it. */
const VISIBLE_AFTER_MS = 2_000;

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
  /** Covered by an evaluation of the same cluster that started reading after this event's change was visible. */
  | { outcome: "coalesced"; eventId: string; cluster: string; evaluatedThrough: string; lifecycleAlertId?: string }
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
  const clock = deps.now ?? (() => new Date());
  const now = clock();
  const scoped = inScopeOf(event, deps.subscriptions);
  if (typeof scoped === "string") {
    // Recorded in the day's partition, not the cluster's: nothing is written for an out-of-scope cluster.
    const { clusterKey: _cluster, ...record } = recordOf(event, now);
    await deps.store.recordEvent({ ...record, outcome: "ignored", reason: scoped }, now.toISOString());
    return { outcome: "ignored", eventId: event.id, reason: scoped };
  }
  const record = recordOf(scoped, now);
  const claim = await deps.store.claimEvent(record, { now: now.toISOString(), leaseMs: deps.eventLeaseMs ?? EVENT_LEASE_MS });
  if (claim.outcome === "done") return { outcome: "duplicate", eventId: event.id };
  if (claim.outcome === "inProgress") {
    throw new TransientEventError(`event ${event.id} is being processed by attempt ${claim.attempt} (lease until ${claim.leaseUntil}); to be retried`);
  }
  let outcome: EventOutcome;
  try {
    outcome = await process(scoped, deps, now, record.recordedAt);
  } catch (error) {
    // The redelivery is processed at once (if even this fails, the one after the lease).
    await deps.store.releaseEvent(record, { etag: claim.etag, now: clock().toISOString(), error: firstLine(error) }).catch(() => undefined);
    throw error;
  }
  await deps.store.finishEvent({ ...record, outcome: outcome.outcome, ...("reason" in outcome ? { reason: outcome.reason } : {}) }, clock().toISOString());
  return outcome;
}

type HandledEvent = Exclude<ClusterEvent, { kind: "unknown" }>;

/**
 * The event held to the subscriptions in scope (a maintenance event keeps its clusters in scope), or why
 * it is out of scope.
 */
function inScopeOf(event: HandledEvent, subscriptions: readonly string[]): HandledEvent | string {
  if (subscriptions.length === 0) return "MONITOR_SUBSCRIPTIONS is empty: no subscription is monitored";
  const outside = (ref: ClusterRef) => !inScope(ref.subscriptionId, subscriptions);
  if (event.kind !== "scheduledMaintenance") {
    return outside(event.cluster) ? `subscription ${event.cluster.subscriptionId} is not in MONITOR_SUBSCRIPTIONS` : event;
  }
  const clusters = event.clusters.filter((cluster) => !outside(cluster));
  if (clusters.length === 0) return `no cluster of this maintenance event is in MONITOR_SUBSCRIPTIONS`;
  return clusters.length === event.clusters.length ? event : { ...event, clusters };
}

async function process(event: HandledEvent, deps: EventDeps, now: Date, arrivedAt: string): Promise<EventOutcome> {
  const at = event.time ?? now.toISOString();
  switch (event.kind) {
    case "aksSignal": {
      const result = await evaluateLive(event.cluster, { kind: "event", id: event.id }, deps, coveredFrom(arrivedAt, event.time));
      if (result.outcome !== "evaluated" && result.outcome !== "coalesced") return result;
      const kind = LIFECYCLE[event.signal];
      if (!kind) return result;
      const alert = lifecycleAlert(kind, event.id, event.cluster, at, event.details);
      await deps.store.enqueue(outboxEntryFor(alert, { now: now.toISOString() }));
      return { ...result, lifecycleAlertId: alert.alertId };
    }
    case "resourceWrite":
      return evaluateLive(event.cluster, triggerOf(event.id, event.actor, event.resourceId, at), deps, coveredFrom(arrivedAt, event.time));
    case "resourceDelete": {
      const trigger = triggerOf(event.id, event.actor, event.resourceId, at);
      if (event.target === "agentPool") return evaluateLive(event.cluster, trigger, deps, coveredFrom(arrivedAt, event.time));
      return closeIfGone(event.cluster, trigger, at, deps);
    }
    case "arnDelete":
      return closeIfGone(event.cluster, { kind: "event", id: event.id }, at, deps);
    case "arnUpsert":
      return evaluateBody(event, deps, arrivedAt);
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

/** The time after which a read of the cluster sees the change an event announces. */
function coveredFrom(arrivedAt: string, eventTime: string | undefined): string {
  const visible = Date.parse(eventTime ?? "") + VISIBLE_AFTER_MS;
  return Number.isFinite(visible) && visible < Date.parse(arrivedAt) ? new Date(visible).toISOString() : arrivedAt;
}

/**
 * Runs `evaluate` once this event's cluster gate is free, unless an evaluation that started reading after
 * `visibleAt` (see `coveredFrom`) finishes meanwhile. `evaluate` answers with the time its evaluation
 * covers (when it began reading, or the time of the body it evaluated), or none when it evaluated nothing.
 */
async function throughGate(
  eventId: string,
  ref: ClusterRef,
  visibleAt: string,
  actor: Actor | undefined,
  deps: EventDeps,
  evaluate: (previous: string | undefined) => Promise<{ outcome: EventOutcome; through?: string }>,
): Promise<EventOutcome> {
  const clock = deps.now ?? (() => new Date());
  const waitMs = deps.gateWaitMs ?? GATE_WAIT_MS;
  const started = performance.now();
  for (let pause = 25; ; pause = Math.min(pause * 2, 1_000)) {
    const claim = await deps.store.claimEvaluation(ref, { arrivedAt: visibleAt, holder: eventId, now: clock().toISOString(), leaseMs: GATE_LEASE_MS });
    if (claim.outcome === "covered") {
      if (actor) await nameOnPendingCard(ref, actor, claim.evaluatedThrough, deps, clock());
      return { outcome: "coalesced", eventId, cluster: ref.id, evaluatedThrough: claim.evaluatedThrough };
    }
    if (claim.outcome === "claimed") {
      let through: string | undefined;
      try {
        if (deps.settleMs) await new Promise((resolve) => setTimeout(resolve, deps.settleMs));
        const result = await evaluate(claim.evaluatedThrough);
        through = result.through;
        return result.outcome;
      } finally {
        // A release that fails leaves the lease to expire: the events waiting meanwhile are retried.
        await deps.store
          .releaseEvaluation(ref, { holder: eventId, now: clock().toISOString(), ...(through ? { evaluatedThrough: through } : {}) })
          .catch(() => undefined);
      }
    }
    if (performance.now() - started >= waitMs) {
      throw new TransientEventError(`${ref.id} is being evaluated for event ${claim.holder} (lease until ${claim.leaseUntil}); to be retried`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
  }
}

/** Reads the cluster now and runs it through the pipeline; a read failure that a retry may fix throws. */
async function evaluateLive(ref: ClusterRef, trigger: Trigger & { id: string }, deps: EventDeps, arrivedAt: string): Promise<EventOutcome> {
  return throughGate(trigger.id, ref, arrivedAt, trigger.actor, deps, (previous) => liveEvaluation(ref, trigger, deps, previous));
}

async function liveEvaluation(ref: ClusterRef, trigger: Trigger & { id: string }, deps: EventDeps, previous: string | undefined): Promise<{ outcome: EventOutcome; through: string }> {
  const clock = deps.now ?? (() => new Date());
  const readStart = clock();
  const read = await deps.reader.read(ref);
  if (!read.ok) {
    const reason = `${read.error.kind}${read.error.status ? ` (${read.error.status})` : ""}: ${read.error.message}`;
    if (TRANSIENT_READS.has(read.error.kind)) throw new TransientEventError(`reading ${ref.id} failed, to be retried: ${reason}`);
    return { outcome: { outcome: "unreadable", eventId: trigger.id, cluster: ref.id, reason }, through: readStart.toISOString() };
  }
  const actor = trigger.actor ?? (await burstActor(ref, previous, readStart, deps));
  const outcome = await evaluated(trigger.id, read.snapshot, { ...trigger, ...(actor ? { actor } : {}) }, deps, clock());
  return { outcome, through: readStart.toISOString() };
}

/**
 * The drift card of the evaluation that covered a write event, still waiting in the outbox without a
 * caller, gets this event's caller. A card already sent (or held by a sender) stays as it went.
 */
async function nameOnPendingCard(ref: ClusterRef, actor: Actor, evaluatedThrough: string, deps: EventDeps, now: Date): Promise<void> {
  const entry = await deps.store.pendingDriftAlert(clusterKey(ref), now.toISOString());
  if (!entry || entry.alert.kind !== "drift" || entry.alert.trigger.actor) return;
  if (Date.parse(entry.alert.evaluatedAt) < Date.parse(evaluatedThrough)) return;
  await deps.store.replacePending({ ...entry, alert: { ...entry.alert, trigger: { ...entry.alert.trigger, actor } } });
}

/** The caller of a write event of this burst that this evaluation covers (recorded since the last evaluation). */
async function burstActor(ref: ClusterRef, previous: string | undefined, readStart: Date, deps: EventDeps): Promise<Actor | undefined> {
  const after = previous ?? new Date(readStart.getTime() - ACTOR_LOOKBACK_MS).toISOString();
  return deps.store.latestActor(ref, { after, until: readStart.toISOString() });
}

/**
 * The ARN body, evaluated as it is (no cluster GET) when it is the newest state known and resolves nothing;
 * the extras around it are read, or left out if that fails.
 */
async function evaluateBody(event: Extract<ClusterEvent, { kind: "arnUpsert" }>, deps: EventDeps, arrivedAt: string): Promise<EventOutcome> {
  const clock = deps.now ?? (() => new Date());
  const trigger = { kind: "event", id: event.id } as const;
  return throughGate(event.id, event.cluster, arrivedAt, undefined, deps, async (previous) => {
    const summary = await deps.store.getClusterSummary(event.cluster);
    const bodyTime = Date.parse(bodyTimeOf(event) ?? event.time ?? "");
    // What the stored verdict is as of: the gate's for an event's evaluation (a live read's start, or the
    // time of the body it evaluated, which is earlier than when it was evaluated), else the evaluation's.
    const asOf = summary?.lastTrigger === "event" && previous ? previous : summary?.lastEvaluatedAt;
    const newer = [asOf, summary?.deletedAt].map((t) => Date.parse(t ?? "")).filter(Number.isFinite);
    if (Number.isFinite(bodyTime) && newer.some((t) => t > bodyTime)) {
      return { outcome: { outcome: "ignored", eventId: event.id, reason: "the cluster was evaluated (or deleted) after this resource body was sent" } };
    }
    // A body without a time cannot be shown to be the newest state: the cluster is read instead.
    if (!Number.isFinite(bodyTime)) return liveEvaluation(event.cluster, trigger, deps, previous);
    // The published ARN samples write booleans as 1/0, which the SDK's model would keep as numbers and
    // the checks would read as "not true": such a body is not trusted, the cluster is read instead.
    if (hasNumericBooleans(event.resource)) return liveEvaluation(event.cluster, trigger, deps, previous);
    let cluster: ManagedCluster;
    try {
      cluster = withoutNulls(await managedClusterFromRest({ ...event.resource, id: event.cluster.id }));
    } catch (error) {
      return { outcome: { outcome: "rejected", eventId: event.id, reason: `the resource body is not a managed cluster: ${firstLine(error)}` } };
    }
    const now = clock();
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await deps.reader.complete(event.cluster, cluster, "event");
    } catch {
      snapshot = { ref: event.cluster, cluster, agentPools: [], extras: {}, source: "event", origin: `event ${event.id}`, readAt: now.toISOString() };
    }
    if (await resolvesAFailure(snapshot, deps, now)) return liveEvaluation(event.cluster, trigger, deps, previous);
    const outcome = await evaluated(event.id, snapshot, trigger, deps, now);
    // The body covers the events that arrived before it was sent.
    return { outcome, through: new Date(Math.min(bodyTime, Date.parse(arrivedAt))).toISOString() };
  });
}

async function evaluated(eventId: string, snapshot: ClusterSnapshot, trigger: Trigger, deps: EventDeps, now: Date): Promise<EventOutcome> {
  const result = await monitorCluster(snapshot, trigger, deps.store, deps.monitorSettings, now);
  const changes = result.transitions.filter((t) => t.kind === "newFailure" || t.kind === "regressed" || t.kind === "resolved").length;
  return { outcome: "evaluated", eventId, cluster: snapshot.ref.id, ...(result.alert ? { alertId: result.alert.alertId } : {}), changes };
}

/**
 * Whether evaluating this snapshot would resolve a failure the store holds (a check failing there and
 * passing, or not applicable, here): the diff's "resolved", computed before anything is committed.
 */
async function resolvesAFailure(snapshot: ClusterSnapshot, deps: EventDeps, now: Date): Promise<boolean> {
  const state = await deps.store.loadClusterState(snapshot.ref);
  if (state.findings.size === 0) return false;
  return evaluate(snapshot, deps.monitorSettings.profile, now).findings.some(
    (finding) => finding.status !== "fail" && finding.status !== "error" && state.findings.get(finding.check)?.status === "fail",
  );
}

/**
 * A delete of the cluster, believed only when ARM confirms it (404) and it is newer than the cluster's last
 * evaluation; a cluster ARM still answers for is evaluated as it is, a read that may pass later is retried.
 */
async function closeIfGone(ref: ClusterRef, trigger: Trigger & { id: string }, at: string, deps: EventDeps): Promise<EventOutcome> {
  const clock = deps.now ?? (() => new Date());
  const read = await deps.reader.read(ref);
  if (read.ok) return evaluated(trigger.id, read.snapshot, trigger, deps, clock());
  if (read.error.kind !== "notFound") {
    const reason = `${read.error.kind}${read.error.status ? ` (${read.error.status})` : ""}: ${read.error.message}`;
    if (TRANSIENT_READS.has(read.error.kind)) throw new TransientEventError(`confirming the delete of ${ref.id} failed, to be retried: ${reason}`);
    return { outcome: "unreadable", eventId: trigger.id, cluster: ref.id, reason: `the delete is not confirmed: ${reason}` };
  }
  const summary = await deps.store.getClusterSummary(ref);
  if (summary && !summary.deletedAt && Date.parse(summary.lastEvaluatedAt) > Date.parse(at)) {
    return { outcome: "ignored", eventId: trigger.id, reason: `the cluster was evaluated at ${summary.lastEvaluatedAt}, after this delete of ${at}: left to a newer delete or the sweep` };
  }
  const { findingsClosed } = await deps.store.closeDeletedCluster(ref, at);
  return { outcome: "closed", eventId: trigger.id, cluster: ref.id, findingsClosed };
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

function recordOf(event: HandledEvent, now: Date): EventRecord & { recordedAt: string } {
  const cluster = event.kind === "scheduledMaintenance" ? event.clusters[0] : event.cluster;
  const actor = "actor" in event ? event.actor : undefined;
  return {
    id: event.id,
    type: event.type,
    time: event.time ?? now.toISOString(),
    ...(cluster ? { clusterKey: clusterKey(cluster) } : {}),
    ...(actor ? { actor } : {}),
    ...(event.subject ? { subject: event.subject } : {}),
    recordedAt: now.toISOString(),
  };
}

/** Whether a flag (`enabled`, `enable…`, `disable…`) of the body holds a number rather than a boolean. */
export function hasNumericBooleans(value: unknown, depth = 0): boolean {
  if (depth > 64 || typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => hasNumericBooleans(item, depth + 1));
  return Object.entries(value).some(
    ([key, item]) => (typeof item === "number" && /^(enabled$|enable[A-Z]|disable[A-Z])/.test(key)) || hasNumericBooleans(item, depth + 1),
  );
}

function bodyTimeOf(event: Extract<ClusterEvent, { kind: "arnUpsert" }>): string | undefined {
  return event.resourceEventTime;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split("\n")[0] ?? text).slice(0, 300);
}
