import { isClusterName, isResourceGroupName, isSubscriptionId, parseClusterId } from "../../model/clusterRef.js";
import type { ClusterRef } from "../../model/snapshot.js";

/** A URL this code built; the only kind an Action.OpenUrl accepts. */
export class TrustedUrl {
  readonly href: string;

  constructor(token: typeof MINT, href: string) {
    if (token !== MINT) throw new Error("TrustedUrl is created by clusterLink only");
    this.href = href;
  }
}

const MINT = Symbol("trusted-url");

const PORTAL = "https://portal.azure.com/#@/resource";

/** A cluster whose id parsed and whose parts follow the ARM naming rules. */
export interface ClusterLink {
  /** The canonical managed cluster id (from the parse), for bot actions. */
  clusterId: string;
  portal: TrustedUrl;
}

/**
 * The cluster's Azure portal page, built from its parsed id, each path segment percent-encoded.
 * Undefined when the id is not a managed cluster's, breaks the naming rules, or names another
 * cluster than the ref's own fields: a card then has no link rather than a wrong one.
 */
export function clusterLink(ref: ClusterRef): ClusterLink | undefined {
  const parsed = parseClusterId(ref.id);
  if (!parsed || parsed.childPath !== "") return undefined;
  const { subscriptionId, resourceGroup, name } = parsed;
  if (!isSubscriptionId(subscriptionId) || !isResourceGroupName(resourceGroup) || !isClusterName(name)) return undefined;
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(subscriptionId, ref.subscriptionId) || !same(resourceGroup, ref.resourceGroup) || !same(name, ref.name)) {
    return undefined;
  }
  const path = parsed.id
    .split("/")
    .map((segment) => encodeSegment(segment))
    .join("/");
  return { clusterId: parsed.id, portal: new TrustedUrl(MINT, `${PORTAL}${path}/overview`) };
}

/** `encodeURIComponent`, plus the sub-delimiters it leaves alone (a resource group may hold `(`). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}
