import type { ClusterRef } from "../model/snapshot.js";
import type { Actor, Alert } from "../model/alerts.js";
import { claimEvaluation, latestActor, releaseEvaluation, type GateClaim } from "./evaluationGate.js";
import { getClusterSummary, listClusterSummaries, saveClusterSummary } from "./clusterSummaries.js";
import type { SummaryPage } from "./clusterSummaries.js";
import { listAudit, recordAudit, type AuditQuery } from "./audit.js";
import type { AuditRecord } from "../model/audit.js";
import { listConversations, removeConversation, saveConversation } from "./conversations.js";
import { listEvaluations, recordEvaluation } from "./evaluations.js";
import { closeDeletedCluster } from "./deletedClusters.js";
import { claimEvent, finishEvent, recordEvent, releaseEvent, type EventClaim } from "./events.js";
import { admitRecheck, type RecheckAdmission } from "./recheckCooldown.js";
import { commitEvaluation, loadClusterState, promotePendingAlerts } from "./findingsPartition.js";
import type { EvaluationCommit } from "./findingsPartition.js";
import * as outbox from "./outbox.js";
import { purge } from "./retention.js";
import type { PurgeCounts, PurgeCutoffs } from "./retention.js";
import { listSuppressions, removeSuppression, setSuppression } from "./suppressions.js";
import { closeOverdueSweep, getSweep, isSweepRecorded, listOverdueSweeps, listSweepParts, markDigestQueued, markSweepCluster, saveSweepPart, startSweep } from "./sweeps.js";
import type { ClosedSweep, OverdueSweep, SweepMark, SweepProgress, SweepStart } from "./sweeps.js";
import type { DigestPart } from "../model/alerts.js";
import { listFleetPosture, recordFleetPosture, type FleetPosture } from "./fleetPosture.js";
import { listActiveSuppressions, listChangingEvaluations, listFailingFindings } from "./fleetReads.js";
import { Tables } from "./tables.js";
import type { ConnectOptions, OperationCounts } from "./tables.js";
import type {
  ClusterState,
  ClusterSummaryRecord,
  ConversationRecord,
  EvaluationRecord,
  FindingRecord,
  EventRecord,
  OutboxEntry,
  OutboxState,
  Suppression,
} from "./types.js";

/**
 * The product's Table Storage: clusters, findings, evaluations, events, outbox, suppressions and
 * conversations (DESIGN.md "Data in Table Storage"). One instance per process; it counts its requests.
 */
export class TableStore {
  private closed = false;

  private constructor(
    private readonly tables: Tables,
    private readonly onClose?: () => Promise<void>,
  ) {}

  /**
   * A connection string (Azurite, account keys, SAS) or an endpoint with a TokenCredential (managed
   * identity). Plain http is accepted only for an emulator. Makes no request.
   */
  static connect(options: ConnectOptions & { onClose?: () => Promise<void> }): TableStore {
    return new TableStore(Tables.connect(options), options.onClose);
  }

  /** Creates the tables when missing (idempotent). */
  ensureTables(): Promise<void> {
    return this.tables.ensureTables();
  }

  /** The table names in use (with the prefix). */
  tableNames(): Readonly<Record<string, string>> {
    return this.tables.names;
  }

  /** Requests made so far by this instance. */
  operations(): OperationCounts {
    return this.tables.operations();
  }

  /** Releases what the store started (the embedded Azurite); idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.onClose?.();
  }

  // findings partition

  loadClusterState(ref: ClusterRef): Promise<ClusterState> {
    return loadClusterState(this.tables, ref);
  }

  commitEvaluation(ref: ClusterRef, commit: EvaluationCommit): Promise<"committed" | "conflict"> {
    return commitEvaluation(this.tables, ref, commit);
  }

  promotePendingAlerts(ref: ClusterRef, alerts: readonly Alert[], options?: { now?: string; notBefore?: string }): Promise<void> {
    return promotePendingAlerts(this.tables, ref, alerts, options);
  }

  // clusters

  saveClusterSummary(record: ClusterSummaryRecord): Promise<void> {
    return saveClusterSummary(this.tables, record);
  }

  getClusterSummary(ref: ClusterRef): Promise<ClusterSummaryRecord | undefined> {
    return getClusterSummary(this.tables, ref);
  }

  listClusterSummaries(options?: { subscriptionId?: string; continuation?: string; pageSize?: number }): Promise<SummaryPage> {
    return listClusterSummaries(this.tables, options);
  }

  // evaluations

  recordEvaluation(ref: ClusterRef, record: EvaluationRecord): Promise<void> {
    return recordEvaluation(this.tables, ref, record);
  }

  listEvaluations(ref: ClusterRef, options?: { limit?: number }): Promise<EvaluationRecord[]> {
    return listEvaluations(this.tables, ref, options);
  }

  // events

  /** Records an event as done at once (one with nothing to do); "duplicate" when its id is known. */
  recordEvent(record: EventRecord, now?: string): Promise<"new" | "duplicate"> {
    return recordEvent(this.tables, record, now);
  }

