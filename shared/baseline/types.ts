import type { ManagedCluster, ManagedClusterAgentPoolProfileProperties } from "@azure/arm-containerservice";
import type { ClusterSnapshot } from "../model/snapshot.js";
import type { BaselineParameters } from "./parameters.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ["pass", "fail", "error", "notApplicable"] as const;
export type Status = (typeof STATUSES)[number];

export const CATEGORIES = {
  identity: "Identity and access",
  network: "API server and network",
  data: "Data protection",
  monitoring: "Logging, monitoring and threat detection",
  governance: "Governance and add-ons",
  lifecycle: "Upgrade and patch posture",
  nodes: "Node-pool hardening, reliability and health",
  ingress: "Ingress",
} as const;
export type Category = keyof typeof CATEGORIES;

/** A value the check read (or missed), at its REST path, e.g. `properties.agentPoolProfiles[npwin].enableNodePublicIP`. */
export interface Evidence {
  path: string;
  value: unknown;
  expected?: string;
}

/**
 * Why a check said `error`:
 * - missingData: the snapshot lacks data the check needs (e.g. a cluster file has no upgrade profiles);
 * - readFailed: the source tried to read that data and failed (403, 404, throttled, timeout);
 * - checkFailed: the check itself threw (an engine defect).
 */
export type ErrorKind = "missingData" | "readFailed" | "checkFailed";

export interface CheckOutcome {
  status: Status;
  /** One human sentence about this cluster: what is wrong, or why it is fine. */
  message: string;
  evidence: Evidence[];
  errorKind?: ErrorKind;
}

/** One node pool, from `agentPoolProfiles[*]` or from a `managedClusters/agentPools` child resource. */
export interface PoolView {
  name: string;
  /** REST path prefix for evidence, e.g. `properties.agentPoolProfiles[nodepool1]` or `agentPools/npwin.properties`. */
  path: string;
  spec: ManagedClusterAgentPoolProfileProperties;
}

export interface CheckContext {
  snapshot: ClusterSnapshot;
  cluster: ManagedCluster;
  /** Every pool, profiles and child resources merged by name (child resources win). */
  pools: PoolView[];
  params: BaselineParameters;
  /** The evaluation time: checks never read the clock. */
  now: Date;
}

export interface Reference {
  /** Checkov, Prowler, Trivy, Azure Policy, CIS AKS 1.8, Defender for Cloud, Kubescape, PSRule. */
  source: string;
  id: string;
}

export interface Check {
  /** Public contract: as in BASELINE.md. */
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  /** Why it matters. */
  rationale: string;
  remediation: {
    text: string;
    /** An `az` command with `{resourceGroup}`, `{name}` and `{pool}` placeholders, where one exists. */
    command?: string;
  };
  references: Reference[];
  /** `cluster`: the managed cluster JSON is enough; `external`: needs data read beyond it. */
  data: "cluster" | "external";
  /** Off unless a profile turns it on (opt-in requirements such as FIPS or customer-managed keys). */
  optIn?: boolean;
  evaluate(ctx: CheckContext): CheckOutcome;
}

export interface Exemption {
  reason: string;
  /** Where it comes from, e.g. `tag aksmon-exempt`. */
  source: string;
  until?: string;
  by?: string;
}

/** One check's result for one cluster. */
export interface Finding {
  check: string;
  status: Status;
  severity: Severity;
  title: string;
  category: Category;
  message: string;
  evidence: Evidence[];
  errorKind?: ErrorKind;
  /** The remediation command with this cluster's names filled in. */
  remediation?: string;
  /** Present when the cluster is exempt from this check: the finding is reported, not counted. */
  exemption?: Exemption;
}

export interface Summary {
  pass: number;
  fail: number;
  error: number;
  notApplicable: number;
  /** Findings of any status that an exemption covers; they are not counted above. */
  exempt: number;
}

export interface ClusterEvaluation {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  origin: string;
  findings: Finding[];
  summary: Summary;
  /** Problems with the cluster's own exemption tags and the like: shown, never fatal. */
  warnings: string[];
}
