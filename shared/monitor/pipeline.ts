/**
 * The one pipeline every trigger ends in: evaluate a snapshot, diff it with the stored findings, save
 * findings + state + the alert in one conditional transaction, then copy the alert to the outbox.
 *
 * Two evaluations of one cluster at the same time: both read the partition, both diff, only one commit
 * passes the ETag guard; the other re-reads (now seeing the first one's verdicts) and re-diffs, so no
 * update is lost and no transition is alerted twice. A storage failure before the commit changes nothing
 * (the transaction is atomic); one after it leaves the alert in the partition, promoted on the next load.
 */
import { createHash, randomUUID } from "node:crypto";
import type { ManagedCluster } from "@azure/arm-containerservice";
import { BASELINE_VERSION } from "../baseline/catalogue.js";
import { evaluate } from "../baseline/evaluate.js";
import type { Profile } from "../baseline/profile.js";
import type { ClusterEvaluation, Severity } from "../baseline/types.js";
import { bySeverity } from "../report/severity.js";
import type { ClusterRef, ClusterSnapshot } from "../model/snapshot.js";
import type {
  Alert,
  ClusterAlert,
  Transition,
  Trigger,
} from "../model/alerts.js";
import type { AuditRecord } from "../model/audit.js";
import type { ClusterState, ClusterSummaryRecord, EvaluationChange, EvaluationRecord, FindingRecord, Suppression } from "../store/types.js";
import { nodeHealthOf } from "./digest.js";
import { diff, exemptionChanges } from "./diff.js";

/** What the pipeline needs of the store (shared/store/tableStore.ts implements it). */
export interface MonitorStore {
  loadClusterState(ref: ClusterRef): Promise<ClusterState>;
  commitEvaluation(
    ref: ClusterRef,
    change: { previous: ClusterState; findings: FindingRecord[]; alert?: Alert; lastAlertAt?: string },
  ): Promise<"committed" | "conflict">;
  /** `now`: the outbox entries' creation time and, without a cooldown, their due time (the evaluation's clock). */
  promotePendingAlerts(ref: ClusterRef, alerts: readonly Alert[], options?: { now?: string }): Promise<void>;
  listSuppressions(ref: ClusterRef, now: string): Promise<Suppression[]>;
  saveClusterSummary(record: ClusterSummaryRecord): Promise<void>;
  recordEvaluation(ref: ClusterRef, record: EvaluationRecord): Promise<void>;
  /** The audit trail: a check's tag exemption seen to appear or go. Without it, nothing is audited. */
  recordAudit?(record: AuditRecord): Promise<void>;
}

export interface MonitorSettings {
  profile: Profile;
  /** Transitions below this severity are recorded, not alerted. */
  minSeverity: Severity;
  /** At most one card per cluster per cooldown; news within it joins the next card. */
  cooldownMinutes: number;
  flapWindowHours: number;
  flapThreshold: number;
}

export interface MonitorResult {
  evaluation: ClusterEvaluation;
  transitions: Transition[];
  alert?: ClusterAlert;
  /** Commits lost to a concurrent evaluation before this one won. */
  conflicts: number;
}

const MAX_ATTEMPTS = 8;

export async function monitorCluster(
  snapshot: ClusterSnapshot,
  trigger: Trigger,
  store: MonitorStore,
  settings: MonitorSettings,
  now: Date = new Date(),
): Promise<MonitorResult> {
  const started = performance.now();
  const ref = snapshot.ref;
  const evaluation = evaluate(snapshot, settings.profile, now);
  // The outbox times follow the evaluation's clock, as the cooldown's `notBefore` does (never the wall clock).
  const promote = { now: now.toISOString() };
  for (let conflicts = 0; conflicts < MAX_ATTEMPTS; conflicts++) {
    const state = await store.loadClusterState(ref);
    if (state.pendingAlerts.length > 0) await store.promotePendingAlerts(ref, state.pendingAlerts, promote);
    const suppressions = new Map((await store.listSuppressions(ref, now.toISOString())).map((s) => [s.check, s]));
    const { transitions, records } = diff(state, evaluation, {
      now,
      baseline: BASELINE_VERSION,
      minSeverity: settings.minSeverity,
      flapWindowHours: settings.flapWindowHours,
      flapThreshold: settings.flapThreshold,
      suppressions,
    });
    const alert = clusterAlert(snapshot, trigger, transitions, now, state.lastAlertAt, settings.cooldownMinutes);
    const outcome = await store.commitEvaluation(ref, {
      previous: state,
      findings: records,
      ...(alert ? { alert, lastAlertAt: alert.notBefore ?? alert.evaluatedAt } : {}),
    });
    if (outcome === "conflict") continue;
    if (alert) await store.promotePendingAlerts(ref, [alert], promote);
    await store.saveClusterSummary(summaryOf(snapshot, evaluation, trigger, now));
    await store.recordEvaluation(ref, {
      at: now.toISOString(),
      trigger: trigger.kind,
      ...(trigger.id ? { triggerId: trigger.id } : {}),
      summary: evaluation.summary,
      durationMs: Math.round(performance.now() - started),
      transitions: transitions.filter((t) => t.kind !== "unchanged" && t.kind !== "stillFailing").length,
      ...(alert ? { alertId: alert.alertId } : {}),
      changes: transitions
        .filter((t): t is Transition & { kind: EvaluationChange["kind"] } => t.kind === "newFailure" || t.kind === "regressed" || t.kind === "resolved")
        .map((t) => ({ check: t.check, kind: t.kind, severity: t.severity, title: t.title, settings: t.changes })),
      ...(trigger.actor ? { actor: trigger.actor } : {}),
    });
    if (store.recordAudit) {
      for (const change of exemptionChanges(state, evaluation)) await store.recordAudit(exemptionAudit(ref, change, trigger, now));
    }
    return { evaluation, transitions, ...(alert ? { alert } : {}), conflicts };
  }
  throw new Error(`${ref.id}: ${MAX_ATTEMPTS} concurrent evaluations in a row won the commit; giving up for now`);
}