  /** Takes an event's lease (new, or an expired attempt's), or says it is done or held (shared/store/events.ts). */
  claimEvent(record: EventRecord, claim: { now: string; leaseMs: number }): Promise<EventClaim> {
    return claimEvent(this.tables, record, claim);
  }

  /** Marks an event done, with its outcome, once its work committed. */
  finishEvent(record: EventRecord, now: string): Promise<void> {
    return finishEvent(this.tables, record, now);
  }

  /** Ends a failed attempt's lease so that the redelivery is processed at once. */
  releaseEvent(record: EventRecord, release: { etag: string; now: string; error: string }): Promise<void> {
    return releaseEvent(this.tables, record, release);
  }

  /** A deleted cluster: its findings partition removed (nothing alerted), its summary marked `deletedAt`. */
  closeDeletedCluster(ref: ClusterRef, deletedAt: string): Promise<{ findingsClosed: number; summary: boolean }> {
    return closeDeletedCluster(this.tables, ref, deletedAt);
  }

  // suppressions

  setSuppression(ref: ClusterRef, suppression: Suppression): Promise<void> {
    return setSuppression(this.tables, ref, suppression);
  }

  removeSuppression(ref: ClusterRef, check: string): Promise<void> {
    return removeSuppression(this.tables, ref, check);
  }

  listSuppressions(ref: ClusterRef, now: string, options?: { deleteExpired?: boolean }): Promise<Suppression[]> {
    return listSuppressions(this.tables, ref, now, options);
  }

  // conversations

  saveConversation(record: ConversationRecord): Promise<void> {
    return saveConversation(this.tables, record);
  }

  removeConversation(id: string): Promise<void> {
    return removeConversation(this.tables, id);
  }

  listConversations(): Promise<ConversationRecord[]> {
    return listConversations(this.tables);
  }

  // outbox

  enqueue(entry: OutboxEntry): Promise<"enqueued" | "duplicate"> {
    return outbox.enqueue(this.tables, entry);
  }

  dueAlerts(now: string, limit: number): Promise<OutboxEntry[]> {
    return outbox.dueAlerts(this.tables, now, limit);
  }

  claim(entry: OutboxEntry, leaseMs: number, now: string): Promise<OutboxEntry | undefined> {
    return outbox.claim(this.tables, entry, leaseMs, now);
  }

  markSent(entry: OutboxEntry, now: string): Promise<void> {
    return outbox.markSent(this.tables, entry, now);
  }

  markRetry(entry: OutboxEntry, retry: { nextAttemptAt: string; error: string }): Promise<OutboxEntry | undefined> {
    return outbox.markRetry(this.tables, entry, retry);
  }

  markDead(entry: OutboxEntry, error: string): Promise<void> {
    return outbox.markDead(this.tables, entry, error);
  }

  listOutbox(state: OutboxState): Promise<OutboxEntry[]> {
    return outbox.listOutbox(this.tables, state);
  }

  /** Pending and dead counts and the oldest pending alert's time: two light queries (health, dashboard). */
  outboxSummary(): Promise<outbox.OutboxSummary> {
    return outbox.outboxSummary(this.tables);
  }

  /** Dead alerts pending again, attempts reset, due at `now`; how many (`aksmon outbox --redrive`). */
  redriveDead(now: string = new Date().toISOString()): Promise<number> {
    return outbox.redriveDead(this.tables, now);
  }

  pendingDriftAlert(clusterKey: string, now: string = new Date().toISOString()): Promise<OutboxEntry | undefined> {
    return outbox.pendingDriftAlert(this.tables, clusterKey, now);
  }

  replacePending(entry: OutboxEntry): Promise<OutboxEntry | undefined> {
    return outbox.replacePending(this.tables, entry);
  }

  // recheck cooldown

  /** Admits one recheck of a cluster per `cooldownMs` across instances (an ETag-guarded row); else when to retry. */
  admitRecheck(ref: ClusterRef, cooldownMs: number, now: string = new Date().toISOString(), by?: string): Promise<RecheckAdmission> {
    return admitRecheck(this.tables, ref, cooldownMs, now, by);
  }

