import type { Evidence, Severity, Status, Summary } from "../baseline/types.js";
import type { NodeHealth } from "../model/alerts.js";
import type { Actor, Alert, SettingChange, Trigger } from "../model/alerts.js";
import type { ClusterRef } from "../model/snapshot.js";

/** The stored state of one check on one cluster (table `findings`, PK cluster key, RK check id). */
export interface FindingRecord {
  check: string;
  /** The last real verdict: pass, fail or notApplicable. An `error` never overwrites it. */
  status: Status;
  /** The verdict of the last evaluation, `error` included. */
  lastStatus: Status;
  severity: Severity;
  title: string;
  message: string;
  /** What the check read at the last real verdict: the "before" of the next drift. Kept small. */
  evidence: Evidence[];
  /** When the current failure started (fail only). */
  firstSeen?: string;
  lastSeen: string;
  resolvedAt?: string;
  /** It has failed at some time: a new failure after a resolution is a regression. */
  everFailed: boolean;
  /** When the real status changed, within the flap window (newest last, capped). */
  changes: string[];
  /** Set while the check flaps, from when the flap was reported (on its first failure while flapping). */
  flappingSince?: string;
  /** The reason of the last `error`, while the status is kept. */
  lastError?: string;
  /** The remediation command with the cluster's names filled in, while it fails. */
  remediation?: string;
  /** The end of the snooze in force at the last evaluation: its end, while the check fails, is alerted. */
  snoozedUntil?: string;
  /** A tag exemption covered it at the last evaluation (its appearing and going are audited). */
  exempt?: boolean;
  baseline: string;
}

/** A cluster's findings partition as loaded, with the guard that makes a save conditional. */
export interface ClusterState {
  /** Lower-cased cluster id: the partition key (encoded) of findings, evaluations, suppressions. */
  clusterKey: string;
  findings: Map<string, FindingRecord>;
  /** ETag of the partition's state row; undefined when the cluster was never evaluated. */
  etag?: string;
  /** Evaluations committed so far. */
  sequence: number;
  /** When the last drift alert for this cluster was enqueued (the per-cluster cooldown). */
  lastAlertAt?: string;
  /** Alerts committed with the findings but not yet copied to the outbox (a save interrupted between the two). */
  pendingAlerts: Alert[];
}

export interface Suppression {
  check: string;
  until: string;
  by: string;
  reason: string;
  createdAt: string;
}

/** The row of the `clusters` table: the latest summary of a cluster. */
export interface ClusterSummaryRecord {
  ref: ClusterRef;
  location?: string;
  kubernetesVersion?: string;
  summary: Summary;
  lastEvaluatedAt: string;
  lastTrigger: Trigger["kind"];
  lastEventAt?: string;
  /** A hash of the cluster's normalised configuration: changes when anything the ARM body holds changes. */
  configHash: string;
  /** Set when the cluster was deleted: its findings are closed, it leaves the posture counts. */
  deletedAt?: string;
  /** The cluster's Azure tags (for filters). */
  tags?: Record<string, string>;
  /** Nodes waiting for a reboot and every pool's node image age, as of the last evaluation. */
  nodeHealth?: NodeHealth;
}

/** One row of the `evaluations` table (the trend). */
export interface EvaluationRecord {
  at: string;
  trigger: Trigger["kind"];
  triggerId?: string;
  summary: Summary;
  durationMs: number;
  transitions: number;
  alertId?: string;
  /** The checks that failed, regressed or resolved in this evaluation, with the settings that changed. */
  changes?: EvaluationChange[];
  /** Who made the change that triggered it (a Microsoft.Resources write event's caller). */
  actor?: Actor;
}

/** One line of a cluster's change history. */
export interface EvaluationChange {
  check: string;
  kind: "newFailure" | "regressed" | "resolved";
  severity: Severity;
  title: string;
  /** Settings the check read that changed: `path: before → after` (at most a few, values cut short). */
  settings: SettingChange[];
}

export type OutboxState = "pending" | "sent" | "dead";

/** An alert in the outbox (table `outbox`, PK state, RK alert id). */
export interface OutboxEntry {
  alertId: string;
  state: OutboxState;
  alert: Alert;
  /** The cluster it is about (drift and lifecycle alerts), lower-cased id: to merge or find them. */
  clusterKey?: string;
  createdAt: string;
  /** Not sent before this time (cooldown, backoff). */
  nextAttemptAt: string;
  attempts: number;
  lastError?: string;
  sentAt?: string;
  /** Held by a sender until this time (a claim, so that two senders never send the same alert). */
  leaseUntil?: string;
  /** When `aksmon outbox --redrive` re-queued it (dead before): its time to be retried starts again here. */
  redrivenAt?: string;
  etag?: string;
}

/** Where a Teams bot was installed: enough to send it proactive messages. */
export interface ConversationRecord {
  id: string;
  /** The Bot Framework ConversationReference, as JSON. */
  reference: Record<string, unknown>;
  savedAt: string;
}

/** An Event Grid event being processed or processed (table `events`, shared/store/events.ts). */
export interface EventRecord {
  id: string;
  type: string;
  time: string;
  clusterKey?: string;
  /** Who made the change, for a Microsoft.Resources write event. */
  actor?: Actor;
  subject?: string;
  /** Once done: what processing it came to (evaluated, ignored, ...) and why, when it did nothing. */
  outcome?: string;
  reason?: string;
}
