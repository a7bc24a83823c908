import { randomUUID } from "node:crypto";
import { odata } from "@azure/data-tables";
import type { AuditAction, AuditRecord } from "../model/audit.js";
import { parseClusterId } from "../model/clusterRef.js";
import type { ClusterRef } from "../model/snapshot.js";
import { clusterPartitionKey, invertedTimestamp, KEY_SEPARATOR } from "./keys.js";
import type { Row, StoredRow, Tables } from "./tables.js";
import { defined, optionalString, truncateText } from "./textProperties.js";

/**
 * The audit table, append-only: PK the cluster, RK `<inverted timestamp>~<random>`, so that a cluster's
 * trail reads newest first and two actions in the same millisecond never overwrite each other. Rows are
 * only inserted, and deleted only by the retention (AUDIT_RETENTION_DAYS, on `at`).
 */
export async function recordAudit(tables: Tables, record: AuditRecord): Promise<void> {
  const at = new Date(record.at);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a time: ${JSON.stringify(record.at)}`);
  const inserted = await tables.insert(
    "audit",
    defined({
      partitionKey: clusterPartitionKey(record.cluster),
      rowKey: `${invertedTimestamp(at)}${KEY_SEPARATOR}${randomUUID()}`,
      at: at.toISOString(),
      action: record.action,
      clusterId: truncateText(record.cluster.id, 1_000),
      actor: truncateText(record.actor, 500),
      via: record.via,
      check: record.check === undefined ? undefined : truncateText(record.check, 200),
      until: record.until === undefined ? undefined : new Date(record.until).toISOString(),
      reason: record.reason === undefined ? undefined : truncateText(record.reason, 2_000),
    }) as Row & { partitionKey: string; rowKey: string },
  );
  if (!inserted) throw new Error("an audit row with the same key exists (a random key collided)");
}

export interface AuditQuery {
  /** One cluster's trail; all clusters without it. */
  cluster?: ClusterRef;
  /** Rows at or after this time. */
  since?: string;
  /** Default 200. */
  limit?: number;
}

/** The trail, newest first. */
export async function listAudit(tables: Tables, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const limit = query.limit ?? 200;
  if (limit <= 0) return [];
  const since = query.since === undefined ? undefined : new Date(query.since).toISOString();
  const filters: string[] = [];
  if (query.cluster) filters.push(odata`PartitionKey eq ${clusterPartitionKey(query.cluster)}`);
  if (since) filters.push(odata`at ge ${since}`);
  const rows: StoredRow[] = [];
  let continuation: string | undefined;
  do {
    const page = await tables.page("audit", filters.length > 0 ? { filter: filters.join(" and ") } : {}, continuation ? { continuation } : {});
    rows.push(...page.rows);
    // Within one cluster the rows come newest first, so `limit` of them are the newest; across clusters all are read.
    continuation = query.cluster && rows.length >= limit ? undefined : page.continuation;
  } while (continuation);
  return rows
    .map(auditOf)
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, limit);
}

function auditOf(row: Row): AuditRecord {
  const id = String(row.clusterId ?? "");
  const parsed = parseClusterId(id);
  return defined({
    at: String(row.at),
    action: row.action as AuditAction,
    cluster: parsed ? { id: parsed.id, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name } : { id, subscriptionId: "", resourceGroup: "", name: "" },
    actor: String(row.actor ?? ""),
    via: row.via as AuditRecord["via"],
    check: optionalString(row, "check"),
    until: optionalString(row, "until"),
    reason: optionalString(row, "reason"),
  }) as unknown as AuditRecord;
}
