import type { ClusterRef } from "./snapshot.js";

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ARM resource group names: 1-90 letters, digits, `._-()`, not ending in a period. */
const RESOURCE_GROUP = /^[-\w._()]{1,90}$/u;
/** AKS cluster names: 1-63 alphanumerics, `_` and `-`, starting and ending alphanumeric. */
const CLUSTER_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_-]{0,61}[a-zA-Z0-9])?$/;

export function isSubscriptionId(value: string): boolean {
  return SUBSCRIPTION_ID.test(value);
}

export function isResourceGroupName(value: string): boolean {
  return RESOURCE_GROUP.test(value) && !value.endsWith(".");
}

export function isClusterName(value: string): boolean {
  return CLUSTER_NAME.test(value);
}

const CLUSTER_ID =
  /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.containerservice\/managedclusters\/([^/]+)(\/.*)?$/i;

/**
 * Splits a managed cluster id (or the id of one of its child resources) into its parts,
 * or returns undefined when the id is not under a managed cluster.
 */
export function parseClusterId(id: string): (ClusterRef & { childPath: string }) | undefined {
  const match = CLUSTER_ID.exec(id.trim());
  if (!match) return undefined;
  const [, subscriptionId = "", resourceGroup = "", name = "", child = ""] = match;
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId,
    resourceGroup,
    name,
    childPath: child,
  };
}

/** The case-insensitive identity of a cluster, for grouping and keys. */
export function clusterKey(ref: ClusterRef): string {
  return ref.id.toLowerCase();
}
