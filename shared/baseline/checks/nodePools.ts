import type { AgentPool, ManagedCluster } from "@azure/arm-containerservice";
import { sameText } from "../clusterFields.js";
import { everyPool, fail, judgePools, missingData, notApplicable, pass, withNote } from "../outcome.js";
import type { Check, CheckOutcome, Evidence, PoolView } from "../types.js";

const VMSS = "VirtualMachineScaleSets";

export const nodePoolChecks: Check[] = [
  {
    id: "ssh-disabled",
    title: "SSH to nodes is disabled",
    category: "nodes",
    severity: "medium",
    rationale:
      "SSH on the nodes is a standing back door around Kubernetes RBAC and audit; node access should go through kubectl debug or run command instead.",
    remediation: {
      text: "Disable SSH on every pool; use `kubectl debug node/...` when a node needs inspecting.",
      command: "az aks nodepool update -g {resourceGroup} --cluster-name {name} -n {pool} --ssh-access disabled",
    },
    references: [{ source: "Azure Policy", id: "28257686-e9db-403e-b9e2-a5eecbe03da9" }],
    data: "cluster",
    evaluate({ pools }) {
      return everyPool(pools, {
        field: "securityProfile.sshAccess",
        read: (pool) => pool.spec.securityProfile?.sshAccess,
        ok: (value) => sameText(value, "Disabled"),
        expected: "Disabled",
        what: "have SSH disabled",
      });
    },
  },
  {
    id: "trusted-launch",
    title: "Nodes use Trusted Launch (Secure Boot and vTPM)",
    category: "nodes",
    severity: "low",
    rationale:
      "Secure Boot lets only signed boot loaders, kernels and drivers start, and the vTPM measures the boot chain: together they defeat boot kits and rootkits.",
    remediation: {
      text: "Enable Secure Boot and vTPM on each Linux pool (Trusted Launch needs a Generation 2 VM size and a supported node image).",
      command: "az aks nodepool update -g {resourceGroup} --cluster-name {name} -n {pool} --enable-secure-boot --enable-vtpm",
    },
    references: [],
    data: "cluster",
    evaluate({ pools }) {
      return judgePools(pools, {
        what: "have both Secure Boot and vTPM enabled",
        skip: (pool) => (isWindows(pool) ? "Windows pools do not support AKS Trusted Launch" : undefined),
        problems: (pool) => {
          const profile = pool.spec.securityProfile;
          const rows: Evidence[] = [];
          if (profile?.enableSecureBoot !== true) {
            const value = profile?.enableSecureBoot ?? null;
            rows.push({ path: `${pool.path}.securityProfile.enableSecureBoot`, value, expected: "true" });
          }
          if (profile?.enableVtpm !== true) {
            const value = profile?.enableVtpm ?? null;
            rows.push({ path: `${pool.path}.securityProfile.enableVTPM`, value, expected: "true" });
          }
          return rows;
        },
        detail: (pool) => {
          const profile = pool.spec.securityProfile;
          const off = [
            profile?.enableSecureBoot === true ? undefined : "Secure Boot",
            profile?.enableVtpm === true ? undefined : "vTPM",
          ].filter(Boolean);
          return `${off.join(" and ")} off`;
        },
      });
    },
  },
  {
    id: "vmss-pools",
    title: "Node pools are not Availability Set pools",
    category: "nodes",
    severity: "low",
    rationale:
      "Availability Set pools are legacy: they cannot autoscale, use zones or have more than one pool, and AKS is retiring them.",
    remediation: {
      text: "Create a Virtual Machine Scale Sets pool, move the workloads to it and delete the Availability Set pool (the pool type cannot be changed in place).",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_169" },
      { source: "PSRule", id: "Azure.AKS.PoolScaleSet" },
    ],
    data: "cluster",
    evaluate({ pools }) {
      const outcome = judgePools(pools, {
        what: `use ${VMSS} or VirtualMachines`,
        detail: (pool) => `${poolType(pool)}`,
        problems: (pool) =>
          sameText(poolType(pool), "AvailabilitySet")
            ? [{ path: `${pool.path}.type`, value: poolType(pool) ?? null, expected: `${VMSS} (or VirtualMachines)` }]
            : [],
      });
      const untyped = pools.filter((pool) => !poolType(pool)).map((pool) => pool.name);
      if (untyped.length === 0 || outcome.status === "error") return outcome;
      const have = untyped.length > 1 ? "have" : "has";
      return withNote(outcome, `${untyped.join(", ")} ${have} no type, which ARM defaults to ${VMSS}`);
    },
  },
  {
    id: "system-pool-isolation",
    title: "System pools are reserved for critical add-ons",
    category: "nodes",
    severity: "low",
    rationale:
      "Application pods on system nodes compete with CoreDNS, metrics-server and the CNI for resources and can starve or compromise them.",
    remediation: {
      text: "Taint the system pools with CriticalAddonsOnly=true:NoSchedule (this replaces the pool's taints, so list any others too), after making sure a user pool can take the application pods.",
      command:
        "az aks nodepool update -g {resourceGroup} --cluster-name {name} -n {pool} --node-taints CriticalAddonsOnly=true:NoSchedule",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_232" },
      { source: "Azure Policy", id: "48940d92 (in-cluster, Reserved System Pool Taints)" },
    ],
    data: "cluster",
    evaluate({ pools }) {
      if (pools.length === 0) return missingData("Not evaluated: the snapshot has no node pools.");
      const system = pools.filter(isSystem);
      if (system.length === 0) return notApplicable("No node pool has mode System.");
      return judgePools(system, {
        noun: "system pool",
        what: "carry the CriticalAddonsOnly=true:NoSchedule taint",
        problems: (pool) =>
          (pool.spec.nodeTaints ?? []).some(isCriticalAddonsOnly)
            ? []
            : [
                {
                  path: `${pool.path}.nodeTaints`,
                  value: pool.spec.nodeTaints ?? null,
                  expected: "contains CriticalAddonsOnly=true:NoSchedule",
                },
              ],
      });
    },
  },
  {
    id: "max-pods-min",
    title: "Node pools allow enough pods per node",
    category: "nodes",
    severity: "low",
    rationale:
      "A low maxPods strands node capacity: nodes fill up on pod count long before CPU or memory, and DaemonSets eat a large share of the slots.",
    remediation: {
      text: "maxPods cannot be changed on an existing pool: create a pool with a higher --max-pods, move the workloads and delete the old pool.",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_168" },
      { source: "PSRule", id: "Azure.AKS.NodeMinPods" },
    ],
    data: "cluster",
    evaluate({ cluster, pools, params }) {
      const min = params.minMaxPods;
      return judgePools(pools, {
        what: `allow at least ${min} pods per node`,
        problems: (pool) =>
          (effectiveMaxPods(pool, cluster)?.value ?? 0) >= min
            ? []
            : [{ path: `${pool.path}.maxPods`, value: pool.spec.maxPods ?? null, expected: `at least ${min}` }],
        detail: (pool) => {
          const effective = effectiveMaxPods(pool, cluster);
          if (!effective) return "maxPods not set";
          return effective.defaulted ? `maxPods not set, ${effective.defaulted} default ${effective.value}` : `${effective.value}`;
        },
      });
    },
  },
  {
    id: "availability-zones",
    title: "Node pools span availability zones",
    category: "nodes",
    severity: "low",
    rationale: "A pool in a single zone (or none) goes down with that zone's datacenter.",
    remediation: {
      text: "Zones cannot be changed on an existing pool: create a pool across zones 1, 2 and 3 (where the region has zones), move the workloads and delete the old pool.",
    },
    references: [
      { source: "Azure Policy", id: "2dec5f47-bc40-40d1-8c7d-a39d9d6808d1" },
      { source: "PSRule", id: "Azure.AKS.AvailabilityZone" },
    ],
    data: "cluster",
    evaluate({ pools, params }) {
      const min = params.minAvailabilityZones;
      const zonesOf = (pool: PoolView): string[] => [...new Set(pool.spec.availabilityZones ?? [])];
      return judgePools(pools, {
        what: `span at least ${min} availability zones`,
        problems: (pool) =>
          zonesOf(pool).length >= min
            ? []
            : [
                {
                  path: `${pool.path}.availabilityZones`,
                  value: pool.spec.availabilityZones ?? null,
                  expected: `at least ${min} zones`,
                },
              ],
        detail: (pool) => {
          const zones = zonesOf(pool);
          return zones.length === 0 ? "no zones" : `zone${zones.length > 1 ? "s" : ""} ${zones.join(", ")}`;
        },
      });
    },
  },
  {
    id: "min-system-nodes",
    title: "Enough system nodes for failover",
    category: "nodes",
    severity: "low",
    rationale:
      "With fewer than three system nodes, one node's upgrade or failure leaves CoreDNS and the other critical add-ons without headroom.",
    remediation: {
      text: "Raise the system pools' node count (or the autoscaler's minCount) so the system pools together keep at least the minimum: `az aks nodepool scale ... --node-count 3`, or `az aks nodepool update ... --update-cluster-autoscaler --min-count 3 --max-count <max>` for an autoscaled pool.",
    },
    references: [
      { source: "Azure Policy", id: "2dec5f47-bc40-40d1-8c7d-a39d9d6808d1" },
      { source: "PSRule", id: "Azure.AKS.MinNodeCount" },
    ],
    data: "cluster",
    evaluate({ pools, params }) {
      if (pools.length === 0) return missingData("Not evaluated: the snapshot has no node pools.");
      const min = params.minSystemNodes;
      const system = pools.filter(isSystem);
      if (system.length === 0) {
        return fail("The cluster has no node pool with mode System.", [
          {
            path: "properties.agentPoolProfiles[*].mode",
            value: pools.map((pool) => pool.spec.mode ?? null),
            expected: "at least one System pool",
          },
        ]);
      }
      const rows: Evidence[] = system.map((pool) =>
        pool.spec.enableAutoScaling === true
          ? {
              path: `${pool.path}.minCount`,
              value: pool.spec.minCount ?? null,
              expected: "autoscaled pools count their minCount",
            }
          : { path: `${pool.path}.count`, value: pool.spec.count ?? null },
      );
      const nodes = (pool: PoolView): number =>
        (pool.spec.enableAutoScaling === true ? pool.spec.minCount : pool.spec.count) ?? 0;
      const total = system.reduce((sum, pool) => sum + nodes(pool), 0);
      const parts = system.map((pool) => `${pool.name}: ${pool.spec.enableAutoScaling === true ? "minCount " : ""}${nodes(pool)}`);
      return total >= min
        ? pass(`The system pools keep at least ${total} node(s) (${parts.join(", ")}), at or above the minimum of ${min}.`, rows)
        : fail(`The system pools can go down to ${total} node(s) (${parts.join(", ")}), below the minimum of ${min}.`, rows);
    },
  },
  {
    id: "node-pool-autoscaling",
    title: "Scale-set pools autoscale",
    category: "nodes",
    severity: "info",
    rationale: "Without the cluster autoscaler a pool cannot add nodes under load or during upgrades, nor shed idle ones.",
    remediation: {
      text: "Enable the cluster autoscaler on each scale-set pool with sensible bounds.",
      command:
        "az aks nodepool update -g {resourceGroup} --cluster-name {name} -n {pool} --enable-cluster-autoscaler --min-count <min> --max-count <max>",
    },
    references: [{ source: "PSRule", id: "Azure.AKS.AutoScaling" }],
    data: "cluster",
    evaluate({ pools }) {
      return judgePools(pools, {
        noun: "scale-set pool",
        what: "have the cluster autoscaler enabled",
        skip: (pool) =>
          !poolType(pool) || sameText(poolType(pool), VMSS) ? undefined : `type ${poolType(pool)}, not a scale set`,
        problems: (pool) =>
          pool.spec.enableAutoScaling === true
            ? []
            : [{ path: `${pool.path}.enableAutoScaling`, value: pool.spec.enableAutoScaling ?? null, expected: "true" }],
      });
    },
  },
  {
    id: "node-rg-readonly",
    title: "The node resource group is locked down",
    category: "nodes",
    severity: "medium",
    rationale:
      "Direct changes to the VMs, disks and load balancers in the node resource group bypass AKS, break upgrades and can weaken the nodes' security settings.",
    remediation: {
      text: "Set the node resource group restriction level to ReadOnly.",
      command: "az aks update -g {resourceGroup} -n {name} --nrg-lockdown-restriction-level ReadOnly",
    },
    references: [],
    data: "cluster",
    evaluate({ cluster }) {
      const level = cluster.nodeResourceGroupProfile?.restrictionLevel;
      const evidence = [
        { path: "properties.nodeResourceGroupProfile.restrictionLevel", value: level ?? null, expected: "ReadOnly" },
      ];
      if (sameText(level, "ReadOnly")) return pass("The node resource group is read-only to everyone but AKS.", evidence);
      return fail(
        level === undefined
          ? "The node resource group has no restriction level, so anyone with access to it can change the nodes' resources (Unrestricted)."
          : `The node resource group restriction level is ${level}, so anyone with access to it can change the nodes' resources.`,
        evidence,
      );
    },
  },
  {
    id: "no-unsafe-sysctls",
    title: "Kubelets allow no unsafe sysctls",
    category: "nodes",
    severity: "medium",
    rationale:
      "Unsafe sysctls are not namespaced or not isolated: a pod allowed to set them can change the kernel settings of the whole node.",
    remediation: {
      text: "Remove allowedUnsafeSysctls from the pools' kubelet configuration (custom node configuration is set when a pool is created, so recreate the pool without it).",
    },
    references: [{ source: "Azure Policy", id: "56d0a13f (in-cluster, forbidden sysctls)" }],
    data: "cluster",
    evaluate({ pools }) {
      const allowed = (pool: PoolView): string[] => pool.spec.kubeletConfig?.allowedUnsafeSysctls ?? [];
      return judgePools(pools, {
        what: "allow no unsafe sysctls",
        failWhat: "allow unsafe sysctls",
        problems: (pool) =>
          allowed(pool).length === 0
            ? []
            : [{ path: `${pool.path}.kubeletConfig.allowedUnsafeSysctls`, value: allowed(pool), expected: "absent or empty" }],
        detail: (pool) => allowed(pool).join(", "),
      });
    },
  },
  {
    id: "cluster-healthy-state",
    title: "The cluster and its pools are provisioned and running",
    category: "nodes",
    severity: "info",
    rationale:
      "A failed or stopped cluster or pool is not serving workloads, and its other findings may describe a state that is not running.",
    remediation: {
      text: "Start a stopped cluster (`az aks start`) or pool (`az aks nodepool start`); for a failed one, read the provisioning error and reconcile it (`az aks update -g <rg> -n <name>` with no changes retries the last good state).",
    },
    references: [],
    data: "cluster",
    evaluate({ cluster, pools }) {
      if (cluster.provisioningState === undefined) {
        return missingData(
          "Not evaluated: the cluster JSON has no provisioningState (a template or desired state, not a live resource).",
        );
      }
      const problems: string[] = [];
      const rows: Evidence[] = [];
      const clusterState = stateProblems(
        "properties",
        cluster.provisioningState,
        cluster.powerState?.code,
        cluster.status?.provisioningError,
      );
      if (clusterState.text.length > 0) problems.push(`the cluster ${clusterState.text.join(", ")}`);
      rows.push(...clusterState.rows);
      for (const pool of pools) {
        const { provisioningState, powerState, status } = pool.spec;
        const state = stateProblems(pool.path, provisioningState, powerState?.code, status?.provisioningError);
        if (state.text.length > 0) problems.push(`pool ${pool.name} ${state.text.join(", ")}`);
        rows.push(...state.rows);
      }
      if (problems.length === 0) {
        return pass(`The cluster and its ${pools.length} node pool(s) are provisioned (Succeeded) and running.`, [
          { path: "properties.provisioningState", value: cluster.provisioningState },
          { path: "properties.powerState.code", value: cluster.powerState?.code ?? null },
        ]);
      }
      if (sameText(cluster.powerState?.code, "Stopped")) {
        return fail(`The cluster is stopped (powerState Stopped), so its ${pools.length} node pool(s) run no workloads.`, rows);
      }
      const text = problems.join("; ");
      return fail(`${text[0]?.toUpperCase()}${text.slice(1)}.`, rows);
    },
  },
];

