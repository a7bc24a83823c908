/**
 * Kubernetes `v1` Node objects as AKS nodes look. They are BUILT from the facts listed in
 * ../shared/fixtures/k8s/README.md (label keys and value formats seen on real AKS nodes, the
 * status.nodeInfo fields, kured's annotations), not copied from a real cluster: no licensed AKS Node
 * dump was available. Values such as the OS image text are test data.
 */
import { createHash } from "node:crypto";
import type { Json } from "./httpsServer.js";

export interface AksNodeFacts {
  name: string;
  pool: string;
  /** The label's spelling: `<SKU>-<version>`, e.g. `AKSUbuntu-2204gen2containerd-202405.27.0`. */
  nodeImageVersion: string;
  kernelVersion: string;
  /** e.g. `v1.33.2` */
  kubeletVersion: string;
  /** Cordoned since then: spec.unschedulable and the Unschedulable taint with this timeAdded. */
  unschedulableSince?: Date | string;
  /** kured found a reboot needed then (both kured annotations, as kured sets them together). */
  kuredRebootInProgress?: Date | string;
  /** kured's `most-recent-reboot-needed` alone (kured never deletes it). */
  kuredMostRecentRebootNeeded?: Date | string;
  /** Conditions to add or replace (by type); the default is only a Ready=True condition. */
  conditions?: Array<Partial<NodeCondition> & { type: string }>;
  mode?: "system" | "user";
  instanceType?: string;
  region?: string;
  osImage?: string;
  containerRuntimeVersion?: string;
  createdAt?: Date | string;
}

export interface NodeCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  lastHeartbeatTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

const DEFAULT_TIME = "2026-11-20T08:00:00Z";

export function aksNode(facts: AksNodeFacts): Json {
  const osSku = osSkuOf(facts.nodeImageVersion);
  const windows = osSku === "Windows";
  const created = rfc3339(facts.createdAt ?? DEFAULT_TIME);
  const annotations: Record<string, string> = {
    "node.alpha.kubernetes.io/ttl": "0",
    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
  };
  if (facts.kuredRebootInProgress !== undefined) {
    annotations["weave.works/kured-reboot-in-progress"] = rfc3339(facts.kuredRebootInProgress);
    annotations["weave.works/kured-most-recent-reboot-needed"] = rfc3339(facts.kuredRebootInProgress);
  }
  if (facts.kuredMostRecentRebootNeeded !== undefined) {
    annotations["weave.works/kured-most-recent-reboot-needed"] = rfc3339(facts.kuredMostRecentRebootNeeded);
  }
  const spec: Json = {};
  if (facts.unschedulableSince !== undefined) {
    spec.unschedulable = true;
    spec.taints = [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: rfc3339(facts.unschedulableSince) }];
  }
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: facts.name,
      uid: uuidFrom(facts.name),
      resourceVersion: "1",
      creationTimestamp: created,
      labels: {
        agentpool: facts.pool,
        "kubernetes.azure.com/agentpool": facts.pool,
        "kubernetes.azure.com/mode": facts.mode ?? "user",
        "kubernetes.azure.com/node-image-version": facts.nodeImageVersion,
        "kubernetes.azure.com/os-sku": osSku,
        "kubernetes.azure.com/role": "agent",
        "kubernetes.io/hostname": facts.name,
        "kubernetes.io/os": windows ? "windows" : "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": facts.instanceType ?? "Standard_D4ds_v5",
        "topology.kubernetes.io/region": facts.region ?? "westeurope",
      },
      annotations,
    },
    spec,
    status: {
      conditions: conditionsOf(facts.conditions ?? []),
      nodeInfo: {
        kernelVersion: facts.kernelVersion,
        osImage: facts.osImage ?? defaultOsImage(osSku),
        kubeletVersion: facts.kubeletVersion,
        kubeProxyVersion: facts.kubeletVersion,
        containerRuntimeVersion: facts.containerRuntimeVersion ?? "containerd://1.7.27-1",
        operatingSystem: windows ? "windows" : "linux",
        architecture: "amd64",
        bootID: uuidFrom(`${facts.name}/boot`),
        machineID: createHash("sha1").update(facts.name).digest("hex").slice(0, 32),
        systemUUID: uuidFrom(`${facts.name}/system`),
      },
    },
  };
}

/** Go's time.RFC3339: seconds, no fraction, as kubelet, kured and the API server write times. */
export function rfc3339(time: Date | string): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function osSkuOf(image: string): string {
  if (/^AKSWindows/i.test(image)) return "Windows";
  if (/^AKSAzureLinux/i.test(image)) return "AzureLinux";
  if (/^AKSCBLMariner/i.test(image)) return "CBLMariner";
  return "Ubuntu";
}

function defaultOsImage(osSku: string): string {
  switch (osSku) {
    case "Windows":
      return "Windows Server 2022 Datacenter";
    case "AzureLinux":
      return "Microsoft Azure Linux 3.0";
    case "CBLMariner":
      return "CBL-Mariner/Linux";
    default:
      return "Ubuntu 22.04.5 LTS";
  }
}

function conditionsOf(overrides: Array<Partial<NodeCondition> & { type: string }>): NodeCondition[] {
  const ready: NodeCondition = {
    type: "Ready",
    status: "True",
    lastHeartbeatTime: DEFAULT_TIME,
    lastTransitionTime: DEFAULT_TIME,
    reason: "KubeletReady",
    message: "kubelet is posting ready status",
  };
  const byType = new Map<string, NodeCondition>([["Ready", ready]]);
  for (const override of overrides) {
    const base = byType.get(override.type) ?? { ...ready, type: override.type, status: "False", reason: override.type, message: "" };
    byType.set(override.type, { ...base, ...override });
  }
  return [...byType.values()];
}

function uuidFrom(text: string): string {
  const hex = createHash("sha1").update(text).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
