/**
 * The one place route parameters are validated (ARM naming rules, shared/model/clusterRef.ts). A bad
 * value is answered 400 naming the parameter; the value itself is echoed only when short and printable
 * (never a megabyte of attacker text in a log or a body).
 */
import { isClusterName, isResourceGroupName, isSubscriptionId } from "../model/clusterRef.js";
import type { ClusterRef } from "../model/snapshot.js";
import { problem, type ApiResponse } from "./responses.js";

export type RouteParams = Readonly<Record<string, string | undefined>>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: ApiResponse };

const RULES = {
  subscriptionId: { test: isSubscriptionId, rule: "a subscription id (GUID)" },
  resourceGroup: {
    test: isResourceGroupName,
    rule: "a resource group name: 1-90 letters, digits, '.', '_', '-', '(' or ')', not ending in '.'",
  },
  clusterName: {
    test: isClusterName,
    rule: "an AKS cluster name: 1-63 letters, digits, '_' or '-', starting and ending with a letter or digit",
  },
} as const;

export type RouteParamName = keyof typeof RULES;

export function invalidParameter(name: string, rule: string): ApiResponse {
  return problem(400, "InvalidParameter", `Route parameter '${name}' is invalid: it must be ${rule}`, { parameter: name });
}

/** One route parameter, validated (undefined, empty and anything that breaks the rule are refused). */
export function routeParam(params: RouteParams, name: RouteParamName): Parsed<string> {
  const value = params[name];
  const { test, rule } = RULES[name];
  if (typeof value !== "string" || value.length === 0 || !test(value)) return { ok: false, response: invalidParameter(name, rule) };
  return { ok: true, value };
}

/** `{subscriptionId}/{resourceGroup}/{clusterName}` as a ClusterRef, or the 400 for the first bad one. */
export function clusterRouteRef(params: RouteParams): Parsed<ClusterRef> {
  const subscriptionId = routeParam(params, "subscriptionId");
  if (!subscriptionId.ok) return subscriptionId;
  const resourceGroup = routeParam(params, "resourceGroup");
  if (!resourceGroup.ok) return resourceGroup;
  const name = routeParam(params, "clusterName");
  if (!name.ok) return name;
  return { ok: true, value: clusterRef(subscriptionId.value, resourceGroup.value, name.value) };
}

export function clusterRef(subscriptionId: string, resourceGroup: string, name: string): ClusterRef {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId,
    resourceGroup,
    name,
  };
}

/** The subscription against MONITOR_SUBSCRIPTIONS: empty means no subscription is in scope (as for the sweep). */
export function inScope(subscriptionId: string, scope: readonly string[]): boolean {
  const wanted = subscriptionId.toLowerCase();
  return scope.some((id) => id.toLowerCase() === wanted);
}

export function outOfScope(subscriptionId: string): ApiResponse {
  return problem(403, "SubscriptionOutOfScope", `Subscription ${subscriptionId} is not monitored here (MONITOR_SUBSCRIPTIONS)`, {
    parameter: "subscriptionId",
  });
}

/** The status URL of a cluster (the GET of functions/clusters.ts). */
export function clusterStatusPath(ref: ClusterRef): string {
  return `/api/clusters/${ref.subscriptionId}/${ref.resourceGroup}/${ref.name}`;
}
