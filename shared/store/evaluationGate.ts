import { odata } from "@azure/data-tables";
import type { ClusterRef } from "../model/snapshot.js";
import type { Actor } from "../model/alerts.js";
import { clusterPartitionKey, KEY_SEPARATOR } from "./keys.js";
import type { Row, Tables } from "./tables.js";
import { readJsonProperties } from "./textProperties.js";

/**
 * The evaluation gate of a cluster: how a burst of events becomes one evaluation per change. One row in
 * the cluster's partition of the events table (RK `~evaluating`, which no encoded event id can be):
 * - `evaluatedThrough`: when the last finished evaluation started reading the cluster (or the time of the
 *   resource body it evaluated): every event that arrived before that time is covered by it;
 * - a lease (`holder`, `leaseUntil`): one evaluation at a time; the events arriving meanwhile wait for it
 *   and then find themselves covered, or take the lease for one more evaluation that covers them all.
 * Taken with an insert or an ETag-guarded replace, so two instances never both hold it. `recordedAt`
 * lets the events retention purge a gate nobody used for that long.
 */
export const GATE_ROW_KEY = `${KEY_SEPARATOR}evaluating`;

export type GateClaim =
  /** This caller holds the lease; `evaluatedThrough` is the previous evaluation's, if any. */
  | { outcome: "claimed"; evaluatedThrough?: string }
  /** An evaluation that started after `arrivedAt` has finished: nothing to do. */
  | { outcome: "covered"; evaluatedThrough: string }
  /** Another caller holds the lease until then. */
  | { outcome: "busy"; holder: string; leaseUntil: string };

export async function claimEvaluation(
  tables: Tables,
  ref: ClusterRef,
  claim: { arrivedAt: string; holder: string; now: string; leaseMs: number },
): Promise<GateClaim> {
  const partitionKey = clusterPartitionKey(ref);
  const leaseUntil = new Date(Date.parse(claim.now) + claim.leaseMs).toISOString();
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await tables.get("events", partitionKey, GATE_ROW_KEY);
    if (!row) {
      const entity = { partitionKey, rowKey: GATE_ROW_KEY, holder: claim.holder, leaseUntil, evaluatedThrough: "", recordedAt: claim.now };
      if (await tables.insert("events", entity)) return { outcome: "claimed" };
      continue;
    }
    const through = stringOf(row, "evaluatedThrough");
    if (through && Date.parse(through) > Date.parse(claim.arrivedAt)) return { outcome: "covered", evaluatedThrough: through };
    const holder = stringOf(row, "holder");
    const until = stringOf(row, "leaseUntil");
    if (holder && until && Date.parse(until) > Date.parse(claim.now)) return { outcome: "busy", holder, leaseUntil: until };
    const entity = { partitionKey, rowKey: GATE_ROW_KEY, holder: claim.holder, leaseUntil, evaluatedThrough: through ?? "", recordedAt: claim.now };
    if (await tables.replaceIfMatch("events", entity, row.etag)) return { outcome: "claimed", ...(through ? { evaluatedThrough: through } : {}) };
  }
  throw new Error(`the evaluation gate of ${ref.id} changed ten times in a row; to be retried`);
}

/**
 * Ends the holder's lease; `evaluatedThrough` (when the evaluation finished) moves the gate forward, never
 * back. A lease that expired and was taken by another caller is left to it.
 */
export async function releaseEvaluation(tables: Tables, ref: ClusterRef, release: { holder: string; now: string; evaluatedThrough?: string }): Promise<void> {
  const partitionKey = clusterPartitionKey(ref);
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await tables.get("events", partitionKey, GATE_ROW_KEY);
    if (!row) return;
    const previous = stringOf(row, "evaluatedThrough");
    const through = [previous, release.evaluatedThrough]
      .filter((t): t is string => t !== undefined && Number.isFinite(Date.parse(t)))
      .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
    const ours = stringOf(row, "holder") === release.holder;
    if (!ours && through === previous) return;
    const entity = {
      partitionKey,
      rowKey: GATE_ROW_KEY,
      holder: ours ? "" : (stringOf(row, "holder") ?? ""),
      leaseUntil: ours ? "" : (stringOf(row, "leaseUntil") ?? ""),
      evaluatedThrough: through ?? "",
      recordedAt: release.now,
    };
    if (await tables.replaceIfMatch("events", entity, row.etag)) return;
  }
  throw new Error(`the evaluation gate of ${ref.id} changed ten times in a row while being released`);
}

/**
 * Who made the latest change among the events of a cluster recorded in (`after`, `until`]: the caller a
 * write event carried, for an evaluation that another event of the same burst started.
 */
export async function latestActor(tables: Tables, ref: ClusterRef, window: { after: string; until: string }): Promise<Actor | undefined> {
  const filter = odata`PartitionKey eq ${clusterPartitionKey(ref)} and recordedAt gt ${window.after} and recordedAt le ${window.until}`;
  const rows = await tables.all("events", { filter, select: ["actorJson", "time"] });
  const actors = rows
    .filter((row) => typeof row.actorJson === "string")
    .map((row) => readJsonProperties(row, "actorJson") as Actor)
    .filter((actor) => typeof actor?.name === "string" && actor.name !== "");
  return actors.sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0))[0];
}

function stringOf(row: Row, name: string): string | undefined {
  const value = row[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
