/**
 * ARM REST bodies the test server derives or the tests build: a cluster's agent pools, pool upgrade
 * profiles, kubernetesVersions, Defender pricing, diagnostic settings, assessments, an Application Gateway
 * and its WAF policy, and the kubeconfig of listClusterUserCredential. Shapes follow the REST API
 * (properties under `properties`, as the wire carries them); values are test data.
 */
import { stringify } from "yaml";
import type { Json } from "./httpsServer.js";

export const CLUSTER_TYPE = "Microsoft.ContainerService/managedClusters";

export interface ClusterIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export function clusterId({ subscriptionId, resourceGroup, name }: ClusterIdParts): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${CLUSTER_TYPE}/${name}`;
}

export function parseClusterIdParts(id: string): ClusterIdParts | undefined {
  const found = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i.exec(id);
  if (!found) return undefined;
  return { subscriptionId: found[1]!, resourceGroup: found[2]!, name: found[3]! };
}

/** The `managedClusters/agentPools` resources that ARM serves for the cluster's agentPoolProfiles. */
export function agentPoolsOfCluster(cluster: Json): Json[] {
  const profiles: Json[] = Array.isArray(cluster.properties?.agentPoolProfiles) ? cluster.properties.agentPoolProfiles : [];
  return profiles.map(({ name, ...properties }) => ({
    id: `${cluster.id}/agentPools/${name}`,
    name,
    type: `${CLUSTER_TYPE}/agentPools`,
    properties,
  }));
}

/** The latest node image for an image in a region; undefined means "the image it has is the latest". */
export type LatestNodeImage = (location: string, currentImage: string) => string | undefined;

/**
 * `AKSUbuntu-2204gen2containerd-202405.27.0` → SKU `AKSUbuntu-2204gen2containerd`, version `202405.27.0`;
 * the older ARM spelling `AKSUbuntu:1604:2020.03.11` splits at its last `:`.
 */
export function splitNodeImage(image: string): { sku: string; version: string; separator: string } {
  const at = Math.max(image.lastIndexOf("-"), image.lastIndexOf(":"));
  if (at < 0) return { sku: image, version: "", separator: "-" };
  return { sku: image.slice(0, at), version: image.slice(at + 1), separator: image[at]! };
}

/**
 * A LatestNodeImage from a table of the latest version per image SKU (SKU names case-insensitive),
 * optionally overridden per region (`{ westeurope: { "AKSUbuntu-2204gen2containerd": "202611.10.0" } }`).
 */
export function latestNodeImagesBySku(
  latest: Record<string, string>,
  byLocation: Record<string, Record<string, string>> = {},
): LatestNodeImage {
  const lower = (table: Record<string, string>) => new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), v]));
  const global = lower(latest);
  const regional = new Map(Object.entries(byLocation).map(([location, table]) => [normaliseLocation(location), lower(table)]));
  return (location, currentImage) => {
    const { sku, separator } = splitNodeImage(currentImage);
    const key = sku.toLowerCase();
    const version = regional.get(normaliseLocation(location))?.get(key) ?? global.get(key);
    return version === undefined ? undefined : `${sku}${separator}${version}`;
  };
}

/** `West Europe` and `westeurope` are the same region. */
export function normaliseLocation(location: string): string {
  return location.replace(/\s+/g, "").toLowerCase();
}

/** An agent pool's `upgradeProfiles/default`, derived from the pool resource and the region's versions. */
export function agentPoolUpgradeProfile(
  pool: Json,
  options: { location: string; latestNodeImage?: LatestNodeImage; kubernetesVersions?: Json },
): Json {
  const properties = pool.properties ?? {};
  const current: string = properties.currentOrchestratorVersion ?? properties.orchestratorVersion ?? "";
  const image: string | undefined = properties.nodeImageVersion;
  const latest = image ? (options.latestNodeImage?.(options.location, image) ?? image) : undefined;
  const versions = options.kubernetesVersions ?? defaultKubernetesVersions(options.location);
  return {
    id: `${pool.id}/upgradeProfiles/default`,
    name: "default",
    type: `${CLUSTER_TYPE}/agentPools/upgradeProfiles`,
    properties: {
      kubernetesVersion: current,
      osType: properties.osType ?? "Linux",
      upgrades: upgradesFrom(current, versions),
      ...(latest ? { latestNodeImageVersion: latest } : {}),
    },
  };
}

/** The versions a cluster or pool at `current` may move to: later patches of its minor and the next minor. */
export function upgradesFrom(current: string, versions: Json): Array<{ kubernetesVersion: string; isPreview?: boolean }> {
  const [major, minor] = current.split(".").map(Number);
  const upgrades: Array<{ kubernetesVersion: string; isPreview?: boolean }> = [];
  for (const entry of (versions.values ?? []) as Json[]) {
    const [entryMajor, entryMinor] = String(entry.version).split(".").map(Number);
    if (entryMajor !== major || (entryMinor !== minor && entryMinor !== (minor ?? 0) + 1)) continue;
    for (const patch of Object.keys(entry.patchVersions ?? {})) {
      if (compareVersions(patch, current) <= 0) continue;
      upgrades.push({ kubernetesVersion: patch, ...(entry.isPreview ? { isPreview: true } : {}) });
    }
  }
  return upgrades.sort((a, b) => compareVersions(a.kubernetesVersion, b.kubernetesVersion));
}

export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Minor versions, their patches, default and preview flags: one list for every region, made up for tests. */
const DEFAULT_MINORS: Array<{ version: string; patches: string[]; isDefault?: boolean; isPreview?: boolean; lts?: boolean }> = [
  { version: "1.31", patches: ["1.31.9", "1.31.10"], lts: true },
  { version: "1.32", patches: ["1.32.5", "1.32.6"] },
  { version: "1.33", patches: ["1.33.1", "1.33.2", "1.33.3"], isDefault: true },
  { version: "1.34", patches: ["1.34.0", "1.34.1"] },
  { version: "1.35", patches: ["1.35.0"], isPreview: true },
];

/** The `locations/{location}/kubernetesVersions` answer (KubernetesVersionListResult) a test gets by default. */
export function defaultKubernetesVersions(_location: string): Json {
  const values = DEFAULT_MINORS.map((minor, index) => {
    const next = DEFAULT_MINORS[index + 1];
    const patchVersions: Json = {};
    for (const patch of minor.patches) {
      const later = minor.patches.filter((p) => compareVersions(p, patch) > 0);
      patchVersions[patch] = { upgrades: [...later, ...(next ? next.patches : [])] };
    }
    return {
      version: minor.version,
      capabilities: { supportPlan: minor.lts ? ["KubernetesOfficial", "AKSLongTermSupport"] : ["KubernetesOfficial"] },
      ...(minor.isDefault ? { isDefault: true } : {}),
      ...(minor.isPreview ? { isPreview: true } : {}),
      patchVersions,
    };
  });
  return { values };
}

/** `Microsoft.Security/pricings/Containers` of a subscription. Extensions: name → enabled. */
export function containersPricing(
  subscriptionId: string,
  options: { pricingTier?: "Free" | "Standard"; extensions?: Record<string, boolean> } = {},
): Json {
  const tier = options.pricingTier ?? "Standard";
  const extensions =
    options.extensions ??
    (tier === "Standard"
      ? { ContainerRegistriesVulnerabilityAssessments: true, AgentlessDiscoveryForKubernetes: true, ContainerSensor: true }
      : {});
  return {
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Security/pricings/Containers`,
    name: "Containers",
    type: "Microsoft.Security/pricings",
    properties: {
      pricingTier: tier,
      extensions: Object.entries(extensions).map(([name, enabled]) => ({ name, isEnabled: enabled ? "True" : "False" })),
    },
  };
}

