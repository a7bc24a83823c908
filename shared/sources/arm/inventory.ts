/**
 * Fleet inventory: every managed cluster in scope, with its full resource body, through Azure Resource
 * Graph; per subscription `managedClusters.list()` when Resource Graph is not allowed (403).
 */
import type { ManagedCluster } from "@azure/arm-containerservice";
import { parseClusterId } from "../../model/clusterRef.js";
import type { ClusterRef, ReadError } from "../../model/snapshot.js";
import { managedClusterFromRest, withoutNulls } from "../sdkModel.js";
import type { ArmConnection } from "./armConnection.js";
import { kqlString, queryResourceGraph } from "./resourceGraph.js";
import { readErrorOf } from "./readError.js";

export interface InventoryScope {
  subscriptions: readonly string[];
  resourceGroup?: string;
  /** Tag filters: every one must match; the tag name exactly (as Resource Graph's `tags['name']`), the value case-insensitively (`=~`). */
  tags?: Readonly<Record<string, string>>;
}

export interface InventoryItem {
  ref: ClusterRef;
  cluster: ManagedCluster;
}

export interface Inventory {
  items: InventoryItem[];
  source: "resourceGraph" | "managedClusters.list";
  /** Subscriptions (or Resource Graph itself) that could not be read, with the cause. */
  problems: Array<{ subscriptionId: string; error: ReadError }>;
}

export function inventoryQuery(scope: InventoryScope): string {
  const lines = ["resources", "| where type =~ 'microsoft.containerservice/managedclusters'"];
  if (scope.resourceGroup) lines.push(`| where resourceGroup =~ ${kqlString(scope.resourceGroup)}`);
  for (const [key, value] of Object.entries(scope.tags ?? {})) lines.push(`| where tags[${kqlString(key)}] =~ ${kqlString(value)}`);
  lines.push("| project id, name, type, location, resourceGroup, subscriptionId, tags, sku, identity, properties, kind");
  lines.push("| order by id asc");
  return lines.join("\n");
}

export async function readInventory(connection: ArmConnection, scope: InventoryScope): Promise<Inventory> {
  try {
    const rows = await queryResourceGraph(connection, scope.subscriptions, inventoryQuery(scope));
    const items: InventoryItem[] = [];
    for (const row of rows) {
      const ref = typeof row.id === "string" ? parseClusterId(row.id) : undefined;
      if (!ref) continue;
      items.push({ ref: { id: ref.id, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name }, cluster: await managedClusterFromRest(row) });
    }
    return { items, source: "resourceGraph", problems: [] };
  } catch (error) {
    const cause = readErrorOf(error);
    if (cause.kind !== "forbidden") return { items: [], source: "resourceGraph", problems: [{ subscriptionId: "*", error: cause }] };
    return listPerSubscription(connection, scope);
  }
}

async function listPerSubscription(connection: ArmConnection, scope: InventoryScope): Promise<Inventory> {
  const items: InventoryItem[] = [];
  const problems: Inventory["problems"] = [];
  await Promise.all(
    scope.subscriptions.map(async (subscriptionId) => {
      const client = connection.containerService(subscriptionId).managedClusters;
      const pages = scope.resourceGroup ? client.listByResourceGroup(scope.resourceGroup) : client.list();
      try {
        for await (const cluster of pages) {
          const ref = cluster.id ? parseClusterId(cluster.id) : undefined;
          if (!ref || !tagsMatch(cluster.tags, scope.tags)) continue;
          items.push({
            ref: { id: ref.id, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name },
            cluster: withoutNulls(cluster),
          });
        }
      } catch (error) {
        // A resource group filter across subscriptions: the group exists in some of them only, and ARM
        // answers 404 ResourceGroupNotFound in the others (Resource Graph just returns no rows there).
        if (scope.resourceGroup && (error as { code?: string }).code === "ResourceGroupNotFound") return;
        problems.push({ subscriptionId, error: readErrorOf(error) });
      }
    }),
  );
  items.sort((a, b) => a.ref.id.toLowerCase().localeCompare(b.ref.id.toLowerCase()));
  return { items, source: "managedClusters.list", problems };
}

function tagsMatch(tags: Record<string, string> | undefined, wanted: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(wanted ?? {}).every(([key, value]) =>
    Object.entries(tags ?? {}).some(([k, v]) => k === key && String(v).toLowerCase() === value.toLowerCase()),
  );
}
