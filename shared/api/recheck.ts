/**
 * A recheck asked for over HTTP (or by the Teams bot): the cluster read live from ARM and run through the
 * pipeline (trigger kind "recheck"), at most once per cluster per cooldown across instances (a row in
 * the store). The answer waits a few seconds for the evaluation; a slower one goes on in the background
 * of this instance and the caller gets 202 with the cluster's status URL (its `lastEvaluatedAt` tells
 * when it landed). If the instance is recycled before it lands, the evaluation is lost: the next recheck,
 * event or sweep evaluates the cluster again (nothing half-written: the pipeline commits with an ETag).
 */
import type { AuditRecord } from "../model/audit.js";
import type { ClusterRef, ReadError } from "../model/snapshot.js";
import { monitorCluster, type MonitorResult, type MonitorSettings, type MonitorStore } from "../monitor/pipeline.js";
import type { ClusterRead } from "../sources/arm/clusterReader.js";
import type { RecheckAdmission } from "../store/recheckCooldown.js";
import { json, problem, type ApiResponse } from "./responses.js";
import { clusterStatusPath } from "./routeParams.js";

export const RECHECK_COOLDOWN_MS = 60_000;
export const RECHECK_WAIT_MS = 8_000;

export interface RecheckStore extends MonitorStore {
  admitRecheck(ref: ClusterRef, cooldownMs: number, now?: string, by?: string): Promise<RecheckAdmission>;
  /** The audit trail: an admitted recheck is recorded (who, when, via). */
  recordAudit?(record: AuditRecord): Promise<void>;
}

export interface RecheckDeps {
  store: RecheckStore;
  reader: { read(ref: ClusterRef): Promise<ClusterRead> };
  monitorSettings: MonitorSettings;
  now?: () => Date;
  cooldownMs?: number;
  /** How long the answer waits for the evaluation before a 202. */
  waitMs?: number;
  /** Told of a background evaluation's failure (after a 202). */
  onBackgroundError?: (error: unknown) => void;
}

export type RecheckOutcome =
  | { kind: "evaluated"; ref: ClusterRef; result: MonitorResult; at: string }
  | { kind: "accepted"; ref: ClusterRef; done: Promise<unknown> }
  | { kind: "cooldown"; ref: ClusterRef; retryAfterSeconds: number }
  | { kind: "unreadable"; ref: ClusterRef; reason: ReadError };

type Finished = { kind: "evaluated"; result: MonitorResult; at: string } | Extract<RecheckOutcome, { kind: "unreadable" }>;

export async function recheckCluster(ref: ClusterRef, deps: RecheckDeps, trigger: { id?: string; by?: string; via?: "bot" | "http" } = {}): Promise<RecheckOutcome> {
  const clock = deps.now ?? (() => new Date());
  const admission = await deps.store.admitRecheck(ref, deps.cooldownMs ?? RECHECK_COOLDOWN_MS, clock().toISOString(), trigger.by);
  if (!admission.admitted) return { kind: "cooldown", ref, retryAfterSeconds: admission.retryAfterSeconds };
  await deps.store.recordAudit?.({ at: clock().toISOString(), action: "recheck", cluster: ref, actor: trigger.by ?? "a caller with the function key", via: trigger.via ?? "http" });
  const work: Promise<Finished> = (async () => {
    const read = await deps.reader.read(ref);
    if (!read.ok) return { kind: "unreadable", ref, reason: read.error };
    const now = clock();
    const result = await monitorCluster(read.snapshot, { kind: "recheck", ...(trigger.id ? { id: trigger.id } : {}) }, deps.store, deps.monitorSettings, now);
    return { kind: "evaluated", result, at: now.toISOString() };
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), deps.waitMs ?? RECHECK_WAIT_MS);
  });
  try {
    const first = await Promise.race([work, timeout]);
    if (first === "timeout") {
      const done = work.catch((error: unknown) => deps.onBackgroundError?.(error));
      return { kind: "accepted", ref, done };
    }
    return first.kind === "evaluated" ? { kind: "evaluated", ref, result: first.result, at: first.at } : first;
  } finally {
    clearTimeout(timer);
  }
}

/** The HTTP answer to an outcome. Transient storage failures are thrown by recheckCluster (a 500 from the host). */
export function recheckResponse(outcome: RecheckOutcome): ApiResponse {
  const ref = outcome.ref;
  const cluster = { id: ref.id, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name };
  switch (outcome.kind) {
    case "evaluated": {
      const { evaluation, transitions, alert } = outcome.result;
      return json(200, {
        cluster,
        status: "evaluated",
        evaluatedAt: outcome.at,
        summary: evaluation.summary,
        findings: evaluation.findings,
        transitions: transitions.filter((t) => t.kind !== "unchanged"),
        ...(alert ? { alertId: alert.alertId } : {}),
        warnings: evaluation.warnings,
      });
    }
    case "accepted": {
      const location = clusterStatusPath(ref);
      return json(202, { cluster, status: "accepted", message: "The evaluation is still running; its result will be at the status URL", statusUrl: location }, { location });
    }
    case "cooldown":
      return problem(429, "RecheckCooldown", `${ref.name} was rechecked moments ago; the next recheck can start in ${outcome.retryAfterSeconds} s`, {
        headers: { "retry-after": String(outcome.retryAfterSeconds) },
      });
    case "unreadable": {
      const error = outcome.reason;
      switch (error.kind) {
        case "notFound":
          return problem(404, "ClusterNotFound", `ARM has no managed cluster ${ref.name} in resource group ${ref.resourceGroup} of subscription ${ref.subscriptionId}`);
        case "forbidden":
          // The caller is not at fault: aksmon's own identity may not read the cluster (a missing Reader role).
          return problem(502, "ArmForbidden", `aksmon's identity may not read ${ref.name} in Azure (ARM answered ${error.status ?? 403}): grant it Reader on the subscription`);
        case "throttled":
        case "timeout":
        case "unavailable":
          return problem(503, "ArmUnavailable", `Reading ${ref.name} from ARM failed for now (${error.kind}); try again shortly`, { headers: { "retry-after": "60" } });
        case "invalid":
          return problem(502, "ArmInvalidResponse", `ARM answered something that is not a managed cluster for ${ref.name}`);
      }
    }
  }
}

