import { clusterPartitionKey, KEY_SEPARATOR } from "./keys.js";
import type { Row, Tables } from "./tables.js";
import type { ClusterRef } from "../model/snapshot.js";

/**
 * The recheck cooldown of a cluster, shared by every instance: one row in the cluster's partition of the
 * events table (RK `~recheck`: no encoded event id starts with `~`, so it never collides with one),
 * taken with an insert or an ETag-guarded replace, so two instances asking at once admit one recheck.
 * Its `recordedAt` lets the events retention purge it like any event row.
 */
export const RECHECK_ROW_KEY = `${KEY_SEPARATOR}recheck`;

export type RecheckAdmission = { admitted: true } | { admitted: false; retryAfterSeconds: number; lastAt: string; by?: string };

export async function admitRecheck(tables: Tables, ref: ClusterRef, cooldownMs: number, now: string, by?: string): Promise<RecheckAdmission> {
  const partitionKey = clusterPartitionKey(ref);
  const entity = { partitionKey, rowKey: RECHECK_ROW_KEY, lastRecheckAt: now, recordedAt: now, ...(by ? { by: by.slice(0, 200) } : {}) } as Row & {
    partitionKey: string;
    rowKey: string;
  };
  if (await tables.insert("events", entity)) return { admitted: true };
  const row = await tables.get("events", partitionKey, RECHECK_ROW_KEY);
  if (!row) return (await tables.insert("events", entity)) ? { admitted: true } : refused(now, now, cooldownMs);
  const lastAt = typeof row.lastRecheckAt === "string" ? row.lastRecheckAt : "";
  const last = Date.parse(lastAt);
  const by0 = typeof row.by === "string" ? row.by : undefined;
  if (Number.isFinite(last) && Date.parse(now) - last < cooldownMs) return refused(lastAt, now, cooldownMs, by0);
  // Stale: take it over, unless another instance took it first (its ETag changed).
  if (await tables.replaceIfMatch("events", entity, row.etag)) return { admitted: true };
  return refused(now, now, cooldownMs);
}

function refused(lastAt: string, now: string, cooldownMs: number, by?: string): RecheckAdmission {
  const remaining = Date.parse(lastAt) + cooldownMs - Date.parse(now);
  return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(remaining / 1000)), lastAt, ...(by ? { by } : {}) };
}
