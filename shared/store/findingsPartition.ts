import { odata } from "@azure/data-tables";
import type { TransactionAction } from "@azure/data-tables";
import { clusterKey } from "../model/clusterRef.js";
import type { ClusterRef } from "../model/snapshot.js";
import type { Alert } from "../model/alerts.js";
import {
  alertOf,
  findingEntity,
  findingFingerprint,
  findingOf,
  isPendingAlertRow,
  pendingAlertEntity,
  stateEntity,
} from "./findingRows.js";
import { clusterPartitionKey, pendingAlertRowKey, STATE_ROW_KEY } from "./keys.js";
import { enqueue, outboxEntryFor } from "./outbox.js";
import { StoreError } from "./storageError.js";
import type { Tables } from "./tables.js";
import type { ClusterState, FindingRecord } from "./types.js";

/**
 * A cluster's findings partition: one row per check, one state row whose ETag guards every save, and
 * the alerts committed with the findings but not yet copied to the outbox.
 */

export async function loadClusterState(tables: Tables, ref: ClusterRef): Promise<ClusterState> {
  const partitionKey = clusterPartitionKey(ref);
  const rows = await tables.all("findings", { filter: odata`PartitionKey eq ${partitionKey}` });
  const state: ClusterState = { clusterKey: clusterKey(ref), findings: new Map(), sequence: 0, pendingAlerts: [] };
  for (const row of rows) {
    if (row.rowKey === STATE_ROW_KEY) {
      state.etag = row.etag;
      state.sequence = Number(row.sequence ?? 0);
      if (typeof row.lastAlertAt === "string") state.lastAlertAt = row.lastAlertAt;
    } else if (isPendingAlertRow(row.rowKey ?? "")) {
      state.pendingAlerts.push(alertOf(row));
    } else {
      const finding = findingOf(row);
      state.findings.set(finding.check, finding);
    }
  }
  return state;
}

export interface EvaluationCommit {
  /** The state the findings were diffed against: its ETag is the guard. */
  previous: ClusterState;
  /** The findings after this evaluation; only those that differ from `previous` are written. */
  findings: FindingRecord[];
  /** The alert of this evaluation, written as a pending row in the same transaction. */
  alert?: Alert;
  /** The cooldown clock; kept from `previous` when not given. */
  lastAlertAt?: string;
}

/**
 * Writes an evaluation in one transaction: the changed findings, the alert as a pending row, and the
 * state row last (update If-Match the previous ETag, or create when there was none, so that two first
 * evaluations cannot both win). "conflict": someone committed since `previous` was read; re-read and
 * re-diff. The state row goes last so that a conflict is found after the other writes were applied
 * and shows that the service rolls them back.
 */
export async function commitEvaluation(tables: Tables, ref: ClusterRef, commit: EvaluationCommit): Promise<"committed" | "conflict"> {
  const key = clusterKey(ref);
  if (commit.previous.clusterKey !== key) throw new Error(`the previous state is of ${commit.previous.clusterKey}, not of ${key}`);
  const partitionKey = clusterPartitionKey(ref);
  const actions: TransactionAction[] = [];
  const seen = new Set<string>();
  for (const finding of commit.findings) {
    if (seen.has(finding.check)) throw new Error(`two findings for check ${finding.check}`);
    seen.add(finding.check);
    const before = commit.previous.findings.get(finding.check);
    if (before && findingFingerprint(partitionKey, before) === findingFingerprint(partitionKey, finding)) continue;
    actions.push(["upsert", findingEntity(partitionKey, finding), "Replace"]);
  }
  if (commit.alert) actions.push(["upsert", pendingAlertEntity(partitionKey, commit.alert), "Replace"]);
  const lastAlertAt = commit.lastAlertAt ?? commit.previous.lastAlertAt;
  const state = stateEntity(partitionKey, {
    clusterKey: key,
    sequence: commit.previous.sequence + 1,
    ...(lastAlertAt ? { lastAlertAt } : {}),
    committedAt: new Date().toISOString(),
  });
  actions.push(commit.previous.etag === undefined ? ["create", state] : ["update", state, "Replace", { etag: commit.previous.etag }]);
  try {
    await tables.transaction("findings", actions);
    return "committed";
  } catch (error) {
    // Only the state row can answer 412 (stale ETag), 409 (created meanwhile) or 404 (gone meanwhile).
    if (error instanceof StoreError && (error.status === 412 || error.status === 409 || error.status === 404)) return "conflict";
    throw error;
  }
}

/**
 * Copies committed alerts to the outbox, then drops their pending rows. Insert-only: an alert already
 * in the outbox (a second promote after an interruption) is left as it is, claimed or not, so that a
 * sender holding it keeps its lease; an alert re-inserted after it was sent is caught when claimed.
 */
export async function promotePendingAlerts(
  tables: Tables,
  ref: ClusterRef,
  alerts: readonly Alert[],
  options: { now?: string; notBefore?: string } = {},
): Promise<void> {
  const partitionKey = clusterPartitionKey(ref);
  const now = options.now ?? new Date().toISOString();
  await Promise.all(
    alerts.map(async (alert) => {
      const notBefore = options.notBefore ?? (alert.kind === "drift" ? alert.notBefore : undefined);
      await enqueue(tables, outboxEntryFor(alert, { now, ...(notBefore ? { notBefore } : {}) }));
      await tables.delete("findings", partitionKey, pendingAlertRowKey(alert.alertId));
    }),
  );
}
