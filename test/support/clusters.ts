/**
 * Test clusters written as ARM REST JSON and turned into snapshots through the SDK's own mappers,
 * exactly as a file or a live response would be.
 */
import { evaluate } from "../../shared/baseline/evaluate.js";
import { resolveProfile } from "../../shared/baseline/profile.js";
import type { BaselineParameters } from "../../shared/baseline/parameters.js";
import type { Finding } from "../../shared/baseline/types.js";
import type { ClusterSnapshot, SnapshotExtras } from "../../shared/model/snapshot.js";
import { snapshotsFromDocument } from "../../shared/sources/clusterFiles.js";
import {
  agentPoolUpgradeProfileFromRest,
  clusterUpgradeProfileFromRest,
  kubernetesVersionsFromRest,
  maintenanceConfigurationFromRest,
} from "../../shared/sources/sdkModel.js";

export type Json = Record<string, any>;

export const SUBSCRIPTION = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
export const CLUSTER_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.ContainerService/managedClusters/aks-test`;
export const NOW = new Date("2026-11-26T12:00:00Z");

/** A system pool that passes every pool check of the default profile. */
export function compliantPool(name: string, overrides: Json = {}): Json {
  return {
    name,
    count: 3,
    vmSize: "Standard_D4ds_v5",
    osDiskType: "Ephemeral",
    maxPods: 110,
    type: "VirtualMachineScaleSets",
    mode: "System",
    osType: "Linux",
    osSKU: "AzureLinux",
    orchestratorVersion: "1.33.2",
    currentOrchestratorVersion: "1.33.2",
    nodeImageVersion: "AKSAzureLinux-V3gen2-202611.10.0",
    provisioningState: "Succeeded",
    powerState: { code: "Running" },
    availabilityZones: ["1", "2", "3"],
    enableAutoScaling: true,
    minCount: 3,
    maxCount: 6,
    enableNodePublicIP: false,
    enableEncryptionAtHost: true,
    enableFIPS: true,
    nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
    upgradeSettings: { maxSurge: "33%", maxUnavailable: "0", drainTimeoutInMinutes: 30 },
    securityProfile: { sshAccess: "Disabled", enableSecureBoot: true, enableVTPM: true },
    ...overrides,
  };
}

/** A user pool as a `managedClusters/agentPools` child resource (REST body) of the test cluster. */
export function childPool(name: string, overrides: Json = {}): Json {
  const { name: _name, ...properties } = compliantPool(name, { mode: "User", nodeTaints: [], ...overrides });
  return { id: `${CLUSTER_ID}/agentPools/${name}`, name, type: "Microsoft.ContainerService/managedClusters/agentPools", properties };
}

/** A managed cluster (ARM REST body) that passes every cluster-JSON check of the default profile. */
export function compliantCluster(): Json {
  const workspace = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law`;
  return {
    id: CLUSTER_ID,
    name: "aks-test",
    type: "Microsoft.ContainerService/ManagedClusters",
    location: "westeurope",
    tags: { env: "test" },
    sku: { name: "Base", tier: "Standard" },
    identity: { type: "SystemAssigned", principalId: "11111111-1111-1111-1111-111111111111", tenantId: "22222222-2222-2222-2222-222222222222" },
    properties: {
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      kubernetesVersion: "1.33.2",
      currentKubernetesVersion: "1.33.2",
      dnsPrefix: "aks-test",
      agentPoolProfiles: [compliantPool("system")],
      servicePrincipalProfile: { clientId: "msi" },
      addonProfiles: {
        azurepolicy: { enabled: true },
        omsagent: { enabled: true, config: { logAnalyticsWorkspaceResourceID: workspace } },
        azureKeyvaultSecretsProvider: { enabled: true, config: { enableSecretRotation: "true", rotationPollInterval: "2m" } },
      },
      oidcIssuerProfile: { enabled: true },
      enableRBAC: true,
      supportPlan: "KubernetesOfficial",
      disableLocalAccounts: true,
      aadProfile: {
        managed: true,
        enableAzureRBAC: true,
        adminGroupObjectIDs: ["33333333-3333-3333-3333-333333333333"],
        tenantID: "22222222-2222-2222-2222-222222222222",
      },
      privateFQDN: "aks-test-abc.privatelink.westeurope.azmk8s.io",
      apiServerAccessProfile: {
        enablePrivateCluster: true,
        enablePrivateClusterPublicFQDN: false,
        privateDNSZone: "system",
        disableRunCommand: true,
        enableVnetIntegration: true,
        subnetId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/apiserver`,
      },
      publicNetworkAccess: "Disabled",
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkPolicy: "cilium",
        networkDataplane: "cilium",
        loadBalancerSku: "standard",
        outboundType: "userDefinedRouting",
      },
      autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
      diskEncryptionSetID: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-keys/providers/Microsoft.Compute/diskEncryptionSets/des`,
      securityProfile: {
        defender: { logAnalyticsWorkspaceResourceId: workspace, securityMonitoring: { enabled: true } },
        workloadIdentity: { enabled: true },
        imageCleaner: { enabled: true, intervalHours: 48 },
        azureKeyVaultKms: {
          enabled: true,
          keyId: "https://kv-aks.vault.azure.net/keys/etcd/0123456789abcdef",
          keyVaultNetworkAccess: "Private",
          keyVaultResourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-aks`,
        },
      },
      storageProfile: {
        diskCSIDriver: { enabled: true },
        fileCSIDriver: { enabled: true },
        snapshotController: { enabled: true },
      },
      azureMonitorProfile: { metrics: { enabled: true } },
      ingressProfile: { webAppRouting: { enabled: true } },
      nodeResourceGroup: "MC_rg-test_aks-test_westeurope",
      nodeResourceGroupProfile: { restrictionLevel: "ReadOnly" },
    },
  };
}

/** Extra data in REST shapes (for the SDK-modelled parts) or the snapshot's own types (for the rest). */
export interface RestExtras {
  poolUpgradeProfiles?: Record<string, Json>;
  clusterUpgradeProfile?: Json;
  kubernetesVersions?: Json;
  maintenanceConfigurations?: Json[];
  /** Parts given as they sit in the snapshot (read results, including failures). */
  direct?: SnapshotExtras;
}

/** The snapshot of a REST cluster body (plus optional `managedClusters/agentPools` bodies and extras). */
export async function snapshotOf(body: Json, options: { agentPools?: Json[]; extras?: RestExtras } = {}): Promise<ClusterSnapshot> {
  const document = [body, ...(options.agentPools ?? [])];
  const [snapshot] = await snapshotsFromDocument(document, "test", NOW);
  if (!snapshot) throw new Error("no snapshot");
  const extras = options.extras ?? {};
  if (extras.poolUpgradeProfiles) {
    snapshot.extras.poolUpgradeProfiles = {};
    for (const [pool, rest] of Object.entries(extras.poolUpgradeProfiles)) {
      snapshot.extras.poolUpgradeProfiles[pool.toLowerCase()] = { ok: true, value: await agentPoolUpgradeProfileFromRest(rest) };
    }
  }
  if (extras.clusterUpgradeProfile) {
    snapshot.extras.clusterUpgradeProfile = { ok: true, value: await clusterUpgradeProfileFromRest(extras.clusterUpgradeProfile) };
  }
  if (extras.kubernetesVersions) {
    snapshot.extras.kubernetesVersions = { ok: true, value: await kubernetesVersionsFromRest(extras.kubernetesVersions) };
  }
  if (extras.maintenanceConfigurations) {
    snapshot.extras.maintenanceConfigurations = {
      ok: true,
      value: await Promise.all(extras.maintenanceConfigurations.map((rest) => maintenanceConfigurationFromRest(rest))),
    };
  }
  Object.assign(snapshot.extras, extras.direct ?? {});
  return snapshot;
}

/**
 * The finding of one check for a REST cluster body, with the check enabled (opt-in checks too) and
 * optional parameter overrides.
 */
export async function findingFor(
  checkId: string,
  body: Json,
  options: { agentPools?: Json[]; extras?: RestExtras; parameters?: Partial<BaselineParameters>; tags?: never } = {},
): Promise<Finding> {
  const snapshot = await snapshotOf(body, options);
  const profile = resolveProfile({ checks: { [checkId]: true }, parameters: options.parameters ?? {} }, "test");
  const finding = evaluate(snapshot, profile, NOW).findings.find((f) => f.check === checkId);
  if (!finding) throw new Error(`no finding for ${checkId}`);
  return finding;
}

/** A deep copy of the compliant cluster with `edit` applied to it. */
export function clusterWith(edit: (body: Json) => void): Json {
  const body = compliantCluster();
  edit(body);
  return body;
}
