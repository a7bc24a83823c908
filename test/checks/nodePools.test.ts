import { describe, expect, it } from "vitest";
import { CLUSTER_ID, clusterWith, compliantCluster, compliantPool, findingFor, type Json, childPool } from "../support/clusters.js";

const windowsPool = (name: string, overrides: Json = {}) =>
  childPool(name, { osType: "Windows", osSKU: "Windows2022", securityProfile: { sshAccess: "Disabled" }, ...overrides });

describe("ssh-disabled", () => {
  it("passes when every pool has SSH disabled, in any case", async () => {
    expect((await findingFor("ssh-disabled", compliantCluster(), { agentPools: [childPool("user1")] })).status).toBe("pass");
    const lower = clusterWith((c) => (c.properties.agentPoolProfiles[0].securityProfile.sshAccess = "disabled"));
    expect((await findingFor("ssh-disabled", lower)).status).toBe("pass");
  });

  it("fails a second pool with LocalUser SSH while the first passes, with the per-pool command", async () => {
    const finding = await findingFor("ssh-disabled", compliantCluster(), {
      agentPools: [childPool("user1", { securityProfile: { sshAccess: "LocalUser", enableSecureBoot: true, enableVTPM: true } })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([
      { path: "agentPools/user1.properties.securityProfile.sshAccess", value: "LocalUser", expected: "Disabled" },
    ]);
    expect(finding.remediation).toBe("az aks nodepool update -g rg-test --cluster-name aks-test -n user1 --ssh-access disabled");
  });

  it("fails a pool with no sshAccess (the default is LocalUser)", async () => {
    const body = clusterWith((c) => delete c.properties.agentPoolProfiles[0].securityProfile.sshAccess);
    const finding = await findingFor("ssh-disabled", body);
    expect(finding.status).toBe("fail");
    expect(finding.evidence[0]).toEqual({ path: "properties.agentPoolProfiles[system].securityProfile.sshAccess", value: null, expected: "Disabled" });
  });
});

describe("trusted-launch", () => {
  it("passes with Secure Boot and vTPM on every Linux pool", async () => {
    expect((await findingFor("trusted-launch", compliantCluster())).status).toBe("pass");
  });

  it("fails a second pool without Secure Boot, naming what is off", async () => {
    const finding = await findingFor("trusted-launch", compliantCluster(), {
      agentPools: [childPool("user1", { securityProfile: { sshAccess: "Disabled", enableSecureBoot: false, enableVTPM: true } })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("1 of 2 node pool(s) do not have both Secure Boot and vTPM enabled: user1 (Secure Boot off).");
    expect(finding.evidence).toEqual([
      { path: "agentPools/user1.properties.securityProfile.enableSecureBoot", value: false, expected: "true" },
    ]);
    expect(finding.remediation).toBe(
      "az aks nodepool update -g rg-test --cluster-name aks-test -n user1 --enable-secure-boot --enable-vtpm",
    );
  });

  it("leaves Windows pools out, and is notApplicable when every pool is Windows", async () => {
    const finding = await findingFor("trusted-launch", compliantCluster(), { agentPools: [windowsPool("win1")] });
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/skipped: win1 \(Windows pools do not support AKS Trusted Launch\)/);
    const onlyWindows = clusterWith((c) => {
      c.properties.agentPoolProfiles[0].osType = "windows";
      delete c.properties.agentPoolProfiles[0].securityProfile.enableVTPM;
    });
    expect((await findingFor("trusted-launch", onlyWindows)).status).toBe("notApplicable");
  });
});

describe("vmss-pools", () => {
  it("passes scale-set pools, reading a child pool's own type (not its resource type)", async () => {
    const finding = await findingFor("vmss-pools", compliantCluster(), { agentPools: [childPool("user1")] });
    expect(finding.status).toBe("pass");
    expect(finding.message).toBe("All 2 node pool(s) use VirtualMachineScaleSets or VirtualMachines.");
  });

  it("fails a second pool of type AvailabilitySet", async () => {
    const finding = await findingFor("vmss-pools", compliantCluster(), { agentPools: [childPool("legacy", { type: "availabilityset" })] });
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([
      { path: "agentPools/legacy.properties.type", value: "availabilityset", expected: "VirtualMachineScaleSets (or VirtualMachines)" },
    ]);
    expect(finding.remediation).toBeUndefined();
  });

  it("treats a missing type as VirtualMachineScaleSets, and says so", async () => {
    const finding = await findingFor("vmss-pools", clusterWith((c) => delete c.properties.agentPoolProfiles[0].type));
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/system has no type, which ARM defaults to VirtualMachineScaleSets/);
  });
});

describe("system-pool-isolation", () => {
  it("passes when system pools carry the CriticalAddonsOnly taint; user pools are not asked to", async () => {
    const finding = await findingFor("system-pool-isolation", compliantCluster(), { agentPools: [childPool("user1")] });
    expect(finding.status).toBe("pass");
    expect(finding.message).toBe("All 1 system pool(s) carry the CriticalAddonsOnly=true:NoSchedule taint.");
  });

  it("fails a second system pool (mode in lower case) without the taint", async () => {
    const finding = await findingFor("system-pool-isolation", compliantCluster(), {
      agentPools: [childPool("system2", { mode: "system", nodeTaints: ["dedicated=infra:NoSchedule"] })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([
      {
        path: "agentPools/system2.properties.nodeTaints",
        value: ["dedicated=infra:NoSchedule"],
        expected: "contains CriticalAddonsOnly=true:NoSchedule",
      },
    ]);
    expect(finding.remediation).toBe(
      "az aks nodepool update -g rg-test --cluster-name aks-test -n system2 --node-taints CriticalAddonsOnly=true:NoSchedule",
    );
  });

  it("accepts any CriticalAddonsOnly value with NoSchedule or NoExecute, not PreferNoSchedule", async () => {
    const taint = (value: string) => clusterWith((c) => (c.properties.agentPoolProfiles[0].nodeTaints = [value]));
    expect((await findingFor("system-pool-isolation", taint("CriticalAddonsOnly:NoExecute"))).status).toBe("pass");
    expect((await findingFor("system-pool-isolation", taint("CriticalAddonsOnly=true:PreferNoSchedule"))).status).toBe("fail");
  });

  it("is notApplicable without a System pool", async () => {
    const body = clusterWith((c) => (c.properties.agentPoolProfiles[0].mode = "User"));
    expect((await findingFor("system-pool-isolation", body)).status).toBe("notApplicable");
  });
});

describe("max-pods-min", () => {
  it("passes with maxPods at or above minMaxPods", async () => {
    expect((await findingFor("max-pods-min", compliantCluster())).status).toBe("pass");
  });

  it("fails a second pool with 30 pods while the first passes", async () => {
    const finding = await findingFor("max-pods-min", compliantCluster(), { agentPools: [childPool("user1", { maxPods: 30 })] });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("1 of 2 node pool(s) do not allow at least 50 pods per node: user1 (30).");
    expect(finding.evidence).toEqual([{ path: "agentPools/user1.properties.maxPods", value: 30, expected: "at least 50" }]);
  });

  it("follows minMaxPods", async () => {
    expect((await findingFor("max-pods-min", compliantCluster(), { parameters: { minMaxPods: 200 } })).status).toBe("fail");
  });

  it("uses the Azure CNI Overlay default when a template leaves maxPods out, and fails an unknown default", async () => {
    const overlay = clusterWith((c) => delete c.properties.agentPoolProfiles[0].maxPods);
    expect((await findingFor("max-pods-min", overlay)).status).toBe("pass");
    const nodeSubnet = clusterWith((c) => {
      delete c.properties.agentPoolProfiles[0].maxPods;
      delete c.properties.networkProfile.networkPluginMode;
    });
    const finding = await findingFor("max-pods-min", nodeSubnet);
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/maxPods not set/);
  });
});

describe("availability-zones", () => {
  it("passes pools across three zones", async () => {
    expect((await findingFor("availability-zones", compliantCluster(), { agentPools: [childPool("user1")] })).status).toBe("pass");
  });

  it("fails a second pool in one zone and a pool with none, naming the zones seen", async () => {
    const finding = await findingFor("availability-zones", compliantCluster(), {
      agentPools: [childPool("user1", { availabilityZones: ["1"] }), childPool("user2", { availabilityZones: undefined })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("2 of 3 node pool(s) do not span at least 3 availability zones: user1 (zone 1), user2 (no zones).");
    expect(finding.evidence).toContainEqual({ path: "agentPools/user1.properties.availabilityZones", value: ["1"], expected: "at least 3 zones" });
  });

  it("follows minAvailabilityZones", async () => {
    const two = clusterWith((c) => (c.properties.agentPoolProfiles[0].availabilityZones = ["1", "2"]));
    expect((await findingFor("availability-zones", two)).status).toBe("fail");
    expect((await findingFor("availability-zones", two, { parameters: { minAvailabilityZones: 2 } })).status).toBe("pass");
  });
});

describe("min-system-nodes", () => {
  it("passes with three system nodes (the autoscaler's minCount)", async () => {
    const finding = await findingFor("min-system-nodes", compliantCluster(), { agentPools: [childPool("user1", { count: 1, minCount: 1 })] });
    expect(finding.status).toBe("pass");
    expect(finding.evidence).toEqual([
      { path: "properties.agentPoolProfiles[system].minCount", value: 3, expected: "autoscaled pools count their minCount" },
    ]);
  });

  it("uses minCount, not the current count, for an autoscaled pool", async () => {
    const body = clusterWith((c) => (c.properties.agentPoolProfiles[0].minCount = 1));
    const finding = await findingFor("min-system-nodes", body);
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("The system pools can go down to 1 node(s) (system: minCount 1), below the minimum of 3.");
  });

  it("adds up every System pool, mode matched case-insensitively", async () => {
    const body = clusterWith((c) => {
      Object.assign(c.properties.agentPoolProfiles[0], { enableAutoScaling: false, count: 2 });
    });
    expect((await findingFor("min-system-nodes", body)).status).toBe("fail");
    const withSecond = await findingFor("min-system-nodes", body, {
      agentPools: [childPool("system2", { mode: "system", enableAutoScaling: false, count: 1 })],
    });
    expect(withSecond.status).toBe("pass");
  });

  it("fails a cluster with no System pool", async () => {
    const body = clusterWith((c) => (c.properties.agentPoolProfiles[0].mode = "User"));
    const finding = await findingFor("min-system-nodes", body);
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("The cluster has no node pool with mode System.");
  });
});

describe("node-pool-autoscaling", () => {
  it("passes when scale-set pools autoscale", async () => {
    expect((await findingFor("node-pool-autoscaling", compliantCluster(), { agentPools: [childPool("user1")] })).status).toBe("pass");
  });

  it("fails a second pool without the autoscaler, with the per-pool command", async () => {
    const finding = await findingFor("node-pool-autoscaling", compliantCluster(), {
      agentPools: [childPool("user1", { enableAutoScaling: false, minCount: undefined, maxCount: undefined })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([{ path: "agentPools/user1.properties.enableAutoScaling", value: false, expected: "true" }]);
    expect(finding.remediation).toBe(
      "az aks nodepool update -g rg-test --cluster-name aks-test -n user1 --enable-cluster-autoscaler --min-count <min> --max-count <max>",
    );
  });

  it("leaves pools that are not scale sets out, and is notApplicable when none is", async () => {
    const finding = await findingFor("node-pool-autoscaling", compliantCluster(), {
      agentPools: [childPool("legacy", { type: "AvailabilitySet", enableAutoScaling: false })],
    });
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/skipped: legacy \(type AvailabilitySet, not a scale set\)/);
    const body = clusterWith((c) => (c.properties.agentPoolProfiles[0].type = "VirtualMachines"));
    expect((await findingFor("node-pool-autoscaling", body)).status).toBe("notApplicable");
  });
});

describe("node-rg-readonly", () => {
  it("passes with ReadOnly in any case", async () => {
    expect((await findingFor("node-rg-readonly", compliantCluster())).status).toBe("pass");
    const lower = clusterWith((c) => (c.properties.nodeResourceGroupProfile.restrictionLevel = "readonly"));
    expect((await findingFor("node-rg-readonly", lower)).status).toBe("pass");
  });

  it("fails Unrestricted and a missing profile", async () => {
    const open = await findingFor("node-rg-readonly", clusterWith((c) => (c.properties.nodeResourceGroupProfile.restrictionLevel = "Unrestricted")));
    expect(open.status).toBe("fail");
    expect(open.evidence).toEqual([
      { path: "properties.nodeResourceGroupProfile.restrictionLevel", value: "Unrestricted", expected: "ReadOnly" },
    ]);
    expect(open.remediation).toBe("az aks update -g rg-test -n aks-test --nrg-lockdown-restriction-level ReadOnly");
    expect((await findingFor("node-rg-readonly", clusterWith((c) => delete c.properties.nodeResourceGroupProfile))).status).toBe("fail");
  });
});

describe("no-unsafe-sysctls", () => {
  it("passes with no or an empty allowedUnsafeSysctls", async () => {
    expect((await findingFor("no-unsafe-sysctls", compliantCluster())).status).toBe("pass");
    const empty = childPool("user1", { kubeletConfig: { allowedUnsafeSysctls: [] } });
    expect((await findingFor("no-unsafe-sysctls", compliantCluster(), { agentPools: [empty] })).status).toBe("pass");
  });

  it("fails a second pool that allows unsafe sysctls", async () => {
    const sysctls = ["kernel.msg*", "net.ipv4.route.min_pmtu"];
    const finding = await findingFor("no-unsafe-sysctls", compliantCluster(), {
      agentPools: [childPool("user1", { kubeletConfig: { allowedUnsafeSysctls: sysctls } })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("1 of 2 node pool(s) allow unsafe sysctls: user1 (kernel.msg*, net.ipv4.route.min_pmtu).");
    expect(finding.evidence).toEqual([
      { path: "agentPools/user1.properties.kubeletConfig.allowedUnsafeSysctls", value: sysctls, expected: "absent or empty" },
    ]);
  });
});

describe("cluster-healthy-state", () => {
  it("passes a Succeeded, Running cluster and pools", async () => {
    expect((await findingFor("cluster-healthy-state", compliantCluster(), { agentPools: [childPool("user1")] })).status).toBe("pass");
  });

  it("fails a stopped cluster with a clear message", async () => {
    const body = clusterWith((c) => {
      c.properties.powerState = { code: "Stopped" };
      c.properties.agentPoolProfiles[0].powerState = { code: "Stopped" };
    });
    const finding = await findingFor("cluster-healthy-state", body);
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("The cluster is stopped (powerState Stopped), so its 1 node pool(s) run no workloads.");
    expect(finding.evidence).toContainEqual({ path: "properties.powerState.code", value: "Stopped", expected: "Running" });
  });

  it("fails a second pool that failed to provision, with its error", async () => {
    const failed = childPool("user1", {
      provisioningState: "Failed",
      status: { provisioningError: { code: "VMExtensionProvisioningError", message: "VM has reported a failure." } },
    });
    const finding = await findingFor("cluster-healthy-state", compliantCluster(), { agentPools: [failed] });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("Pool user1 is Failed, reports VMExtensionProvisioningError: VM has reported a failure.");
    expect(finding.evidence).toContainEqual({ path: "agentPools/user1.properties.provisioningState", value: "Failed", expected: "Succeeded" });
  });

  it("fails a cluster-level provisioning error", async () => {
    const body = clusterWith((c) => (c.properties.status = { provisioningError: { code: "QuotaExceeded", message: "Not enough cores" } }));
    const finding = await findingFor("cluster-healthy-state", body);
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/^The cluster reports QuotaExceeded/);
  });

  it("is a missingData error for a body without provisioningState (a template, not a live resource)", async () => {
    const finding = await findingFor("cluster-healthy-state", clusterWith((c) => delete c.properties.provisioningState));
    expect(finding.status).toBe("error");
    expect(finding.errorKind).toBe("missingData");
  });
});
