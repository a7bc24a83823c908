import { describe, expect, it } from "vitest";
import type { NodeFacts } from "../../shared/model/snapshot.js";
import { CLUSTER_ID, clusterWith, compliantCluster, compliantPool, findingFor, type Json, childPool } from "../support/clusters.js";

/** An agent pool upgrade profile (REST body), as in AgentPoolsGetUpgradeProfile.json. */
function upgradeProfile(pool: string, latestNodeImageVersion: string, osType = "Linux"): Json {
  return {
    id: `${CLUSTER_ID}/agentPools/${pool}/upgradeProfiles/default`,
    name: "default",
    type: "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
    properties: { kubernetesVersion: "1.33.2", osType, latestNodeImageVersion, upgrades: [] },
  };
}

const LATEST_AZURE_LINUX = "AKSAzureLinux-V3gen2-202611.10.0";

/** ManagedClusters_ListKubernetesVersions for the location (REST body). */
function kubernetesVersions(): Json {
  const both = { supportPlan: ["KubernetesOfficial", "AKSLongTermSupport"] };
  return {
    values: [
      { version: "1.28", capabilities: { supportPlan: ["AKSLongTermSupport"] }, patchVersions: { "1.28.15": { upgrades: ["1.29.9"] } } },
      { version: "1.31", capabilities: both, patchVersions: { "1.31.9": { upgrades: ["1.32.5"] } } },
      { version: "1.32", capabilities: both, patchVersions: { "1.32.5": { upgrades: ["1.33.2"] } } },
      {
        version: "1.33",
        isDefault: true,
        capabilities: both,
        patchVersions: { "1.33.2": { upgrades: ["1.33.4"] }, "1.33.4": { upgrades: [] } },
      },
      { version: "1.34", isPreview: true, capabilities: { supportPlan: ["KubernetesOfficial"] }, patchVersions: { "1.34.0": { upgrades: [] } } },
    ],
  };
}

function maintenanceConfiguration(name: string): Json {
  return {
    id: `${CLUSTER_ID}/maintenanceConfigurations/${name}`,
    name,
    properties: {
      maintenanceWindow: {
        schedule: { weekly: { intervalWeeks: 1, dayOfWeek: "Sunday" } },
        durationHours: 4,
        startTime: "00:00",
        utcOffset: "+00:00",
      },
    },
  };
}

const throttled = { ok: false as const, error: { kind: "throttled" as const, status: 429, message: "Too many requests" } };

describe("cluster-auto-upgrade", () => {
  it("passes with an allowed channel, in any case", async () => {
    expect((await findingFor("cluster-auto-upgrade", compliantCluster())).status).toBe("pass");
    const stable = clusterWith((c) => (c.properties.autoUpgradeProfile.upgradeChannel = "Stable"));
    expect((await findingFor("cluster-auto-upgrade", stable)).status).toBe("pass");
  });

  it("fails on none, on a missing channel and on node-image, with the update command", async () => {
    const none = await findingFor("cluster-auto-upgrade", clusterWith((c) => (c.properties.autoUpgradeProfile.upgradeChannel = "none")));
    expect(none.status).toBe("fail");
    expect(none.evidence).toContainEqual({
      path: "properties.autoUpgradeProfile.upgradeChannel",
      value: "none",
      expected: "one of patch, stable, rapid",
    });
    expect(none.remediation).toBe("az aks update -g rg-test -n aks-test --auto-upgrade-channel patch");
    const missing = await findingFor("cluster-auto-upgrade", clusterWith((c) => delete c.properties.autoUpgradeProfile));
    expect(missing.status).toBe("fail");
    expect(missing.message).toMatch(/No Kubernetes auto-upgrade channel/);
    const nodeImage = await findingFor("cluster-auto-upgrade", clusterWith((c) => (c.properties.autoUpgradeProfile.upgradeChannel = "node-image")));
    expect(nodeImage.status).toBe("fail");
    expect(nodeImage.message).toMatch(/node images only/);
  });

  it("follows the allowedUpgradeChannels parameter", async () => {
    const finding = await findingFor("cluster-auto-upgrade", compliantCluster(), { parameters: { allowedUpgradeChannels: ["stable"] } });
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/not one of the allowed channels \(stable\)/);
  });
});

