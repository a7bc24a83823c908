import { odata } from "@azure/data-tables";
import type { DigestAlert } from "../model/alerts.js";
import { invertedTimestamp, KEY_SEPARATOR } from "./keys.js";
import type { Row, Tables } from "./tables.js";

/**
 * The fleet's posture over time: one row per nightly digest, in the evaluations table under PK `~fleet`
 * (no cluster partition starts with `~`), RK the inverted time, so that it reads newest first and the
 * retention purge of evaluations removes old points too.
 */
export interface FleetPosture {
  at: string;
  clusters: number;
  /** Clusters with a failure at high or above. */
  failingClusters: number;
  counts: DigestAlert["counts"];
}

const PARTITION = `${KEY_SEPARATOR}fleet`;

/** Records the posture of a digest (idempotent: the same digest time writes the same row). */
export async function recordFleetPosture(tables: Tables, posture: FleetPosture): Promise<void> {
  const at = new Date(posture.at).toISOString();
  await tables.upsert("evaluations", {
    partitionKey: PARTITION,
    rowKey: invertedTimestamp(at),
    at,
    clusters: posture.clusters,
    failingClusters: posture.failingClusters,
    ...posture.counts,
  });
}

export function fleetPostureOf(digest: DigestAlert): FleetPosture {
  return { at: digest.at, clusters: digest.clusters, failingClusters: digest.failingClusters, counts: digest.counts };
}

/** The newest points, oldest first (at most `limit`). */
export async function listFleetPosture(tables: Tables, options: { limit?: number } = {}): Promise<FleetPosture[]> {
  const limit = options.limit ?? 90;
  if (limit <= 0) return [];
  const page = await tables.page("evaluations", { filter: odata`PartitionKey eq ${PARTITION}` }, { size: Math.min(1000, limit) });
  return page.rows.slice(0, limit).map(postureOf).reverse();
}

function postureOf(row: Row): FleetPosture {
  const count = (name: string) => Number(row[name] ?? 0);
  return {
    at: String(row.at),
    clusters: count("clusters"),
    failingClusters: count("failingClusters"),
    counts: { pass: count("pass"), fail: count("fail"), error: count("error"), exempt: count("exempt") },
  };
}
