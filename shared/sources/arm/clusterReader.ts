/**
 * Reads clusters completely into snapshots: the managed cluster (its body carries every agent pool), each
 * pool's latest node image, the Kubernetes versions of its location, its maintenance configurations,
 * diagnostic settings, Defender for Cloud assessments, the subscription's Defender for Containers plan,
 * the Application Gateway and WAF policy in front of it (when AGIC is on), and optionally its nodes.
 *
 * A part that cannot be read is recorded as a read error with its cause; the checks that depend on it
 * then say `error`. What clusters share is read once per reader (one reader = one sweep): the latest node
 * image per location and image SKU, the Kubernetes versions per location, the Defender plan per
 * subscription, and (after prefetchAssessments) the assessments of a whole fleet in one query.
 */
import type {
  AgentPoolUpgradeProfile,
  KubernetesVersionListResult,
  MaintenanceConfiguration,
  ManagedCluster,
  ManagedClusterAgentPoolProfile,
} from "@azure/arm-containerservice";
import { createRestError } from "@azure-rest/core-client";
import { addon, addonConfig } from "../../baseline/clusterFields.js";
import { parseNodeImageVersion } from "../../baseline/nodeImageVersion.js";
import { clusterKey } from "../../model/clusterRef.js";
import type {
  ApplicationGatewayFacts,
  ClusterRef,
  ClusterSnapshot,
  DefenderPricing,
  DiagnosticSetting,
  NodeFacts,
  ReadError,
  ReadResult,
  SecurityAssessment,
} from "../../model/snapshot.js";
import type { ArmConnection } from "./armConnection.js";
import { attempt, readErrorOf } from "./readError.js";
import { kqlString, queryResourceGraph } from "./resourceGraph.js";
import { withoutNulls } from "../sdkModel.js";

type Json = Record<string, any>;

const API = {
  diagnosticSettings: "2021-05-01-preview",
  pricing: "2024-01-01",
  assessments: "2020-01-01",
  applicationGateway: "2024-05-01",
  wafPolicy: "2024-05-01",
};

/** The Defender for Cloud assessment of vulnerabilities in running container images. */
export const RUNNING_IMAGES_ASSESSMENT = "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5";

/** Reads a cluster's nodes from its Kubernetes API (shared/sources/kube). */
export interface NodeReader {
  read(snapshot: ClusterSnapshot): Promise<ReadResult<NodeFacts[]>>;
}

export interface ClusterReaderOptions {
  /** Also read the cluster upgrade profile (available upgrades): one more call per cluster. */
  clusterUpgradeProfile?: boolean;
  nodes?: NodeReader;
}

export type ClusterRead = { ok: true; snapshot: ClusterSnapshot } | { ok: false; ref: ClusterRef; error: ReadError };

export class ClusterReader {
  private readonly kubernetesVersions = new Map<string, Promise<ReadResult<KubernetesVersionListResult>>>();
  private readonly latestImages = new Map<string, Promise<ReadResult<AgentPoolUpgradeProfile>>>();
  private readonly pricings = new Map<string, Promise<ReadResult<DefenderPricing>>>();
  private prefetchedAssessments: ReadResult<Map<string, SecurityAssessment[]>> | undefined;

  constructor(
    private readonly connection: ArmConnection,
    private readonly options: ClusterReaderOptions = {},
  ) {}

  /** Reads the cluster live (GET), then everything around it. */
  async read(ref: ClusterRef): Promise<ClusterRead> {
    try {
      const cluster = await this.connection.containerService(ref.subscriptionId).managedClusters.get(ref.resourceGroup, ref.name);
      return { ok: true, snapshot: await this.complete(ref, withoutNulls(cluster)) };
    } catch (error) {
      return { ok: false, ref, error: readErrorOf(error) };
    }
  }