  // the evaluation gate (a burst of events, one evaluation per change)

  claimEvaluation(ref: ClusterRef, claim: { arrivedAt: string; holder: string; now: string; leaseMs: number }): Promise<GateClaim> {
    return claimEvaluation(this.tables, ref, claim);
  }

  releaseEvaluation(ref: ClusterRef, release: { holder: string; now: string; evaluatedThrough?: string }): Promise<void> {
    return releaseEvaluation(this.tables, ref, release);
  }

  latestActor(ref: ClusterRef, window: { after: string; until: string }): Promise<Actor | undefined> {
    return latestActor(this.tables, ref, window);
  }

  // sweeps (the nightly fan-out's progress, in the evaluations table)

  startSweep(start: SweepStart): Promise<void> {
    return startSweep(this.tables, start);
  }

  saveSweepPart(sweep: { sweepId: string; startedAt: string }, part: DigestPart): Promise<void> {
    return saveSweepPart(this.tables, sweep, part);
  }

  markSweepCluster(
    sweep: { sweepId: string; startedAt: string },
    clusterId: string,
    options: { failure?: string; newAlertId: () => string },
  ): Promise<SweepMark> {
    return markSweepCluster(this.tables, sweep, clusterId, options);
  }

  isSweepRecorded(sweep: { sweepId: string; startedAt: string }): Promise<boolean> {
    return isSweepRecorded(this.tables, sweep);
  }

  getSweep(sweep: { sweepId: string; startedAt: string }): Promise<SweepProgress | undefined> {
    return getSweep(this.tables, sweep);
  }

  listSweepParts(sweepId: string): Promise<DigestPart[]> {
    return listSweepParts(this.tables, sweepId);
  }

  listOverdueSweeps(now: Date): Promise<OverdueSweep[]> {
    return listOverdueSweeps(this.tables, now);
  }

  closeOverdueSweep(sweep: { sweepId: string; startedAt: string }, newAlertId: () => string): Promise<ClosedSweep | undefined> {
    return closeOverdueSweep(this.tables, sweep, newAlertId);
  }

  markDigestQueued(sweep: { sweepId: string; startedAt: string }): Promise<void> {
    return markDigestQueued(this.tables, sweep);
  }

  // whole-fleet reads (the dashboard), keyed by `fleetKey(cluster)`

  listFailingFindings(subscriptionIds: readonly string[]): Promise<Map<string, FindingRecord[]>> {
    return listFailingFindings(this.tables, subscriptionIds);
  }

  listActiveSuppressions(now: string): Promise<Map<string, Suppression[]>> {
    return listActiveSuppressions(this.tables, now);
  }

  listChangingEvaluations(since: string): Promise<Map<string, EvaluationRecord[]>> {
    return listChangingEvaluations(this.tables, since);
  }

  // the fleet's posture over time (one point per digest)

  recordFleetPosture(posture: FleetPosture): Promise<void> {
    return recordFleetPosture(this.tables, posture);
  }

  listFleetPosture(options?: { limit?: number }): Promise<FleetPosture[]> {
    return listFleetPosture(this.tables, options);
  }

  // audit trail

  recordAudit(record: AuditRecord): Promise<void> {
    return recordAudit(this.tables, record);
  }

  listAudit(query?: AuditQuery): Promise<AuditRecord[]> {
    return listAudit(this.tables, query);
  }

  // retention

  purge(cutoffs: PurgeCutoffs): Promise<PurgeCounts> {
    return purge(this.tables, cutoffs);
  }
}

export { outboxEntryFor } from "./outbox.js";
export type { OutboxSummary } from "./outbox.js";
export { fleetPostureOf, type FleetPosture } from "./fleetPosture.js";
export { fleetKey } from "./fleetReads.js";
export { retentionCutoffs } from "./retention.js";
export { storableEvidence } from "./findingRows.js";
export type { AuditQuery } from "./audit.js";
export type { EvaluationCommit } from "./findingsPartition.js";
export type { SummaryPage } from "./clusterSummaries.js";
export type { EventClaim } from "./events.js";
export type { GateClaim } from "./evaluationGate.js";
export type { RecheckAdmission } from "./recheckCooldown.js";
export type { PurgeCounts, PurgeCutoffs } from "./retention.js";
export type { ClosedSweep, OverdueSweep, SweepFailure, SweepMark, SweepProgress, SweepStart } from "./sweeps.js";
export type { ConnectOptions, OperationCounts } from "./tables.js";
