import type {
  AgentPool,
  AgentPoolUpgradeProfile,
  KubernetesVersionListResult,
  MaintenanceConfiguration,
  ManagedCluster,
  ManagedClusterUpgradeProfile,
} from "@azure/arm-containerservice";

/** A managed cluster's identity, from its validated ARM resource id. */
export interface ClusterRef {
  /** The ARM id as given (display case kept). */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** Why a part of a snapshot could not be read. */
export interface ReadError {
  kind: "forbidden" | "notFound" | "throttled" | "timeout" | "unavailable" | "invalid";
  status?: number;
  message: string;
}

/** A part of the snapshot that was read, or the reason it could not be. */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: ReadError };

/** One diagnostic setting of the cluster (Microsoft.Insights/diagnosticSettings). */
export interface DiagnosticSetting {
  name: string;
  workspaceId?: string;
  storageAccountId?: string;
  eventHubAuthorizationRuleId?: string;
  logs: Array<{ category?: string; categoryGroup?: string; enabled: boolean }>;
}

/** The subscription's Defender for Containers plan (Microsoft.Security/pricings/Containers). */
export interface DefenderPricing {
  pricingTier: string;
  extensions: Array<{ name: string; isEnabled: boolean | string }>;
}

/** A Defender for Cloud assessment on the cluster (Microsoft.Security/assessments). */
export interface SecurityAssessment {
  /** The assessment key (the last segment of its id). */
  key: string;
  displayName?: string;
  statusCode: string;
}

/** What the monitor reads of one Kubernetes Node. */
export interface NodeFacts {
  name: string;
  pool?: string;
  nodeImageVersion?: string;
  kernelVersion?: string;
  kubeletVersion?: string;
  osImage?: string;
  unschedulable: boolean;
  /** When the node was cordoned, if known (the Unschedulable taint's timeAdded). */
  unschedulableSince?: string;
  /** When the node started waiting for a reboot (kured annotations or a reboot-required condition). */
  rebootRequiredSince?: string;
  /** Where rebootRequiredSince came from: an annotation or condition name. */
  rebootSignal?: string;
}

/** The Application Gateway in front of the cluster (AGIC) and its WAF policy. */
export interface ApplicationGatewayFacts {
  id: string;
  skuTier?: string;
  firewallPolicyId?: string;
  policyState?: string;
  policyMode?: string;
}

/** Data beyond the managed cluster resource. Absent means "not read"; a failed read is a ReadResult error. */
export interface SnapshotExtras {
  /** Keyed by lower-cased pool name. */
  poolUpgradeProfiles?: Record<string, ReadResult<AgentPoolUpgradeProfile>>;
  clusterUpgradeProfile?: ReadResult<ManagedClusterUpgradeProfile>;
  kubernetesVersions?: ReadResult<KubernetesVersionListResult>;
  maintenanceConfigurations?: ReadResult<MaintenanceConfiguration[]>;
  diagnosticSettings?: ReadResult<DiagnosticSetting[]>;
  defenderPricing?: ReadResult<DefenderPricing>;
  securityAssessments?: ReadResult<SecurityAssessment[]>;
  nodes?: ReadResult<NodeFacts[]>;
  ingressGateway?: ReadResult<ApplicationGatewayFacts>;
}

/** Everything known about one cluster at one moment: the input of evaluate(). */
export interface ClusterSnapshot {
  ref: ClusterRef;
  cluster: ManagedCluster;
  /** managedClusters/agentPools child resources, when read or given beside the cluster. */
  agentPools: AgentPool[];
  extras: SnapshotExtras;
  source: "file" | "arm" | "event";
  /** Where it came from: a file path or an ARM URL. */
  origin: string;
  readAt: string;
}
