/** What a live command reads: validated from the command line, no Azure client loaded. */
import { readSettings } from "../config/settings.js";
import { isClusterName, isResourceGroupName, isSubscriptionId } from "../model/clusterRef.js";

export interface LiveScope {
  subscriptions: string[];
  resourceGroup?: string;
  cluster?: string;
  tags?: Record<string, string>;
}

export class UsageError extends Error {}

/** Validates a scope from the command line (ARM naming rules), defaulting to MONITOR_SUBSCRIPTIONS. */
export function liveScope(options: { subscription?: string[]; resourceGroup?: string; cluster?: string; tag?: string[] }): LiveScope {
  const subscriptions = options.subscription?.length ? options.subscription : readSettings().MONITOR_SUBSCRIPTIONS;
  if (subscriptions.length === 0) throw new UsageError("no subscription: give --subscription <id> or set MONITOR_SUBSCRIPTIONS");
  for (const id of subscriptions) if (!isSubscriptionId(id)) throw new UsageError(`--subscription ${JSON.stringify(id)} is not a subscription id (a GUID)`);
  if (options.resourceGroup !== undefined && !isResourceGroupName(options.resourceGroup)) {
    throw new UsageError(`--resource-group ${JSON.stringify(options.resourceGroup)} is not a valid resource group name`);
  }
  if (options.cluster !== undefined) {
    if (!isClusterName(options.cluster)) throw new UsageError(`--cluster ${JSON.stringify(options.cluster)} is not a valid AKS cluster name`);
    if (!options.resourceGroup || subscriptions.length !== 1) {
      throw new UsageError("--cluster needs one --subscription and a --resource-group");
    }
  }
  const tags: Record<string, string> = {};
  for (const pair of options.tag ?? []) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`--tag ${JSON.stringify(pair)} is not name=value`);
    tags[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    subscriptions,
    ...(options.resourceGroup ? { resourceGroup: options.resourceGroup } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
}
