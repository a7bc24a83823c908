/**
 * `aksmon audit [--cluster <id>] [--since <iso>] [--json]`: the audit trail (snoozes, unsnoozes, exemption
 * changes, rechecks), newest first: when, what, which cluster and check, who, via, until, reason. The store
 * is opened as for the other commands: the configured storage, else the embedded Azurite under AKSMON_HOME.
 */
import { readSettings } from "../config/settings.js";
import { isClusterName, isResourceGroupName, isSubscriptionId, parseClusterId } from "../model/clusterRef.js";
import type { AuditRecord } from "../model/audit.js";
import type { ClusterRef } from "../model/snapshot.js";
import { singleLine, truncate } from "../report/text.js";
import { storeOrEmbedded } from "../store/embeddedAzurite.js";
import type { CommandResult } from "./check.js";
import { UsageError } from "./scope.js";

export interface AuditOptions {
  cluster?: string;
  since?: string;
  json: boolean;
  /** Default 1,000. */
  limit?: number;
}

export async function runAudit(options: AuditOptions): Promise<CommandResult> {
  // Checked before the store starts: bad input changes nothing and fails at once.
  const cluster = options.cluster === undefined ? undefined : clusterOf(options.cluster);
  const since = options.since === undefined ? undefined : sinceOf(options.since);
  const settings = readSettings();
  const store = await storeOrEmbedded(settings);
  try {
    const rows = await store.listAudit({ ...(cluster ? { cluster } : {}), ...(since ? { since } : {}), limit: options.limit ?? 1_000 });
    if (options.json) return { exitCode: 0, stdout: `${JSON.stringify({ count: rows.length, audit: rows.map(jsonRow) }, null, 2)}\n`, stderr: [] };
    return { exitCode: 0, stdout: table(rows), stderr: [] };
  } finally {
    await store.close();
  }
}

function clusterOf(text: string): ClusterRef {
  const parsed = parseClusterId(text.trim());
  if (!parsed || parsed.childPath !== "" || !isSubscriptionId(parsed.subscriptionId) || !isResourceGroupName(parsed.resourceGroup) || !isClusterName(parsed.name)) {
    throw new UsageError(`--cluster ${JSON.stringify(text)} is not a managed cluster's resource id`);
  }
  return { id: parsed.id, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name };
}

function sinceOf(text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? Date.parse(text.trim()) : Number.NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since ${JSON.stringify(text)} is not an ISO 8601 time (2026-11-26 or 2026-11-26T14:00:00Z)`);
  return new Date(at).toISOString();
}

function jsonRow(record: AuditRecord) {
  const { cluster, ...rest } = record;
  return { ...rest, cluster: cluster.id };
}

function table(rows: readonly AuditRecord[]): string {
  if (rows.length === 0) return "no audit rows\n";
  const lines = rows.map((row) => {
    const parts = [row.at, row.action.padEnd(16), row.cluster.name || row.cluster.id, row.check ?? "-", `by ${singleLine(row.actor)}`, `via ${row.via}`];
    if (row.until) parts.push(`until ${row.until}`);
    if (row.reason) parts.push(`reason: ${truncate(singleLine(row.reason), 200)}`);
    return parts.join("  ");
  });
  return `${lines.join("\n")}\n${rows.length} audit row${rows.length === 1 ? "" : "s"}\n`;
}