function poolType(pool: PoolView): string | undefined {
  return pool.spec.type;
}

function isSystem(pool: PoolView): boolean {
  return sameText(pool.spec.mode, "System");
}

function isWindows(pool: PoolView): boolean {
  return sameText(pool.spec.osType, "Windows") || /^windows/i.test(pool.spec.osSKU ?? "");
}

/** System add-ons tolerate the CriticalAddonsOnly key with any value (operator Exists); NoExecute is stricter still. */
function isCriticalAddonsOnly(taint: string): boolean {
  const match = /^\s*CriticalAddonsOnly(?:=[^:]*)?:(NoSchedule|NoExecute)\s*$/.exec(taint);
  return match !== null;
}

/**
 * maxPods as set, or the AKS default when a template leaves it out: 250 with Azure CNI Overlay, 110 with
 * kubenet. A live GET always carries maxPods; other network setups are left as unknown.
 */
function effectiveMaxPods(pool: PoolView, cluster: ManagedCluster): { value: number; defaulted?: string } | undefined {
  if (pool.spec.maxPods !== undefined) return { value: pool.spec.maxPods };
  const network = cluster.networkProfile;
  if (sameText(network?.networkPluginMode, "overlay")) return { value: 250, defaulted: "the Azure CNI Overlay" };
  if (sameText(network?.networkPlugin, "kubenet")) return { value: 110, defaulted: "the kubenet" };
  return undefined;
}

function stateProblems(
  path: string,
  provisioningState: string | undefined,
  power: string | undefined,
  error: { code?: string; message?: string } | undefined,
): { text: string[]; rows: Evidence[] } {
  const text: string[] = [];
  const rows: Evidence[] = [];
  if (provisioningState !== undefined && !sameText(provisioningState, "Succeeded")) {
    text.push(`is ${provisioningState}`);
    rows.push({ path: `${path}.provisioningState`, value: provisioningState, expected: "Succeeded" });
  }
  if (power !== undefined && !sameText(power, "Running")) {
    text.push(`is ${power}`);
    rows.push({ path: `${path}.powerState.code`, value: power, expected: "Running" });
  }
  if (error !== undefined && (error.code || error.message)) {
    text.push(`reports ${error.code ?? "an error"}${error.message ? `: ${error.message.replace(/\.$/, "")}` : ""}`);
    const value = { code: error.code ?? null, message: error.message ?? null };
    rows.push({ path: `${path}.status.provisioningError`, value, expected: "absent" });
  }
  return { text, rows };
}

