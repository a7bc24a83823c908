import { odata } from "@azure/data-tables";
import type { Summary } from "../baseline/types.js";
import type { ClusterRef } from "../model/snapshot.js";
import type { NodeHealth } from "../model/alerts.js";
import type { Trigger } from "../model/alerts.js";
import { clusterSummaryKeys, subscriptionPartitionKey } from "./keys.js";
import type { Row, Tables } from "./tables.js";
import { defined, jsonProperties, optionalString, readJsonProperties } from "./textProperties.js";
import type { ClusterSummaryRecord } from "./types.js";

/** The clusters table: PK subscription id, RK `resourcegroup~name`; display names are properties. */

export async function saveClusterSummary(tables: Tables, record: ClusterSummaryRecord): Promise<void> {
  const { partitionKey, rowKey } = clusterSummaryKeys(record.ref);
  await tables.upsert(
    "clusters",
    defined({
      partitionKey,
      rowKey,
      id: record.ref.id,
      subscriptionId: record.ref.subscriptionId,
      resourceGroup: record.ref.resourceGroup,
      name: record.ref.name,
      location: record.location,
      kubernetesVersion: record.kubernetesVersion,
      ...record.summary,
      lastEvaluatedAt: record.lastEvaluatedAt,
      lastTrigger: record.lastTrigger,
      lastEventAt: record.lastEventAt,
      configHash: record.configHash,
      deletedAt: record.deletedAt,
      ...(record.tags ? jsonProperties("tags", record.tags) : {}),
      ...(record.nodeHealth ? jsonProperties("nodeHealth", record.nodeHealth) : {}),
    }) as Row & { partitionKey: string; rowKey: string },
  );
}

export async function getClusterSummary(tables: Tables, ref: ClusterRef): Promise<ClusterSummaryRecord | undefined> {
  const { partitionKey, rowKey } = clusterSummaryKeys(ref);
  const row = await tables.get("clusters", partitionKey, rowKey);
  return row ? summaryOf(row) : undefined;
}

export interface SummaryPage {
  items: ClusterSummaryRecord[];
  /** Pass it back for the next page; absent on the last one. */
  continuation?: string;
}

export async function listClusterSummaries(
  tables: Tables,
  options: { subscriptionId?: string; continuation?: string; pageSize?: number } = {},
): Promise<SummaryPage> {
  const filter = options.subscriptionId ? odata`PartitionKey eq ${subscriptionPartitionKey(options.subscriptionId)}` : undefined;
  const page = await tables.page("clusters", filter ? { filter } : {}, {
    size: options.pageSize ?? 100,
    ...(options.continuation ? { continuation: options.continuation } : {}),
  });
  return { items: page.rows.map(summaryOf), ...(page.continuation ? { continuation: page.continuation } : {}) };
}

function summaryOf(row: Row): ClusterSummaryRecord {
  const optional = (name: string) => optionalString(row, name);
  const count = (name: keyof Summary) => Number(row[name] ?? 0);
  return defined({
    ref: { id: String(row.id), subscriptionId: String(row.subscriptionId), resourceGroup: String(row.resourceGroup), name: String(row.name) },
    location: optional("location"),
    kubernetesVersion: optional("kubernetesVersion"),
    summary: { pass: count("pass"), fail: count("fail"), error: count("error"), notApplicable: count("notApplicable"), exempt: count("exempt") },
    lastEvaluatedAt: String(row.lastEvaluatedAt),
    lastTrigger: row.lastTrigger as Trigger["kind"],
    lastEventAt: optional("lastEventAt"),
    configHash: String(row.configHash ?? ""),
    deletedAt: optional("deletedAt"),
    tags: typeof row.tags === "string" ? (readJsonProperties(row, "tags") as Record<string, string>) : undefined,
    nodeHealth: typeof row.nodeHealth === "string" ? (readJsonProperties(row, "nodeHealth") as NodeHealth) : undefined,
  }) as unknown as ClusterSummaryRecord;
}