/** A `Microsoft.Insights/diagnosticSettings` resource on a cluster. */
export function diagnosticSetting(
  resourceId: string,
  name: string,
  options: { workspaceId?: string; storageAccountId?: string; logs?: Array<{ category?: string; categoryGroup?: string; enabled: boolean }> } = {},
): Json {
  const logs = options.logs ?? [{ category: "kube-audit-admin", enabled: true }];
  return {
    id: `${resourceId}/providers/microsoft.insights/diagnosticSettings/${name}`,
    type: "Microsoft.Insights/diagnosticSettings",
    name,
    properties: {
      workspaceId: options.workspaceId ?? null,
      storageAccountId: options.storageAccountId ?? null,
      eventHubAuthorizationRuleId: null,
      eventHubName: null,
      metrics: [{ category: "AllMetrics", enabled: false, retentionPolicy: { enabled: false, days: 0 } }],
      logs: logs.map((log) => ({
        category: log.category ?? null,
        categoryGroup: log.categoryGroup ?? null,
        enabled: log.enabled,
        retentionPolicy: { enabled: false, days: 0 },
      })),
      logAnalyticsDestinationType: null,
    },
  };
}

/** A Defender for Cloud assessment (`Microsoft.Security/assessments/{key}`) on a resource. */
export function securityAssessment(
  resourceId: string,
  key: string,
  options: { displayName?: string; statusCode?: "Healthy" | "Unhealthy" | "NotApplicable" } = {},
): Json {
  return {
    id: `${resourceId}/providers/Microsoft.Security/assessments/${key}`,
    name: key,
    type: "Microsoft.Security/assessments",
    properties: {
      resourceDetails: { Source: "Azure", Id: resourceId },
      displayName: options.displayName ?? key,
      status: { code: options.statusCode ?? "Unhealthy" },
    },
  };
}