describe("node-os-auto-upgrade", () => {
  it("passes with NodeImage or SecurityPatch in any case", async () => {
    expect((await findingFor("node-os-auto-upgrade", compliantCluster())).status).toBe("pass");
    const lower = clusterWith((c) => (c.properties.autoUpgradeProfile.nodeOSUpgradeChannel = "nodeimage"));
    expect((await findingFor("node-os-auto-upgrade", lower)).status).toBe("pass");
    const patch = clusterWith((c) => (c.properties.autoUpgradeProfile.nodeOSUpgradeChannel = "SecurityPatch"));
    expect((await findingFor("node-os-auto-upgrade", patch)).status).toBe("pass");
  });

  it("passes with upgradeChannel node-image and no node OS channel (Azure Policy 04408ca5, mirrored)", async () => {
    const body = clusterWith((c) => (c.properties.autoUpgradeProfile = { upgradeChannel: "node-image" }));
    const finding = await findingFor("node-os-auto-upgrade", body);
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/node-image auto-upgrade channel/);
  });

  it("fails on Unmanaged, None and a missing channel", async () => {
    const unmanaged = await findingFor(
      "node-os-auto-upgrade",
      clusterWith((c) => (c.properties.autoUpgradeProfile.nodeOSUpgradeChannel = "Unmanaged")),
    );
    expect(unmanaged.status).toBe("fail");
    expect(unmanaged.message).toMatch(/kured/);
    expect(unmanaged.remediation).toBe("az aks update -g rg-test -n aks-test --node-os-upgrade-channel NodeImage");
    const none = clusterWith((c) => (c.properties.autoUpgradeProfile.nodeOSUpgradeChannel = "None"));
    expect((await findingFor("node-os-auto-upgrade", none)).status).toBe("fail");
    const missing = clusterWith((c) => delete c.properties.autoUpgradeProfile.nodeOSUpgradeChannel);
    const finding = await findingFor("node-os-auto-upgrade", missing);
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toContainEqual({
      path: "properties.autoUpgradeProfile.nodeOSUpgradeChannel",
      value: null,
      expected: "SecurityPatch or NodeImage",
    });
  });
});

describe("supported-k8s-version", () => {
  const extras = { kubernetesVersions: kubernetesVersions() };

  it("passes on a listed non-preview minor", async () => {
    const finding = await findingFor("supported-k8s-version", compliantCluster(), { extras });
    expect(finding.status).toBe("pass");
    expect(finding.message).toBe("Kubernetes 1.33.2 is on a supported minor (1.33).");
    expect(finding.evidence).toContainEqual({ path: "properties.currentKubernetesVersion", value: "1.33.2" });
  });

  it("notes a patch that the location no longer offers", async () => {
    const body = clusterWith((c) => (c.properties.currentKubernetesVersion = "1.33.1"));
    const finding = await findingFor("supported-k8s-version", body, { extras });
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/patch 1.33.1 is no longer offered \(latest 1.33.4\)/);
  });

  it("fails on a minor that is not listed, naming the supported ones", async () => {
    const body = clusterWith((c) => {
      c.properties.kubernetesVersion = "1.29.9";
      c.properties.currentKubernetesVersion = "1.29.9";
    });
    const finding = await findingFor("supported-k8s-version", body, { extras });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("Kubernetes 1.29 is no longer supported in westeurope (supported minors: 1.28, 1.31, 1.32, 1.33).");
    expect(finding.evidence).toContainEqual(expect.objectContaining({ path: "kubernetesVersions.values[1.29]", value: null }));
  });

  it("fails on a preview minor", async () => {
    const body = clusterWith((c) => (c.properties.currentKubernetesVersion = "1.34.0"));
    const finding = await findingFor("supported-k8s-version", body, { extras });
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/preview/);
  });

  it("accepts an LTS-only minor under AKSLongTermSupport and fails it under the standard plan", async () => {
    const lts = clusterWith((c) => {
      c.properties.currentKubernetesVersion = "1.28.15";
      c.properties.supportPlan = "AKSLongTermSupport";
      c.sku.tier = "Premium";
    });
    const ltsFinding = await findingFor("supported-k8s-version", lts, { extras });
    expect(ltsFinding.status).toBe("pass");
    expect(ltsFinding.message).toMatch(/Long Term Support plan/);
    const standard = clusterWith((c) => (c.properties.currentKubernetesVersion = "1.28.15"));
    const finding = await findingFor("supported-k8s-version", standard, { extras });
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/only under AKS Long Term Support/);
  });

  it("is an error when the version list is absent or could not be read, never a pass", async () => {
    const absent = await findingFor("supported-k8s-version", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const failed = await findingFor("supported-k8s-version", compliantCluster(), {
      extras: { direct: { kubernetesVersions: throttled } },
    });
    expect(failed.status).toBe("error");
    expect(failed.errorKind).toBe("readFailed");
    expect(failed.message).toMatch(/HTTP 429/);
  });
});

