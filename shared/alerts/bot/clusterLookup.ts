/**
 * The cluster a user names in a command: its resource id, `resourceGroup/name`, or `name`, resolved
 * through the clusters table (every cluster aksmon has evaluated). Names are case-insensitive, as in ARM.
 * Only clusters in scope answer: an id outside it is refused before any read, and names match only
 * clusters in scope.
 */
import { isClusterName, isResourceGroupName } from "../../model/clusterRef.js";
import type { ClusterRef } from "../../model/snapshot.js";
import type { ClusterSummaryRecord } from "../../store/types.js";
import { checkClusterId } from "./cardData.js";
import type { BotStore } from "./types.js";

export type Lookup =
  /** `summary` is absent for a valid id aksmon has not evaluated yet. */
  | { kind: "found"; ref: ClusterRef; summary?: ClusterSummaryRecord }
  | { kind: "ambiguous"; candidates: ClusterRef[] }
  | { kind: "notFound"; problem: string }
  | { kind: "outOfScope"; problem: string }
  | { kind: "invalid"; problem: string };

/** A page of the clusters table (the service's maximum) and how many are read at most: 50,000 clusters. */
const PAGE_SIZE = 1_000;
const MAX_PAGES = 50;

export const OUT_OF_SCOPE = "that cluster's subscription is not monitored here (MONITOR_SUBSCRIPTIONS)";

export async function lookupCluster(
  store: Pick<BotStore, "getClusterSummary" | "listClusterSummaries">,
  text: string,
  inScope: (subscriptionId: string) => boolean,
): Promise<Lookup> {
  const query = text.trim();
  if (query.startsWith("/")) {
    const checked = checkClusterId(query);
    if (!checked.ok) return { kind: "invalid", problem: checked.problem };
    if (!inScope(checked.ref.subscriptionId)) return { kind: "outOfScope", problem: OUT_OF_SCOPE };
    const summary = await store.getClusterSummary(checked.ref);
    return summary ? { kind: "found", ref: summary.ref, summary } : { kind: "found", ref: checked.ref };
  }
  const parts = query.split("/");
  if (parts.length > 2) return { kind: "invalid", problem: "name a cluster as name, resourceGroup/name, or its resource id" };
  const [first = "", second] = parts;
  const resourceGroup = second === undefined ? undefined : first;
  const name = second ?? first;
  if (!isClusterName(name)) return { kind: "invalid", problem: "that is not an AKS cluster name (letters, digits, - and _, up to 63)" };
  if (resourceGroup !== undefined && !isResourceGroupName(resourceGroup)) return { kind: "invalid", problem: "that is not a resource group name" };

  const matches: ClusterSummaryRecord[] = [];
  let continuation: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await store.listClusterSummaries({ pageSize: PAGE_SIZE, ...(continuation ? { continuation } : {}) });
    for (const summary of result.items) {
      if (!same(summary.ref.name, name) || !inScope(summary.ref.subscriptionId)) continue;
      if (resourceGroup !== undefined && !same(summary.ref.resourceGroup, resourceGroup)) continue;
      matches.push(summary);
    }
    continuation = result.continuation;
    if (!continuation) break;
  }
  // A deleted cluster only answers when nothing live has the name.
  const live = matches.filter((summary) => !summary.deletedAt);
  const candidates = live.length > 0 ? live : matches;
  if (candidates.length === 1) return { kind: "found", ref: candidates[0]!.ref, summary: candidates[0]! };
  if (candidates.length > 1) return { kind: "ambiguous", candidates: candidates.map((summary) => summary.ref) };
  return {
    kind: "notFound",
    problem: "aksmon has not evaluated a cluster of that name (give its resource id to recheck a cluster it has not seen yet)",
  };
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