  /** A snapshot around a cluster body already in hand (from the inventory or an event), read now. */
  async complete(ref: ClusterRef, cluster: ManagedCluster, source: ClusterSnapshot["source"] = "arm"): Promise<ClusterSnapshot> {
    const snapshot: ClusterSnapshot = {
      ref,
      cluster,
      agentPools: [],
      extras: {},
      source,
      origin: `${this.connection.endpoint}${ref.id}`,
      readAt: new Date().toISOString(),
    };
    const location = (cluster.location ?? "").toLowerCase();
    const pools = cluster.agentPoolProfiles ?? [];
    const [poolProfiles, versions, maintenance, diagnostics, pricing, assessments, gateway, upgrade] = await Promise.all([
      Promise.all(pools.map(async (pool) => [pool.name.toLowerCase(), await this.poolUpgradeProfile(ref, location, pool)] as const)),
      location ? this.kubernetesVersionsOf(ref.subscriptionId, location) : undefined,
      attempt(() => this.maintenanceConfigurations(ref)),
      attempt(() => this.diagnosticSettings(ref)),
      this.pricingOf(ref.subscriptionId),
      this.assessmentsOf(ref),
      this.ingressGateway(cluster),
      this.options.clusterUpgradeProfile
        ? attempt(() => this.connection.containerService(ref.subscriptionId).managedClusters.getUpgradeProfile(ref.resourceGroup, ref.name))
        : undefined,
    ]);
    snapshot.extras.poolUpgradeProfiles = Object.fromEntries(poolProfiles);
    if (versions) snapshot.extras.kubernetesVersions = versions;
    snapshot.extras.maintenanceConfigurations = maintenance;
    snapshot.extras.diagnosticSettings = diagnostics;
    snapshot.extras.defenderPricing = pricing;
    snapshot.extras.securityAssessments = assessments;
    if (gateway) snapshot.extras.ingressGateway = gateway;
    if (upgrade) snapshot.extras.clusterUpgradeProfile = upgrade;
    if (this.options.nodes) snapshot.extras.nodes = await this.options.nodes.read(snapshot);
    return snapshot;
  }

  /**
   * Reads the running-images assessment of every cluster of these subscriptions in one Resource Graph
   * query, so that a sweep does not spend one call per cluster on it.
   */
  async prefetchAssessments(subscriptions: readonly string[]): Promise<void> {
    const query = [
      "securityresources",
      `| where type =~ 'microsoft.security/assessments' and name =~ ${kqlString(RUNNING_IMAGES_ASSESSMENT)}`,
      "| project id, name, properties",
    ].join("\n");
    this.prefetchedAssessments = await attempt(async () => {
      const byCluster = new Map<string, SecurityAssessment[]>();
      for (const row of await queryResourceGraph(this.connection, subscriptions, query)) {
        const id = String(row.id ?? "");
        const owner = id.toLowerCase().split("/providers/microsoft.security/")[0] ?? "";
        const list = byCluster.get(owner) ?? [];
        list.push(assessmentOf(row));
        byCluster.set(owner, list);
      }
      return byCluster;
    });
  }

  private async poolUpgradeProfile(
    ref: ClusterRef,
    location: string,
    pool: ManagedClusterAgentPoolProfile,
  ): Promise<ReadResult<AgentPoolUpgradeProfile>> {
    const read = () =>
      attempt(async () =>
        withoutNulls(await this.connection.containerService(ref.subscriptionId).agentPools.getUpgradeProfile(ref.resourceGroup, ref.name, pool.name)),
      );
    const sku = parseNodeImageVersion(pool.nodeImageVersion)?.sku.toLowerCase();
    if (!sku || !location) return read();
    // The latest node image is a property of the region and the image SKU, not of the pool.
    const key = `${location}|${sku}`;
    let shared = this.latestImages.get(key);
    const first = shared === undefined;
    if (!shared) {
      shared = read();
      this.latestImages.set(key, shared);
      void shared.then((result) => result.ok || this.latestImages.delete(key));
    }
    const result = await shared;
    if (first || !result.ok) return result;
    const profile: AgentPoolUpgradeProfile = {
      kubernetesVersion: pool.currentOrchestratorVersion ?? pool.orchestratorVersion ?? "",
      osType: pool.osType ?? result.value.osType,
    };
    if (result.value.latestNodeImageVersion) profile.latestNodeImageVersion = result.value.latestNodeImageVersion;
    return { ok: true, value: profile };
  }

  private kubernetesVersionsOf(subscriptionId: string, location: string): Promise<ReadResult<KubernetesVersionListResult>> {
    return this.shared(this.kubernetesVersions, location, () =>
      this.connection.containerService(subscriptionId).managedClusters.listKubernetesVersions(location),
    );
  }

  private pricingOf(subscriptionId: string): Promise<ReadResult<DefenderPricing>> {
    return this.shared(this.pricings, subscriptionId.toLowerCase(), async () => {
      const body = await this.get(`/subscriptions/${subscriptionId}/providers/Microsoft.Security/pricings/Containers`, API.pricing);
      const properties = body.properties ?? {};
      return {
        pricingTier: String(properties.pricingTier ?? ""),
        extensions: (properties.extensions ?? []).map((extension: Json) => ({
          name: String(extension.name ?? ""),
          isEnabled: extension.isEnabled ?? false,
        })),
      };
    });
  }

  private async assessmentsOf(ref: ClusterRef): Promise<ReadResult<SecurityAssessment[]>> {
    const prefetched = this.prefetchedAssessments;
    if (prefetched?.ok) return { ok: true, value: prefetched.value.get(clusterKey(ref)) ?? [] };
    // No fleet-wide answer (Resource Graph not allowed, or failed): each cluster reads its own, as without a prefetch.
    return attempt(async () => {
      const rows = await this.list(`${ref.id}/providers/Microsoft.Security/assessments`, API.assessments);
      return rows.map(assessmentOf);
    });
  }