describe("pool-version-skew", () => {
  it("passes when every pool runs the control-plane version", async () => {
    const finding = await findingFor("pool-version-skew", compliantCluster(), { agentPools: [childPool("user1")] });
    expect(finding.status).toBe("pass");
  });

  it("fails a second pool (an agentPools child resource) behind the control plane while the first matches", async () => {
    const finding = await findingFor("pool-version-skew", compliantCluster(), {
      agentPools: [childPool("user1", { orchestratorVersion: "1.32.5", currentOrchestratorVersion: "1.32.5" })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("1 of 2 node pool(s) do not run control-plane version 1.33.2: user1 (1.32.5).");
    expect(finding.evidence).toEqual([
      { path: "agentPools/user1.properties.currentOrchestratorVersion", value: "1.32.5", expected: "1.33.2" },
    ]);
    expect(finding.remediation).toBe(
      "az aks nodepool upgrade -g rg-test --cluster-name aks-test -n user1 --kubernetes-version <control-plane-version>",
    );
  });

  it("compares minors only when poolVersionMatch is minor", async () => {
    const body = clusterWith((c) => (c.properties.agentPoolProfiles[0].currentOrchestratorVersion = "1.33.0"));
    expect((await findingFor("pool-version-skew", body)).status).toBe("fail");
    expect((await findingFor("pool-version-skew", body, { parameters: { poolVersionMatch: "minor" } })).status).toBe("pass");
  });

  it("falls back to orchestratorVersion and kubernetesVersion", async () => {
    const body = clusterWith((c) => {
      delete c.properties.currentKubernetesVersion;
      delete c.properties.agentPoolProfiles[0].currentOrchestratorVersion;
      c.properties.agentPoolProfiles[0].orchestratorVersion = "1.32.5";
    });
    const finding = await findingFor("pool-version-skew", body);
    expect(finding.status).toBe("fail");
    expect(finding.evidence[0]?.path).toBe("properties.agentPoolProfiles[system].orchestratorVersion");
  });
});

describe("node-image-current", () => {
  it("passes when each pool runs its own latest image", async () => {
    const finding = await findingFor("node-image-current", compliantCluster(), {
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", LATEST_AZURE_LINUX) } },
    });
    expect(finding.status).toBe("pass");
  });

  it("passes within nodeImageMaxAgeDays of the latest image", async () => {
    const finding = await findingFor("node-image-current", compliantCluster(), {
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", "AKSAzureLinux-V3gen2-202611.24.0") } },
    });
    expect(finding.status).toBe("pass");
    expect(finding.message).toBe("All 1 node pool(s) run the latest node image or one at most 30 days older (system is 14 days behind).");
    expect(finding.evidence).toEqual([
      {
        path: "properties.agentPoolProfiles[system].nodeImageVersion",
        value: LATEST_AZURE_LINUX,
        expected: "AKSAzureLinux-V3gen2-202611.24.0",
      },
    ]);
    const hotfix = await findingFor("node-image-current", compliantCluster(), {
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", "AKSAzureLinux-V3gen2-202611.10.2") } },
    });
    expect(hotfix.status).toBe("pass");
    expect(hotfix.message).toMatch(/system is 2 same-day release\(s\) behind/);
    const strict = await findingFor("node-image-current", compliantCluster(), {
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", "AKSAzureLinux-V3gen2-202611.24.0") } },
      parameters: { nodeImageMaxAgeDays: 7 },
    });
    expect(strict.status).toBe("fail");
  });

  it("fails a second pool far behind its latest image while the first is current, with the image-only upgrade command", async () => {
    const finding = await findingFor("node-image-current", compliantCluster(), {
      agentPools: [childPool("user1", { nodeImageVersion: "AKSAzureLinux-V3gen2-202609.22.0" })],
      extras: {
        poolUpgradeProfiles: {
          system: upgradeProfile("system", LATEST_AZURE_LINUX),
          user1: upgradeProfile("user1", LATEST_AZURE_LINUX),
        },
      },
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/^1 of 2 node pool\(s\) run an outdated node image: user1 is 49 days behind/);
    expect(finding.evidence).toEqual([
      {
        path: "agentPools/user1.properties.nodeImageVersion",
        value: "AKSAzureLinux-V3gen2-202609.22.0",
        expected: `${LATEST_AZURE_LINUX}, or at most 30 days older`,
      },
    ]);
    expect(finding.remediation).toBe("az aks nodepool upgrade -g rg-test --cluster-name aks-test -n user1 --node-image-only");
  });

  it("fails a Windows pool whose image misses the monthly patch cycle even when it is the latest offered", async () => {
    const old = "AKSWindows-2022-containerd-20348.2966.261014";
    const win = childPool("win1", { osType: "Windows", osSKU: "Windows2022", nodeImageVersion: old });
    const finding = await findingFor("node-image-current", compliantCluster(), {
      agentPools: [win],
      extras: {
        poolUpgradeProfiles: {
          system: upgradeProfile("system", LATEST_AZURE_LINUX),
          win1: upgradeProfile("win1", old, "Windows"),
        },
      },
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/win1 runs a Windows image from 2026-10-14 .* 43 days old, past the 35-day monthly patch cycle/);
    expect(finding.evidence[0]?.path).toBe("agentPools/win1.properties.nodeImageVersion");

    const fresh = "AKSWindows-2022-containerd-20348.3050.261111";
    const current = await findingFor("node-image-current", compliantCluster(), {
      agentPools: [childPool("win1", { osType: "Windows", osSKU: "Windows2022", nodeImageVersion: fresh })],
      extras: {
        poolUpgradeProfiles: {
          system: upgradeProfile("system", LATEST_AZURE_LINUX),
          win1: upgradeProfile("win1", fresh, "Windows"),
        },
      },
    });
    expect(current.status).toBe("pass");
  });

  it("compares unrecognised versions for equality only, and says so", async () => {
    const custom = clusterWith((c) => (c.properties.agentPoolProfiles[0].nodeImageVersion = "custom-image-7"));
    const same = await findingFor("node-image-current", custom, {
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", "custom-image-7") } },
    });
    expect(same.status).toBe("pass");
    const different = await findingFor("node-image-current", custom, {
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", "custom-image-8") } },
    });
    expect(different.status).toBe("fail");
    expect(different.message).toMatch(/format is not recognised, so only equality was checked/);
  });

  it("is a readFailed error when a pool's upgrade profile could not be read", async () => {
    const finding = await findingFor("node-image-current", compliantCluster(), {
      extras: { direct: { poolUpgradeProfiles: { system: throttled } } },
    });
    expect(finding.status).toBe("error");
    expect(finding.errorKind).toBe("readFailed");
    expect(finding.message).toMatch(/pool system: throttled \(HTTP 429\)/);
  });

  it("is a missingData error without upgrade profiles, or without the profile of one pool", async () => {
    const absent = await findingFor("node-image-current", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const partial = await findingFor("node-image-current", compliantCluster(), {
      agentPools: [childPool("user1")],
      extras: { poolUpgradeProfiles: { system: upgradeProfile("system", LATEST_AZURE_LINUX) } },
    });
    expect(partial.status).toBe("error");
    expect(partial.errorKind).toBe("missingData");
    expect(partial.message).toMatch(/pool user1/);
  });
});

describe("nodes-pending-reboot", () => {
  const node = (name: string, since?: string): NodeFacts => {
    const facts: NodeFacts = { name, pool: "system", unschedulable: false };
    if (since) {
      facts.rebootRequiredSince = since;
      facts.rebootSignal = "weave.works/kured-reboot-in-progress";
    }
    return facts;
  };
  const withNodes = (nodes: NodeFacts[]) => ({ extras: { direct: { nodes: { ok: true as const, value: nodes } } } });

  it("passes when no node waits, or none past the grace", async () => {
    const none = await findingFor("nodes-pending-reboot", compliantCluster(), withNodes([node("aks-system-0"), node("aks-system-1")]));
    expect(none.status).toBe("pass");
    const recent = await findingFor(
      "nodes-pending-reboot",
      compliantCluster(),
      withNodes([node("aks-system-0", "2026-11-26T02:00:00Z"), node("aks-system-1")]),
    );
    expect(recent.status).toBe("pass");
    expect(recent.message).toMatch(/the longest 10 hours, within the 48-hour grace/);
  });

  it("fails when nodes wait past rebootGraceHours, leading with the longest wait", async () => {
    const finding = await findingFor(
      "nodes-pending-reboot",
      compliantCluster(),
      withNodes([
        node("aks-system-0", "2026-11-24T10:00:00Z"),
        node("aks-system-1", "2026-11-23T11:00:00Z"),
        node("aks-system-2", "2026-11-26T00:00:00Z"),
      ]),
    );
    expect(finding.status).toBe("fail");
    expect(finding.message).toMatch(/^Node aks-system-1 has waited 73 hours for a reboot/);
    expect(finding.message).toMatch(/1 more node\(s\) are past the 48-hour grace/);
    expect(finding.evidence).toEqual([
      { path: "nodes/aks-system-1.rebootRequiredSince", value: "2026-11-23T11:00:00Z", expected: "within 48 hours" },
      { path: "nodes/aks-system-0.rebootRequiredSince", value: "2026-11-24T10:00:00Z", expected: "within 48 hours" },
    ]);
    const strict = await findingFor("nodes-pending-reboot", compliantCluster(), {
      ...withNodes([node("aks-system-2", "2026-11-26T00:00:00Z")]),
      parameters: { rebootGraceHours: 6 },
    });
    expect(strict.status).toBe("fail");
  });

  it("is notApplicable with no nodes, and an error without node data", async () => {
    expect((await findingFor("nodes-pending-reboot", compliantCluster(), withNodes([]))).status).toBe("notApplicable");
    const absent = await findingFor("nodes-pending-reboot", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const failed = await findingFor("nodes-pending-reboot", compliantCluster(), {
      extras: { direct: { nodes: { ok: false, error: { kind: "forbidden", status: 403, message: "nodes is forbidden" } } } },
    });
    expect(failed.status).toBe("error");
    expect(failed.errorKind).toBe("readFailed");
  });
});

describe("maintenance-windows", () => {
  it("passes with both windows, names matched case-insensitively", async () => {
    const finding = await findingFor("maintenance-windows", compliantCluster(), {
      extras: {
        maintenanceConfigurations: [
          maintenanceConfiguration("aksManagedAutoUpgradeSchedule"),
          maintenanceConfiguration("aksmanagednodeosupgradeschedule"),
        ],
      },
    });
    expect(finding.status).toBe("pass");
    expect(finding.evidence).toContainEqual(
      expect.objectContaining({ path: "maintenanceConfigurations/aksManagedNodeOSUpgradeSchedule.properties.maintenanceWindow" }),
    );
  });

  it("fails when the node OS window is missing while a node OS channel is on", async () => {
    const finding = await findingFor("maintenance-windows", compliantCluster(), {
      extras: { maintenanceConfigurations: [maintenanceConfiguration("aksManagedAutoUpgradeSchedule"), maintenanceConfiguration("default")] },
    });
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe(
      "The cluster has no maintenance window aksManagedNodeOSUpgradeSchedule (for the NodeImage node OS channel).",
    );
    expect(finding.evidence).toContainEqual({
      path: "maintenanceConfigurations/aksManagedNodeOSUpgradeSchedule.properties.maintenanceWindow",
      value: null,
      expected: "a window, for the NodeImage node OS channel",
    });
  });

  it("does not ask for the node OS window when the node OS channel is Unmanaged", async () => {
    const body = clusterWith((c) => (c.properties.autoUpgradeProfile.nodeOSUpgradeChannel = "Unmanaged"));
    const finding = await findingFor("maintenance-windows", body, {
      extras: { maintenanceConfigurations: [maintenanceConfiguration("aksManagedAutoUpgradeSchedule")] },
    });
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/aksManagedNodeOSUpgradeSchedule window is not needed/);
  });

  it("is notApplicable when no auto-upgrade channel is on, unless both windows are defined anyway", async () => {
    const body = clusterWith((c) => (c.properties.autoUpgradeProfile = { upgradeChannel: "none", nodeOSUpgradeChannel: "None" }));
    expect((await findingFor("maintenance-windows", body)).status).toBe("notApplicable");
    const onlyOne = await findingFor("maintenance-windows", body, {
      extras: { maintenanceConfigurations: [maintenanceConfiguration("aksManagedAutoUpgradeSchedule")] },
    });
    expect(onlyOne.status).toBe("notApplicable");
    const both = await findingFor("maintenance-windows", clusterWith((c) => delete c.properties.autoUpgradeProfile), {
      extras: {
        maintenanceConfigurations: [
          maintenanceConfiguration("aksManagedAutoUpgradeSchedule"),
          maintenanceConfiguration("aksManagedNodeOSUpgradeSchedule"),
        ],
      },
    });
    expect(both.status).toBe("pass");
    expect(both.message).toMatch(/no auto-upgrade channel is on/);
  });

  it("is an error when the configurations are absent or could not be read", async () => {
    const absent = await findingFor("maintenance-windows", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const failed = await findingFor("maintenance-windows", compliantCluster(), {
      extras: { direct: { maintenanceConfigurations: throttled } },
    });
    expect(failed.errorKind).toBe("readFailed");
  });
});

describe("force-upgrade-override-off", () => {
  const override = (settings: Json) => clusterWith((c) => (c.properties.upgradeSettings = { overrideSettings: settings }));

  it("passes when forceUpgrade is off or absent", async () => {
    expect((await findingFor("force-upgrade-override-off", compliantCluster())).status).toBe("pass");
    expect((await findingFor("force-upgrade-override-off", override({ forceUpgrade: false }))).status).toBe("pass");
  });

  it("fails while forceUpgrade is in effect", async () => {
    const finding = await findingFor("force-upgrade-override-off", override({ forceUpgrade: true, until: "2026-12-01T00:00:00Z" }));
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toContainEqual({
      path: "properties.upgradeSettings.overrideSettings.until",
      value: "2026-12-01T00:00:00.000Z",
      expected: "before 2026-11-26T12:00:00.000Z",
    });
    expect(finding.remediation).toBe("az aks update -g rg-test -n aks-test --disable-force-upgrade");
  });

  it("passes once until is in the past, and when until is not set (AKS then ignores the override)", async () => {
    const expired = await findingFor("force-upgrade-override-off", override({ forceUpgrade: true, until: "2026-11-01T00:00:00Z" }));
    expect(expired.status).toBe("pass");
    expect(expired.message).toMatch(/expired/);
    const noUntil = await findingFor("force-upgrade-override-off", override({ forceUpgrade: true }));
    expect(noUntil.status).toBe("pass");
    expect(noUntil.message).toMatch(/no until/);
  });
});

describe("upgrade-surge-configured", () => {
  it("passes when every pool sets maxSurge", async () => {
    expect((await findingFor("upgrade-surge-configured", compliantCluster(), { agentPools: [childPool("user1")] })).status).toBe("pass");
  });

  it("fails a second pool without maxSurge, with the per-pool command", async () => {
    const finding = await findingFor("upgrade-surge-configured", compliantCluster(), {
      agentPools: [childPool("user1", { upgradeSettings: undefined })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([{ path: "agentPools/user1.properties.upgradeSettings.maxSurge", value: null, expected: "set" }]);
    expect(finding.remediation).toBe("az aks nodepool update -g rg-test --cluster-name aks-test -n user1 --max-surge 33%");
  });

  it("applies minMaxSurgePercent to percentages and to node counts", async () => {
    const strict = await findingFor("upgrade-surge-configured", compliantCluster(), { parameters: { minMaxSurgePercent: 50 } });
    expect(strict.status).toBe("fail");
    const nodes = clusterWith((c) => (c.properties.agentPoolProfiles[0].upgradeSettings.maxSurge = "2"));
    expect((await findingFor("upgrade-surge-configured", nodes, { parameters: { minMaxSurgePercent: 50 } })).status).toBe("pass");
  });

  it("leaves Spot pools out, and is notApplicable when every pool is Spot", async () => {
    const spot = childPool("spot1", { scaleSetPriority: "Spot", upgradeSettings: undefined });
    const finding = await findingFor("upgrade-surge-configured", compliantCluster(), { agentPools: [spot] });
    expect(finding.status).toBe("pass");
    expect(finding.message).toMatch(/Spot pool\(s\) spot1 cannot set it/);
    const allSpot = clusterWith((c) => {
      c.properties.agentPoolProfiles[0].scaleSetPriority = "spot";
      delete c.properties.agentPoolProfiles[0].upgradeSettings;
    });
    expect((await findingFor("upgrade-surge-configured", allSpot)).status).toBe("notApplicable");
  });
});