/** The card's worth of news, or nothing when no transition is alertable. Scheduled after the cooldown. */
function clusterAlert(
  snapshot: ClusterSnapshot,
  trigger: Trigger,
  transitions: Transition[],
  now: Date,
  lastAlertAt: string | undefined,
  cooldownMinutes: number,
): ClusterAlert | undefined {
  const loud = transitions.filter((t) => !t.quiet);
  const failures = bySeverity(loud.filter((t) => t.kind === "newFailure" || t.kind === "regressed" || (t.kind === "stillFailing" && t.snoozeEnded)));
  const resolved = bySeverity(loud.filter((t) => t.kind === "resolved"));
  if (failures.length === 0 && resolved.length === 0) return undefined;
  const alert: ClusterAlert = {
    kind: "drift",
    alertId: randomUUID(),
    cluster: { ...snapshot.ref, ...(snapshot.cluster.location ? { location: snapshot.cluster.location } : {}) },
    evaluatedAt: now.toISOString(),
    trigger,
    failures,
    resolved,
    stillFailing: transitions.filter((t) => t.to === "fail" && !failures.includes(t)).length,
  };
  const notBefore = cooldownEnd(now, lastAlertAt, cooldownMinutes);
  if (notBefore) alert.notBefore = notBefore;
  return alert;
}

/** Who changed the tag when an event says so, else the evaluation that saw it. */
function exemptionAudit(ref: ClusterRef, change: ReturnType<typeof exemptionChanges>[number], trigger: Trigger, now: Date): AuditRecord {
  const until = change.exemption?.until;
  return {
    at: now.toISOString(),
    action: change.added ? "exemptionAdded" : "exemptionRemoved",
    cluster: ref,
    actor: trigger.actor?.name ?? change.exemption?.by ?? "evaluation",
    via: "evaluation",
    check: change.check,
    ...(until && !Number.isNaN(Date.parse(until)) ? { until } : {}),
    ...(change.exemption?.reason ? { reason: change.exemption.reason } : {}),
  };
}

/**
 * When the next card of a cluster may go: now, unless the last one was sent (or is scheduled) less than a
 * cooldown ago; a card still waiting is joined rather than pushed further back.
 */
export function cooldownEnd(now: Date, lastAlertAt: string | undefined, cooldownMinutes: number): string | undefined {
  if (!lastAlertAt || cooldownMinutes <= 0) return undefined;
  const last = Date.parse(lastAlertAt);
  if (last > now.getTime()) return new Date(last).toISOString();
  const end = last + cooldownMinutes * 60_000;
  return end > now.getTime() ? new Date(end).toISOString() : undefined;
}

function summaryOf(snapshot: ClusterSnapshot, evaluation: ClusterEvaluation, trigger: Trigger, now: Date): ClusterSummaryRecord {
  const record: ClusterSummaryRecord = {
    ref: snapshot.ref,
    summary: evaluation.summary,
    lastEvaluatedAt: now.toISOString(),
    lastTrigger: trigger.kind,
    configHash: configHash(snapshot.cluster),
  };
  if (snapshot.cluster.location) record.location = snapshot.cluster.location;
  const version = snapshot.cluster.currentKubernetesVersion ?? snapshot.cluster.kubernetesVersion;
  if (version) record.kubernetesVersion = version;
  if (snapshot.cluster.tags && Object.keys(snapshot.cluster.tags).length > 0) record.tags = snapshot.cluster.tags;
  const health = nodeHealthOf(snapshot);
  // At most 100 waiting nodes are kept (the oldest): enough for a page, small enough for one row.
  if (health.pools.length > 0 || health.reboots.length > 0) record.nodeHealth = { ...health, reboots: health.reboots.slice(0, 100) };
  if (trigger.kind === "event") record.lastEventAt = trigger.actor?.at ?? now.toISOString();
  return record;
}

/** A hash of the cluster's configuration, with keys sorted and the volatile state left out. */
export function configHash(cluster: ManagedCluster): string {
  const { powerState: _power, provisioningState: _provisioning, ...rest } = cluster;
  return createHash("sha256").update(stableJson(rest)).digest("hex").slice(0, 32);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
