/**
 * SWEEP_DEADLINE_MINUTES: a sweep whose fan-out stalls (a queue backlog, an instance lost, a poison queue
 * not drained) still sends its digest. A timer finds the sweeps past their deadline whose digest is not
 * enqueued and closes each: the record's ETag lets exactly one closer (or the last cluster's mark) pick
 * the digest's alert id, so a race or a redone run enqueues the same digest, which the outbox refuses as
 * a duplicate. The digest holds what was read and names the clusters not reached. A message that arrives
 * after the close is evaluated and alerts as any other, but finds the digest's id set and sends none.
 */
import { randomUUID } from "node:crypto";
import type { DigestAlert } from "../model/alerts.js";
import type { TableStore } from "../store/tableStore.js";
import { enqueueSweepDigest } from "./sweep.js";

export interface ClosedByDeadline {
  sweepId: string;
  digest: DigestAlert;
  notReached: string[];
}

export async function closeOverdueSweeps(deps: { store: TableStore; now: () => Date; sweepDeadlineMinutes: number }): Promise<ClosedByDeadline[]> {
  const closed: ClosedByDeadline[] = [];
  for (const sweep of await deps.store.listOverdueSweeps(deps.now())) {
    const found = await deps.store.closeOverdueSweep(sweep, randomUUID);
    if (!found?.progress.digestAlertId) continue;
    const reason = `not reached within the sweep's ${deps.sweepDeadlineMinutes}-minute deadline (SWEEP_DEADLINE_MINUTES)`;
    const unevaluated = [...found.progress.failed, ...found.notReached.map((clusterId) => ({ clusterId, reason }))];
    const digest = await enqueueSweepDigest(sweep, found.progress.digestAlertId, unevaluated, deps);
    closed.push({ sweepId: sweep.sweepId, digest, notReached: found.notReached });
  }
  return closed;
}
