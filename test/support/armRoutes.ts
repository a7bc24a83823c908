/** The ARM routes the test server answers, matched case-insensitively on the decoded path. */

export type RequestKind =
  | "managedCluster"
  | "managedClusterList"
  | "agentPoolList"
  | "agentPool"
  | "agentPoolUpgradeProfile"
  | "clusterUpgradeProfile"
  | "maintenanceConfigurations"
  | "maintenanceConfiguration"
  | "kubernetesVersions"
  | "diagnosticSettings"
  | "pricing"
  | "assessments"
  | "applicationGateway"
  | "wafPolicy"
  | "listClusterUserCredential"
  | "resourceGraph"
  | "unknown";

export interface RouteMatch {
  kind: RequestKind;
  /** Named segments as written in the request (not lower-cased). */
  params: Record<string, string>;
  /** Requests outside a subscription (Resource Graph) are throttled per tenant. */
  subscription?: string;
  /** Counts against the read bucket (GETs, and Resource Graph queries, which read). */
  isRead: boolean;
}

const SUB = "/subscriptions/(?<subscription>[^/]+)";
const RG = `${SUB}/resourceGroups/(?<resourceGroup>[^/]+)`;
const CLUSTER = `${RG}/providers/Microsoft\\.ContainerService/managedClusters/(?<cluster>[^/]+)`;

const table: Array<{ kind: RequestKind; method: "GET" | "POST"; pattern: RegExp }> = [
  { kind: "managedCluster", method: "GET", pattern: route(CLUSTER) },
  { kind: "managedClusterList", method: "GET", pattern: route(`${SUB}/providers/Microsoft\\.ContainerService/managedClusters`) },
  { kind: "managedClusterList", method: "GET", pattern: route(`${RG}/providers/Microsoft\\.ContainerService/managedClusters`) },
  { kind: "agentPoolList", method: "GET", pattern: route(`${CLUSTER}/agentPools`) },
  { kind: "agentPool", method: "GET", pattern: route(`${CLUSTER}/agentPools/(?<pool>[^/]+)`) },
  { kind: "agentPoolUpgradeProfile", method: "GET", pattern: route(`${CLUSTER}/agentPools/(?<pool>[^/]+)/upgradeProfiles/default`) },
  { kind: "clusterUpgradeProfile", method: "GET", pattern: route(`${CLUSTER}/upgradeProfiles/default`) },
  { kind: "maintenanceConfigurations", method: "GET", pattern: route(`${CLUSTER}/maintenanceConfigurations`) },
  { kind: "maintenanceConfiguration", method: "GET", pattern: route(`${CLUSTER}/maintenanceConfigurations/(?<config>[^/]+)`) },
  {
    kind: "kubernetesVersions",
    method: "GET",
    pattern: route(`${SUB}/providers/Microsoft\\.ContainerService/locations/(?<location>[^/]+)/kubernetesVersions`),
  },
  { kind: "diagnosticSettings", method: "GET", pattern: route(`${CLUSTER}/providers/Microsoft\\.Insights/diagnosticSettings`) },
  { kind: "pricing", method: "GET", pattern: route(`${SUB}/providers/Microsoft\\.Security/pricings/(?<pricing>[^/]+)`) },
  { kind: "assessments", method: "GET", pattern: route(`${CLUSTER}/providers/Microsoft\\.Security/assessments`) },
  {
    kind: "applicationGateway",
    method: "GET",
    pattern: route(`${RG}/providers/Microsoft\\.Network/applicationGateways/(?<name>[^/]+)`),
  },
  {
    kind: "wafPolicy",
    method: "GET",
    pattern: route(`${RG}/providers/Microsoft\\.Network/ApplicationGatewayWebApplicationFirewallPolicies/(?<name>[^/]+)`),
  },
  { kind: "listClusterUserCredential", method: "POST", pattern: route(`${CLUSTER}/listClusterUserCredential`) },
  { kind: "resourceGraph", method: "POST", pattern: route("/providers/Microsoft\\.ResourceGraph/resources") },
];

function route(source: string): RegExp {
  return new RegExp(`^${source}$`, "i");
}

/** The route of a request, or undefined (an unknown path, or a known path with another method). */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const entry of table) {
    if (entry.method !== method) continue;
    const found = entry.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(found.groups ?? {})) if (value !== undefined) params[name] = value;
    const subscription = params.subscription?.toLowerCase();
    return { kind: entry.kind, params, ...(subscription ? { subscription } : {}), isRead: method === "GET" || entry.kind === "resourceGraph" };
  }
  return undefined;
}

/** The subscription of any ARM path (for recording and throttling requests that match no route). */
export function subscriptionOfPath(path: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(path)?.[1]?.toLowerCase();
}