  private async maintenanceConfigurations(ref: ClusterRef): Promise<MaintenanceConfiguration[]> {
    const configs: MaintenanceConfiguration[] = [];
    const pages = this.connection.containerService(ref.subscriptionId).maintenanceConfigurations.listByManagedCluster(ref.resourceGroup, ref.name);
    for await (const config of pages) configs.push(withoutNulls(config));
    return configs;
  }

  private async diagnosticSettings(ref: ClusterRef): Promise<DiagnosticSetting[]> {
    const rows = await this.list(`${ref.id}/providers/Microsoft.Insights/diagnosticSettings`, API.diagnosticSettings);
    return rows.map((setting: Json): DiagnosticSetting => {
      const properties = setting.properties ?? {};
      const result: DiagnosticSetting = {
        name: String(setting.name ?? ""),
        logs: (properties.logs ?? []).map((log: Json) => ({
          ...(typeof log.category === "string" ? { category: log.category } : {}),
          ...(typeof log.categoryGroup === "string" ? { categoryGroup: log.categoryGroup } : {}),
          enabled: log.enabled === true,
        })),
      };
      if (typeof properties.workspaceId === "string") result.workspaceId = properties.workspaceId;
      if (typeof properties.storageAccountId === "string") result.storageAccountId = properties.storageAccountId;
      if (typeof properties.eventHubAuthorizationRuleId === "string") {
        result.eventHubAuthorizationRuleId = properties.eventHubAuthorizationRuleId;
      }
      return result;
    });
  }

  /** The Application Gateway that AGIC drives and its WAF policy; nothing when AGIC is off. */
  private async ingressGateway(cluster: ManagedCluster): Promise<ReadResult<ApplicationGatewayFacts> | undefined> {
    const agic = addon(cluster, "ingressApplicationGateway");
    if (agic?.profile.enabled !== true) return undefined;
    const gatewayId =
      addonConfig(agic.profile, "effectiveApplicationGatewayId") ?? addonConfig(agic.profile, "applicationGatewayId");
    if (!gatewayId) return undefined;
    return attempt(async () => {
      const gateway = await this.get(gatewayId, API.applicationGateway);
      const facts: ApplicationGatewayFacts = { id: String(gateway.id ?? gatewayId) };
      const skuTier = gateway.properties?.sku?.tier;
      if (typeof skuTier === "string") facts.skuTier = skuTier;
      const policyId = gateway.properties?.firewallPolicy?.id;
      if (typeof policyId === "string") {
        facts.firewallPolicyId = policyId;
        const policy = await this.get(policyId, API.wafPolicy);
        const settings = policy.properties?.policySettings ?? {};
        if (typeof settings.state === "string") facts.policyState = settings.state;
        if (typeof settings.mode === "string") facts.policyMode = settings.mode;
      }
      return facts;
    });
  }

  /** One read shared by everyone who asks with the same key; a failure is not kept, so the next asker retries. */
  private shared<T>(cache: Map<string, Promise<ReadResult<T>>>, key: string, read: () => Promise<T>): Promise<ReadResult<T>> {
    let result = cache.get(key);
    if (!result) {
      result = attempt(read);
      cache.set(key, result);
      void result.then((outcome) => outcome.ok || cache.delete(key));
    }
    return result;
  }

  /** A list's `value`, following `nextLink` pages. */
  private async list(path: string, apiVersion: string): Promise<Json[]> {
    const rows: Json[] = [];
    let body = await this.get(path, apiVersion);
    rows.push(...(body.value ?? []));
    while (typeof body.nextLink === "string" && body.nextLink) {
      const next = new URL(body.nextLink);
      const response = await this.connection.rest.pathUnchecked(`${next.pathname}${next.search}`).get();
      if (response.status !== "200") throw createRestError(response);
      body = response.body as Json;
      rows.push(...(body.value ?? []));
    }
    return rows;
  }

  private async get(path: string, apiVersion: string): Promise<Json> {
    const response = await this.connection.rest.pathUnchecked(path).get({ queryParameters: { "api-version": apiVersion } });
    if (response.status !== "200") throw createRestError(response);
    return response.body as Json;
  }
}

function assessmentOf(row: Json): SecurityAssessment {
  const assessment: SecurityAssessment = {
    key: String(row.name ?? String(row.id ?? "").split("/").pop() ?? ""),
    statusCode: String(row.properties?.status?.code ?? ""),
  };
  if (typeof row.properties?.displayName === "string") assessment.displayName = row.properties.displayName;
  return assessment;
}