/** An Application Gateway (the AGIC ingress) and the WAF policy it links to. */
export function applicationGateway(
  id: string,
  options: { location?: string; skuTier?: string; firewallPolicyId?: string } = {},
): Json {
  const tier = options.skuTier ?? "WAF_v2";
  return {
    id,
    name: id.split("/").pop(),
    type: "Microsoft.Network/applicationGateways",
    location: options.location ?? "westeurope",
    properties: {
      provisioningState: "Succeeded",
      operationalState: "Running",
      sku: { name: tier, tier, capacity: 2 },
      ...(options.firewallPolicyId ? { firewallPolicy: { id: options.firewallPolicyId } } : {}),
    },
  };
}

export function wafPolicy(id: string, options: { state?: "Enabled" | "Disabled"; mode?: "Prevention" | "Detection"; gatewayIds?: string[] } = {}): Json {
  return {
    id,
    name: id.split("/").pop(),
    type: "Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies",
    location: "westeurope",
    properties: {
      provisioningState: "Succeeded",
      resourceState: "Enabled",
      policySettings: { state: options.state ?? "Enabled", mode: options.mode ?? "Prevention", requestBodyCheck: true },
      managedRules: { managedRuleSets: [{ ruleSetType: "OWASP", ruleSetVersion: "3.2" }], exclusions: [] },
      applicationGateways: (options.gatewayIds ?? []).map((gateway) => ({ id: gateway })),
    },
  };
}

/** Where listClusterUserCredential's kubeconfig points, and how its user signs in. */
export interface ClusterCredential {
  /** The API server URL, e.g. a local Kubernetes test server's url. */
  server: string;
  /** PEM of the CA to put in certificate-authority-data. */
  certificateAuthority?: string;
  /** The user's bearer token. */
  token?: string;
}

/** A kubeconfig as AKS returns it for clusterUser (YAML), with a token user. */
export function clusterUserKubeconfig(cluster: Json, credential: ClusterCredential): string {
  const parts = parseClusterIdParts(String(cluster.id));
  const name = String(cluster.name ?? parts?.name ?? "cluster");
  const user = `clusterUser_${parts?.resourceGroup ?? "rg"}_${name}`;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: {
          ...(credential.certificateAuthority
            ? { "certificate-authority-data": Buffer.from(credential.certificateAuthority).toString("base64") }
            : {}),
          server: credential.server,
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user } }],
    "current-context": name,
    preferences: {},
    users: [{ name: user, user: { token: credential.token ?? "aksmon-test-kube-token" } }],
  });
}
