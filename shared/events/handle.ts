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
 * Failures: a transient one (storage, ARM throttling, 5xx, timeouts) throws, after forgetting the event
 * so that Event Grid's retry is processed; input that can never succeed returns an outcome that says why
 * (acknowledged, never retried).
 */
import { createHash } from "node:crypto";
import type { ManagedCluster } from "@azure/arm-containerservice";
import { clusterKey } from "../model/clusterRef.js";
import type { ClusterRef, ClusterSnapshot, ReadError } from "../model/snapshot.js";
import { monitorCluster, type MonitorSettings, type MonitorStore } from "../monitor/pipeline.js";
import type { Actor, LifecycleAlert, Trigger } from "../model/alerts.js";
import type { GateClaim } from "../store/evaluationGate.js";
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
  now?: () => Date;
  /** How long an event waits for another one's evaluation of the same cluster before asking for a retry. */
  gateWaitMs?: number;
  /** How long the evaluation a burst's first event starts waits before reading, so that the burst joins it. */
  settleMs?: number;
}

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
  const now = (deps.now ?? (() => new Date()))();
  const record = recordOf(event, now);
  if ((await deps.store.recordEvent(record, now.toISOString())) === "duplicate") return { outcome: "duplicate", eventId: event.id };
  try {
    return await process(event, deps, now, record.recordedAt);
  } catch (error) {
    // Let the redelivery be processed; if even this fails, the nightly sweep catches the change up.
    await deps.store.forgetEvent(record).catch(() => undefined);
    throw error;
  }
}

async function process(event: Exclude<ClusterEvent, { kind: "unknown" }>, deps: EventDeps, now: Date, arrivedAt: string): Promise<EventOutcome> {
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
    case "resourceDelete":
      if (event.target === "agentPool") return evaluateLive(event.cluster, triggerOf(event.id, event.actor, event.resourceId, at), deps, coveredFrom(arrivedAt, event.time));
      return close(event.id, event.cluster, at, deps);
    case "arnDelete":
      return close(event.id, event.cluster, at, deps);
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

/** The ARN body, evaluated as it is (no cluster GET); the extras around it are read, or left out if that fails. */
async function evaluateBody(event: Extract<ClusterEvent, { kind: "arnUpsert" }>, deps: EventDeps, arrivedAt: string): Promise<EventOutcome> {
  const clock = deps.now ?? (() => new Date());
  return throughGate(event.id, event.cluster, arrivedAt, undefined, deps, async () => {
    const summary = await deps.store.getClusterSummary(event.cluster);
    const bodyTime = Date.parse(bodyTimeOf(event) ?? event.time ?? "");
    const newer = [summary?.lastEvaluatedAt, summary?.deletedAt].map((t) => Date.parse(t ?? "")).filter(Number.isFinite);
    if (Number.isFinite(bodyTime) && newer.some((t) => t > bodyTime)) {
      return { outcome: { outcome: "ignored", eventId: event.id, reason: "the cluster was evaluated (or deleted) after this resource body was sent" } };
    }
    // The published ARN samples write booleans as 1/0, which the SDK's model would keep as numbers and
    // the checks would read as "not true": such a body is not trusted, the cluster is read instead.
    if (hasNumericBooleans(event.resource)) return liveEvaluation(event.cluster, { kind: "event", id: event.id }, deps, undefined);
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
    const outcome = await evaluated(event.id, snapshot, { kind: "event", id: event.id }, deps, now);
    // The body covers the events that arrived before it was sent; without a time, those before it arrived.
    const through = Number.isFinite(bodyTime) ? new Date(Math.min(bodyTime, Date.parse(arrivedAt))).toISOString() : undefined;
    return { outcome, ...(through ? { through } : {}) };
  });
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

function recordOf(event: Exclude<ClusterEvent, { kind: "unknown" }>, now: Date): EventRecord & { recordedAt: string } {
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
