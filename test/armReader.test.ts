/**
 * ClusterReader against the local ARM server with the real SDK clients: a cluster read completely into a
 * snapshot on which the external checks evaluate; a partly readable cluster gives `error`, never `pass`;
 * throttling, timeouts and 5xx answers are survived; what clusters share is read once per sweep.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluate } from "../shared/baseline/evaluate.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { parseClusterId } from "../shared/model/clusterRef.js";
import type { ClusterRef, ClusterSnapshot } from "../shared/model/snapshot.js";
import type { ArmTrafficOptions } from "../shared/sources/arm/armTraffic.js";
import { ClusterReader, RUNNING_IMAGES_ASSESSMENT, type ClusterRead } from "../shared/sources/arm/clusterReader.js";
import { readClusters } from "../shared/sources/arm/fleetRead.js";
import { recordedCluster, restExampleBody } from "./support/armFixtures.js";
import {
  applicationGateway,
  containersPricing,
  diagnosticSetting,
  latestNodeImagesBySku,
  securityAssessment,
  wafPolicy,
} from "./support/armResources.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import type { Json } from "./support/httpsServer.js";
import {
  EXTERNAL_CHECKS,
  SUBSCRIPTIONS,
  connectTo,
  findingOf,
  maintenanceWindowsOf,
  statusesOf,
  withAgic,
  withUpgradeChannels,
} from "./support/liveReads.js";

const [SUB_A, SUB_B, SUB_C] = SUBSCRIPTIONS;
/** The external checks that a read of ARM alone can settle (nodes come from Kubernetes). */
const ARM_CHECKS = EXTERNAL_CHECKS.filter((check) => check !== "nodes-pending-reboot");
/** The Windows fixture's image is from 2023-06-14: evaluate it within its monthly patch cycle. */
const JULY_2023 = new Date("2023-07-01T00:00:00Z");

const WORKSPACE = `/subscriptions/${SUB_A}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law`;
const AUDIT_LOGS = [{ categoryGroup: "audit", enabled: true }];

/**
 * Latest node images: westus2 offers the recorded clusters' own images (they are current), location1
 * (the REST example's region) has a newer AKSUbuntu 16.04 image than the example's 2020.03.11.
 */
const LATEST_IMAGES = latestNodeImagesBySku(
  {},
  {
    westus2: {
      "AKSUbuntu-2204gen2containerd": "202306.19.0",
      "AKSUbuntu-1804gen2containerd": "2022.04.27",
      "AKSWindows-2022-containerd": "20348.1787.230614",
    },
    location1: { "AKSUbuntu:1604": "2020.06.30" },
  },
);

/** What westus2 offered when the recorded clusters were made: 1.25 and 1.26 (1.22 is gone). */
const WESTUS2_VERSIONS = {
  values: [
    { version: "1.25", capabilities: { supportPlan: ["KubernetesOfficial"] }, patchVersions: { "1.25.6": { upgrades: ["1.26.3"] } } },
    { version: "1.26", isDefault: true, capabilities: { supportPlan: ["KubernetesOfficial"] }, patchVersions: { "1.26.3": { upgrades: [] } } },
  ],
};

function gatewayIds(subscriptionId: string, name: string) {
  const group = `/subscriptions/${subscriptionId}/resourceGroups/rg-net-${name}/providers/Microsoft.Network`;
  return { gateway: `${group}/applicationGateways/agw-${name}`, policy: `${group}/ApplicationGatewayWebApplicationFirewallPolicies/waf-${name}` };
}

function refOf(stored: Json): ClusterRef {
  const ref = parseClusterId(String(stored.id));
  if (!ref) throw new Error(`not a cluster id: ${stored.id}`);
  return { id: ref.id, subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, name: ref.name };
}

function snapshotOf(read: ClusterRead): ClusterSnapshot {
  if (!read.ok) throw new Error(`${read.ref.name}: ${read.error.kind}: ${read.error.message}`);
  return read.snapshot;
}

/**
 * A cluster with everything an operator wants: its diagnostic setting ships the audit logs, the
 * subscription's Defender plan is Standard, Defender finds its running images healthy, both maintenance
 * windows exist, and AGIC drives a WAF_v2 gateway with a policy in prevention mode.
 */
function putWellRunCluster(arm: ArmServer, body: Json, where: { subscriptionId: string; resourceGroup: string; name: string }): ClusterRef {
  const { gateway, policy } = gatewayIds(where.subscriptionId, where.name);
  const stored = arm.putCluster(withAgic(withUpgradeChannels(body), gateway), where);
  arm.put(diagnosticSetting(stored.id, "audit-to-law", { workspaceId: WORKSPACE, logs: AUDIT_LOGS }));
  arm.put(containersPricing(where.subscriptionId, { pricingTier: "Standard" }));
  arm.put(securityAssessment(stored.id, RUNNING_IMAGES_ASSESSMENT, { statusCode: "Healthy" }));
  for (const config of maintenanceWindowsOf(stored.id)) arm.put(config);
  arm.put(applicationGateway(gateway, { firewallPolicyId: policy }));
  arm.put(wafPolicy(policy, { mode: "Prevention", gatewayIds: [gateway] }));
  return refOf(stored);
}

describe("ClusterReader.read: a cluster read completely", () => {
  let arm: ArmServer;
  let good: ClusterRef;
  let weak: ClusterRef;
  let windows: ClusterRef;
  let rbac: ClusterRef;
  let reads: Map<string, ClusterSnapshot>;

  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: LATEST_IMAGES, pageSize: 2 });
    arm.setKubernetesVersions("westus2", WESTUS2_VERSIONS);

    // A recorded westus2 cluster, well run.
    good = putWellRunCluster(arm, recordedCluster("test_aks_create_node_public_ip"), { subscriptionId: SUB_A, resourceGroup: "rg-good", name: "aks-good" });

    // The REST example (location1, Kubernetes 1.9.6, a 2020 node image), weakly run: a diagnostic setting with
    // no audit categories, Defender on the Free tier (nothing stored), unhealthy running images, auto-upgrade on
    // without windows, and AGIC in front of a WAF policy in detection mode.
    const weakGateway = gatewayIds(SUB_B, "aks-weak");
    const weakStored = arm.putCluster(withAgic(withUpgradeChannels(restExampleBody("ManagedClustersGet")), weakGateway.gateway), {
      subscriptionId: SUB_B,
      resourceGroup: "rg-weak",
      name: "aks-weak",
    });
    arm.put(diagnosticSetting(weakStored.id, "metrics-only", { workspaceId: WORKSPACE, logs: [{ category: "kube-apiserver", enabled: true }] }));
    arm.put(securityAssessment(weakStored.id, RUNNING_IMAGES_ASSESSMENT, { statusCode: "Unhealthy" }));
    // Three more assessments: the list spans two pages of 2 (nextLink followed).
    for (const key of ["a-1", "a-2", "a-3"]) arm.put(securityAssessment(weakStored.id, key, { statusCode: "Healthy" }));
    arm.put(applicationGateway(weakGateway.gateway, { firewallPolicyId: weakGateway.policy }));
    arm.put(wafPolicy(weakGateway.policy, { mode: "Detection", gatewayIds: [weakGateway.gateway] }));
    weak = refOf(weakStored);

    // The recorded Windows cluster (two pools, two image SKUs), well run, in another resource group of SUB_A.
    windows = putWellRunCluster(arm, recordedCluster("test_aks_create_with_windows"), { subscriptionId: SUB_A, resourceGroup: "rg-win", name: "aks-win" });

    // A recorded 1.22 cluster (Entra ID, Azure RBAC) in a third subscription: nothing around it but what ARM
    // always has (Free Defender, no settings, no windows, no assessments, AGIC off).
    rbac = refOf(arm.putCluster(recordedCluster("test_aks_create_enable_azure_rbac"), { subscriptionId: SUB_C, resourceGroup: "rg-rbac", name: "aks-rbac" }));

    const connection = await connectTo(arm);
    const reader = new ClusterReader(connection);
    reads = new Map();
    for (const ref of [good, weak, windows, rbac]) reads.set(ref.name, snapshotOf(await reader.read(ref)));
  });
  afterAll(() => arm.close());

  it("holds the cluster, every pool's upgrade profile, kubernetesVersions, maintenance windows, diagnostic settings, pricing, assessments, gateway and WAF", () => {
    const snapshot = reads.get("aks-win")!;
    expect(snapshot.ref).toEqual(windows);
    expect(snapshot.source).toBe("arm");
    expect(snapshot.origin).toBe(`${arm.url}${windows.id}`);
    expect(snapshot.cluster.id).toBe(windows.id);
    expect(snapshot.cluster.location).toBe("westus2");
    expect(snapshot.cluster.agentPoolProfiles?.map((pool) => pool.name)).toEqual(["nodepool1", "npwin"]);

    const { extras } = snapshot;
    expect(extras.poolUpgradeProfiles).toEqual({
      nodepool1: { ok: true, value: expect.objectContaining({ latestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202306.19.0" }) },
      npwin: { ok: true, value: expect.objectContaining({ latestNodeImageVersion: "AKSWindows-2022-containerd-20348.1787.230614", osType: "Windows" }) },
    });
    expect(extras.kubernetesVersions?.ok && extras.kubernetesVersions.value.values?.map((v) => v.version)).toEqual(["1.25", "1.26"]);
    expect(extras.maintenanceConfigurations?.ok && extras.maintenanceConfigurations.value.map((c) => [c.name, c.maintenanceWindow?.durationHours])).toEqual([
      ["aksManagedAutoUpgradeSchedule", 5],
      ["aksManagedNodeOSUpgradeSchedule", 10],
    ]);
    expect(extras.diagnosticSettings).toEqual({
      ok: true,
      value: [{ name: "audit-to-law", workspaceId: WORKSPACE, logs: [{ categoryGroup: "audit", enabled: true }] }],
    });
    expect(extras.defenderPricing).toEqual({
      ok: true,
      value: {
        pricingTier: "Standard",
        extensions: [
          { name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "True" },
          { name: "AgentlessDiscoveryForKubernetes", isEnabled: "True" },
          { name: "ContainerSensor", isEnabled: "True" },
        ],
      },
    });
    expect(extras.securityAssessments).toEqual({
      ok: true,
      value: [{ key: RUNNING_IMAGES_ASSESSMENT, displayName: RUNNING_IMAGES_ASSESSMENT, statusCode: "Healthy" }],
    });
    const { gateway, policy } = gatewayIds(SUB_A, "aks-win");
    expect(extras.ingressGateway).toEqual({
      ok: true,
      value: { id: gateway, skuTier: "WAF_v2", firewallPolicyId: policy, policyState: "Enabled", policyMode: "Prevention" },
    });
    expect(extras.nodes).toBeUndefined(); // no node reader given
  });

  it("follows nextLink pages of a list (four assessments in pages of two)", () => {
    const assessments = reads.get("aks-weak")!.extras.securityAssessments;
    expect(assessments?.ok && assessments.value.map((a) => `${a.key}:${a.statusCode}`).sort()).toEqual([
      "a-1:Healthy",
      "a-2:Healthy",
      "a-3:Healthy",
      `${RUNNING_IMAGES_ASSESSMENT}:Unhealthy`,
    ]);
    const pages = arm.requests.filter((r) => r.kind === "assessments" && r.path.includes("aks-weak"));
    expect(pages.map((r) => r.query.$skipToken === undefined)).toEqual([true, false]);
  });

  it("leaves no missingData error but nodes-pending-reboot (the nodes were not read)", () => {
    for (const [name, snapshot] of reads) {
      const evaluation = evaluate(snapshot, defaultProfile, JULY_2023);
      const missing = evaluation.findings.filter((f) => f.errorKind === "missingData").map((f) => f.check);
      expect(missing, name).toEqual(["nodes-pending-reboot"]);
      expect(evaluation.findings.filter((f) => f.status === "error").map((f) => f.check), name).toEqual(["nodes-pending-reboot"]);
    }
  });

  it("evaluates every external check on real data: the well-run clusters pass them all", () => {
    for (const name of ["aks-good", "aks-win"]) {
      const evaluation = evaluate(reads.get(name)!, defaultProfile, JULY_2023);
      expect(statusesOf(evaluation, ARM_CHECKS), name).toEqual(Object.fromEntries(ARM_CHECKS.map((check) => [check, "pass"])));
    }
    const good = evaluate(reads.get("aks-good")!, defaultProfile, JULY_2023);
    expect(findingOf(good, "control-plane-audit-logs").message).toBe("Diagnostic setting audit-to-law ships the control-plane audit logs.");
    expect(findingOf(good, "supported-k8s-version").message).toBe("Kubernetes 1.25.6 is on a supported minor (1.25).");
    expect(findingOf(good, "ingress-waf").message).toBe("The Application Gateway in front of the cluster runs an enabled WAF policy in prevention mode.");
    expect(findingOf(good, "maintenance-windows").message).toBe(
      "Maintenance windows aksManagedAutoUpgradeSchedule and aksManagedNodeOSUpgradeSchedule schedule the enabled channels.",
    );
  });

  it("evaluates every external check on real data: the weakly run cluster fails them all, saying why", () => {
    const evaluation = evaluate(reads.get("aks-weak")!, defaultProfile, JULY_2023);
    expect(statusesOf(evaluation, ARM_CHECKS)).toEqual(Object.fromEntries(ARM_CHECKS.map((check) => [check, "fail"])));
    expect(findingOf(evaluation, "control-plane-audit-logs").message).toBe(
      "No diagnostic setting ships all the required audit logs: metrics-only lacks kube-audit-admin or kube-audit and guard.",
    );
    expect(findingOf(evaluation, "defender-for-containers-plan").message).toBe(
      "The subscription's Defender for Containers plan is on the Free tier, not Standard.",
    );
    expect(findingOf(evaluation, "running-images-vulns").message).toBe(
      "Defender for Cloud reports unresolved vulnerabilities in the cluster's running images.",
    );
    expect(findingOf(evaluation, "supported-k8s-version").message).toBe(
      "Kubernetes 1.9 is no longer supported in location1 (supported minors: 1.31, 1.32, 1.33, 1.34).",
    );
    expect(findingOf(evaluation, "node-image-current").message).toBe(
      "1 of 1 node pool(s) run an outdated node image: nodepool1 is 111 days behind (AKSUbuntu:1604:2020.03.11, latest AKSUbuntu:1604:2020.06.30).",
    );
    expect(findingOf(evaluation, "maintenance-windows").message).toBe(
      "The cluster has no maintenance window aksManagedAutoUpgradeSchedule (for the patch auto-upgrade channel) and no aksManagedNodeOSUpgradeSchedule (for the NodeImage node OS channel).",
    );
    expect(findingOf(evaluation, "ingress-waf").message).toBe(
      "The Application Gateway in front of the cluster does not run a WAF in prevention mode: the WAF policy is in Detection mode.",
    );
  });

  it("evaluates a cluster with nothing around it: unsupported version and missing settings fail, AGIC off is not applicable", () => {
    const evaluation = evaluate(reads.get("aks-rbac")!, defaultProfile, JULY_2023);
    expect(statusesOf(evaluation, ARM_CHECKS)).toEqual({
      "control-plane-audit-logs": "fail",
      "defender-for-containers-plan": "fail",
      "running-images-vulns": "notApplicable",
      "supported-k8s-version": "fail",
      "node-image-current": "pass",
      "maintenance-windows": "notApplicable",
      "ingress-waf": "notApplicable",
    });
    expect(findingOf(evaluation, "control-plane-audit-logs").message).toBe(
      "The cluster has no diagnostic settings, so its control-plane audit logs are not kept.",
    );
    expect(findingOf(evaluation, "supported-k8s-version").message).toMatch(/^Kubernetes 1\.22 is no longer supported in westus2 \(supported minors: 1\.25, 1\.26\)/);
  });

  it("the Windows pool fails node-image-current once its image is past the monthly patch cycle", () => {
    const evaluation = evaluate(reads.get("aks-win")!, defaultProfile, new Date("2023-08-01T00:00:00Z"));
    const finding = findingOf(evaluation, "node-image-current");
    expect(finding.status).toBe("fail");
    expect(finding.message).toContain("npwin runs a Windows image from 2023-06-14");
    expect(finding.message).toContain("48 days old, past the 35-day monthly patch cycle");
  });

  it("gives { ok: false, error } when the cluster itself answers 403 or 404", async () => {
    const reader = new ClusterReader(await connectTo(arm));
    arm.fault({ match: (r) => r.kind === "managedCluster" && r.path.endsWith("/aks-good"), status: 403, times: 1 });
    const forbidden = await reader.read(good);
    expect(forbidden).toMatchObject({ ok: false, ref: good, error: { kind: "forbidden", status: 403 } });
    expect(!forbidden.ok && forbidden.error.message).toMatch(/^AuthorizationFailed: The client 'aksmon-test' .* does not have authorization/);

    const missing = await reader.read({ ...good, name: "aks-gone", id: good.id.replace("aks-good", "aks-gone") });
    expect(missing).toMatchObject({ ok: false, error: { kind: "notFound", status: 404 } });
    expect(!missing.ok && missing.error.message).toMatch(/^ResourceNotFound: The Resource 'Microsoft.ContainerService\/managedClusters\/aks-gone'/);
  });
});

describe("a partly readable cluster gives error, never pass", () => {
  let arm: ArmServer;
  let ref: ClusterRef;
  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: LATEST_IMAGES });
    arm.setKubernetesVersions("westus2", WESTUS2_VERSIONS);
    ref = putWellRunCluster(arm, recordedCluster("test_aks_create_with_windows"), { subscriptionId: SUB_A, resourceGroup: "rg-win", name: "aks-win" });
  });
  beforeEach(() => arm.reset());
  afterAll(() => arm.close());

  async function readWith(traffic: Partial<ArmTrafficOptions> = {}) {
    const connection = await connectTo(arm, traffic);
    const snapshot = snapshotOf(await new ClusterReader(connection).read(ref));
    return { snapshot, evaluation: evaluate(snapshot, defaultProfile, JULY_2023), traffic: connection.traffic.snapshot() };
  }

  it("passes every ARM-read external check when nothing fails (the baseline of the cases below)", async () => {
    const { evaluation } = await readWith();
    expect(statusesOf(evaluation, ARM_CHECKS)).toEqual(Object.fromEntries(ARM_CHECKS.map((check) => [check, "pass"])));
  });

  const cases: Array<{
    name: string;
    fault: Parameters<ArmServer["fault"]>[0];
    traffic?: Partial<ArmTrafficOptions>;
    check: string;
    cause: RegExp;
  }> = [
    {
      name: "403 on the diagnostic settings",
      fault: { match: (r) => r.kind === "diagnosticSettings", status: 403 },
      check: "control-plane-audit-logs",
      cause: /^Could not read the cluster's diagnostic settings: forbidden \(HTTP 403\): AuthorizationFailed: .*microsoft\.insights\/diagnosticsettings\/read/,
    },
    {
      name: "404 on one pool's upgrade profile",
      fault: { match: (r) => r.kind === "agentPoolUpgradeProfile" && r.path.includes("/agentPools/npwin/"), status: 404 },
      check: "node-image-current",
      cause: /^Not evaluated for 1 of 2 node pool\(s\): Could not read the upgrade profile of pool npwin: notFound \(HTTP 404\): ResourceNotFound: /,
    },
    {
      name: "persistent 429 on the maintenance configurations",
      fault: { match: (r) => r.kind === "maintenanceConfigurations", status: 429 },
      traffic: { throttleRetries: 2 },
      check: "maintenance-windows",
      cause: /^Could not read the cluster's maintenance configurations: throttled \(HTTP 429\): TooManyRequests: /,
    },
    {
      name: "503 on the Defender pricing",
      fault: { match: (r) => r.kind === "pricing", status: 503 },
      traffic: { failureRetries: 2 },
      check: "defender-for-containers-plan",
      cause: /^Could not read the subscription's Defender for Containers plan: unavailable \(HTTP 503\): ServiceUnavailable: /,
    },
    {
      name: "a slow answer beyond the timeout on the assessments",
      fault: { match: (r) => r.kind === "assessments", delayMs: 1_500 },
      traffic: { timeoutMs: 250, failureRetries: 1 },
      check: "running-images-vulns",
      cause: /^Could not read Defender for Cloud's assessments of the cluster: timeout: /,
    },
  ];

  for (const { name, fault, traffic, check, cause } of cases) {
    it(`${name}: ${check} is error readFailed naming the cause; the other checks still evaluate`, async () => {
      arm.fault(fault);
      const { evaluation } = await readWith(traffic);
      const finding = findingOf(evaluation, check);
      expect(finding).toMatchObject({ status: "error", errorKind: "readFailed" });
      expect(finding.message).toMatch(cause);
      const others = ARM_CHECKS.filter((other) => other !== check);
      expect(statusesOf(evaluation, others)).toEqual(Object.fromEntries(others.map((other) => [other, "pass"])));
    });
  }

  it("a 403 on the Application Gateway makes ingress-waf an error, not a pass", async () => {
    arm.fault({ match: (r) => r.kind === "applicationGateway", status: 403 });
    const { snapshot, evaluation } = await readWith();
    expect(snapshot.extras.ingressGateway).toMatchObject({ ok: false, error: { kind: "forbidden", status: 403 } });
    expect(findingOf(evaluation, "ingress-waf")).toMatchObject({ status: "error", errorKind: "readFailed" });
    expect(findingOf(evaluation, "ingress-waf").message).toMatch(/^Could not read the Application Gateway used by AGIC \(.*agw-aks-win\): forbidden \(HTTP 403\)/);
  });
});

describe("ARM traffic: throttling, timeouts and 5xx", () => {
  let arm: ArmServer;
  let ref: ClusterRef;
  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: LATEST_IMAGES });
    ref = refOf(arm.putCluster(recordedCluster("test_aks_create_node_public_ip"), { subscriptionId: SUB_A, resourceGroup: "rg", name: "aks-1" }));
  });
  beforeEach(() => arm.reset());
  afterAll(() => arm.close());

  const clusterGets = () => arm.requests.filter((r) => r.kind === "managedCluster");
  const isClusterGet = (r: { kind: string }) => r.kind === "managedCluster";

  it("429 without Retry-After, three times: backs off, retries, reads the cluster", async () => {
    arm.fault({ match: isClusterGet, status: 429, times: 3 });
    const connection = await connectTo(arm);
    const read = await new ClusterReader(connection).read(ref);
    expect(read.ok).toBe(true);
    expect(clusterGets().map((r) => r.status)).toEqual([429, 429, 429, 200]);
    const counts = connection.traffic.snapshot();
    expect(counts).toMatchObject({ throttled: 3, retries: 3 });
    expect(counts.calls.managedCluster).toBe(4);
    expect(counts.total).toBe(arm.requests.length);
  });

  it("429 with Retry-After: 1 is honoured: the retry comes at least a second later", async () => {
    arm.fault({ match: isClusterGet, status: 429, retryAfterSeconds: 1, times: 1 });
    const connection = await connectTo(arm);
    const read = await new ClusterReader(connection).read(ref);
    expect(read.ok).toBe(true);
    const [throttled, retried] = clusterGets();
    expect([throttled?.status, retried?.status]).toEqual([429, 200]);
    expect(retried!.time - throttled!.time).toBeGreaterThanOrEqual(995);
    expect(connection.traffic.snapshot()).toMatchObject({ throttled: 1, retries: 1 });
  });

  it("a persistent 429 gives up after throttleRetries and records the read as throttled", async () => {
    arm.fault({ match: isClusterGet, status: 429 });
    const connection = await connectTo(arm, { throttleRetries: 3 });
    const read = await new ClusterReader(connection).read(ref);
    expect(read).toMatchObject({ ok: false, error: { kind: "throttled", status: 429 } });
    expect(clusterGets()).toHaveLength(4);
    expect(connection.traffic.snapshot()).toMatchObject({ throttled: 4, retries: 3 });
  });

  it("5xx: retried with backoff until it succeeds", async () => {
    arm.fault({ match: isClusterGet, status: 503, times: 2 });
    const connection = await connectTo(arm);
    expect((await new ClusterReader(connection).read(ref)).ok).toBe(true);
    expect(clusterGets().map((r) => r.status)).toEqual([503, 503, 200]);
    expect(connection.traffic.snapshot()).toMatchObject({ throttled: 0, retries: 2 });
  });

  it("5xx: a persistent 500 gives up after failureRetries as unavailable", async () => {
    arm.fault({ match: isClusterGet, status: 500 });
    const connection = await connectTo(arm, { failureRetries: 2 });
    const read = await new ClusterReader(connection).read(ref);
    expect(read).toMatchObject({ ok: false, error: { kind: "unavailable", status: 500 } });
    expect(!read.ok && read.error.message).toMatch(/^InternalServerError: /);
    expect(clusterGets()).toHaveLength(3);
  });

  it("5xx with Retry-After: the wait is honoured, and a persistent one still gives up after failureRetries", { timeout: 10_000 }, async () => {
    arm.fault({ match: isClusterGet, status: 503, retryAfterSeconds: 1, times: 1 });
    const connection = await connectTo(arm, { failureRetries: 2 });
    expect((await new ClusterReader(connection).read(ref)).ok).toBe(true);
    const [failed, retried] = clusterGets();
    expect(retried!.time - failed!.time).toBeGreaterThanOrEqual(995);

    arm.reset();
    arm.fault({ match: isClusterGet, status: 503, retryAfterSeconds: 0 });
    const read = await new ClusterReader(connection).read(ref);
    expect(read).toMatchObject({ ok: false, error: { kind: "unavailable", status: 503 } });
    expect(clusterGets()).toHaveLength(3);
  });

  it("a per-call timeout cuts a slow answer short and the retry succeeds", async () => {
    arm.fault({ match: isClusterGet, delayMs: 2_000, times: 1 });
    const connection = await connectTo(arm, { timeoutMs: 200 });
    const started = Date.now();
    const read = await new ClusterReader(connection).read(ref);
    expect(read.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(clusterGets()).toHaveLength(2);
    expect(connection.traffic.snapshot()).toMatchObject({ retries: 1, throttled: 0 });
  });

  it("a persistently slow answer is a timeout read error after failureRetries", async () => {
    arm.fault({ match: isClusterGet, delayMs: 2_000 });
    const connection = await connectTo(arm, { timeoutMs: 150, failureRetries: 1 });
    const started = Date.now();
    const read = await new ClusterReader(connection).read(ref);
    expect(read).toMatchObject({ ok: false, error: { kind: "timeout" } });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(clusterGets()).toHaveLength(2);
  });
});

describe("per-subscription lanes", () => {
  it("bound the requests in flight per subscription, and a 429 pauses only its own subscription", async () => {
    // Every answer takes 60 ms: requests of one subscription that arrive less than 60 ms apart were in flight together.
    const arm = await startArmServer({ latestNodeImage: LATEST_IMAGES, latencyMs: 60 });
    try {
      const body = recordedCluster("test_aks_create_node_public_ip");
      const refs = [SUB_A, SUB_B].flatMap((subscriptionId) =>
        Array.from({ length: 6 }, (_, i) => refOf(arm.putCluster(body, { subscriptionId, resourceGroup: "rg", name: `aks-${i}` }))),
      );
      const connection = await connectTo(arm, { perSubscription: 3 });
      const reads = await readClusters(connection, refs);
      expect(reads.every((read) => read.ok)).toBe(true);
      const maxInFlight = (subscription: string | undefined) => {
        const times = arm.requests.filter((r) => subscription === undefined || r.subscription === subscription).map((r) => r.time).sort((a, b) => a - b);
        let max = 0;
        for (let i = 0; i < times.length; i++) max = Math.max(max, times.filter((t) => t >= times[i]! && t < times[i]! + 50).length);
        return max;
      };
      expect(maxInFlight(SUB_A)).toBe(3);
      expect(maxInFlight(SUB_B)).toBe(3);
      expect(maxInFlight(undefined)).toBeGreaterThan(3); // the two subscriptions proceed side by side

      // A Retry-After of 1 s on SUB_A's cluster holds SUB_A back, not SUB_B.
      arm.reset();
      arm.fault({ match: (r) => r.kind === "managedCluster" && r.subscription === SUB_A, status: 429, retryAfterSeconds: 1, times: 1 });
      const reader = new ClusterReader(await connectTo(arm, { perSubscription: 3 }));
      const started = Date.now();
      const finished: Record<string, number> = {};
      await Promise.all(
        [refs[0]!, refs[6]!].map(async (ref) => {
          expect((await reader.read(ref)).ok).toBe(true);
          finished[ref.subscriptionId] = Date.now() - started;
        }),
      );
      expect(finished[SUB_A!]).toBeGreaterThanOrEqual(1_000);
      expect(finished[SUB_B!]).toBeLessThan(800);
    } finally {
      await arm.close();
    }
  });
});

describe("throttling by ARM's read bucket", () => {
  it("reads 30 clusters of one subscription through a small bucket (20 tokens, 50/s): every cluster read, 429s survived", async () => {
    const arm = await startArmServer({ latestNodeImage: LATEST_IMAGES, readBucket: { capacity: 20, refillPerSecond: 50 } });
    try {
      const body = recordedCluster("test_aks_create_node_public_ip");
      const refs = Array.from({ length: 30 }, (_, i) =>
        refOf(arm.putCluster(body, { subscriptionId: SUB_A, resourceGroup: `rg-${i % 3}`, name: `aks-${String(i).padStart(2, "0")}` })),
      );
      const connection = await connectTo(arm);
      const reads = await readClusters(connection, refs);
      expect(reads.filter((read) => read.ok)).toHaveLength(30);
      expect(reads.map((read) => read.ok && read.snapshot.ref.name)).toEqual(refs.map((ref) => ref.name));
      for (const read of reads) {
        // Every part was read in the end, none left as a throttled error.
        const extras = snapshotOf(read).extras;
        for (const part of [extras.maintenanceConfigurations, extras.diagnosticSettings, extras.defenderPricing, extras.securityAssessments, extras.kubernetesVersions]) {
          expect(part?.ok).toBe(true);
        }
      }
      const counts = connection.traffic.snapshot();
      expect(arm.throttled).toBeGreaterThan(0);
      expect(counts.throttled).toBe(arm.throttled);
      expect(counts.retries).toBe(arm.throttled);
      expect(counts.total).toBe(arm.requests.length);
    } finally {
      await arm.close();
    }
  });
});

describe("shared lookups: once per sweep, a failure retried by the next cluster", () => {
  let arm: ArmServer;
  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: LATEST_IMAGES });
    arm.setKubernetesVersions("westus2", WESTUS2_VERSIONS);
  });
  beforeEach(() => {
    arm.reset();
    arm.clear();
    arm.setKubernetesVersions("westus2", WESTUS2_VERSIONS);
  });
  afterAll(() => arm.close());

  it("calls agentPoolUpgradeProfile once per (location, image SKU), kubernetesVersions once per location, pricing once per subscription", async () => {
    const ubuntu2204 = [recordedCluster("test_aks_create_node_public_ip"), recordedCluster("test_aks_create_addon_with_azurekeyvaultsecretsprovider_with_secret_rotation")];
    const refs: ClusterRef[] = [];
    // Six westus2 clusters on AKSUbuntu-2204gen2containerd: four in SUB_A, two in SUB_B.
    for (let i = 0; i < 6; i++) {
      const subscriptionId = i < 4 ? SUB_A : SUB_B;
      refs.push(refOf(arm.putCluster(ubuntu2204[i % 2]!, { subscriptionId, resourceGroup: `rg-${i % 2}`, name: `aks-ubuntu-${i}` })));
    }
    // A westus2 Windows cluster in SUB_A (its Linux pool shares the SKU above; its Windows pool adds one),
    // and the REST example in location1 in SUB_B (a second location, a third SKU).
    refs.push(refOf(arm.putCluster(recordedCluster("test_aks_create_with_windows"), { subscriptionId: SUB_A, resourceGroup: "rg-win", name: "aks-win" })));
    refs.push(refOf(arm.putCluster(restExampleBody("ManagedClustersGet"), { subscriptionId: SUB_B, resourceGroup: "rg-ex", name: "aks-example" })));

    const connection = await connectTo(arm);
    const reads = await readClusters(connection, refs);
    expect(reads.every((read) => read.ok)).toBe(true);

    const perCluster = { managedCluster: 8, maintenanceConfigurations: 8, diagnosticSettings: 8, assessments: 8 };
    const expected = { ...perCluster, agentPoolUpgradeProfile: 3, kubernetesVersions: 2, pricing: 2 };
    expect(arm.countsByKind()).toEqual(expected);
    expect(connection.traffic.snapshot().calls).toEqual(expected);
    expect(new Set(arm.requests.filter((r) => r.kind === "pricing").map((r) => r.subscription))).toEqual(new Set([SUB_A, SUB_B]));
    expect(arm.requests.filter((r) => r.kind === "kubernetesVersions").map((r) => r.path.split("/")[6]).sort()).toEqual(["location1", "westus2"]);

    // Every pool of every cluster still has its latest image, shared or read.
    for (const read of reads) {
      const snapshot = snapshotOf(read);
      const profiles = snapshot.extras.poolUpgradeProfiles ?? {};
      for (const pool of snapshot.cluster.agentPoolProfiles ?? []) {
        const profile = profiles[pool.name.toLowerCase()];
        expect(profile?.ok, `${snapshot.ref.name}/${pool.name}`).toBe(true);
        expect(profile?.ok && profile.value.latestNodeImageVersion, `${snapshot.ref.name}/${pool.name}`).toBe(
          LATEST_IMAGES(String(snapshot.cluster.location), pool.nodeImageVersion!),
        );
        expect(profile?.ok && profile.value.kubernetesVersion).toBe(pool.currentOrchestratorVersion);
      }
      const evaluation = evaluate(snapshot, defaultProfile, JULY_2023);
      expect(findingOf(evaluation, "node-image-current").status, snapshot.ref.name).toBe(snapshot.ref.name === "aks-example" ? "fail" : "pass");
    }
  });

  it("does not cache a failed shared read: the next cluster reads it again, and the one after uses the success", async () => {
    const body = recordedCluster("test_aks_create_node_public_ip");
    const refs = ["aks-1", "aks-2", "aks-3"].map((name) => refOf(arm.putCluster(body, { subscriptionId: SUB_A, resourceGroup: "rg", name })));
    const shared = new Set(["agentPoolUpgradeProfile", "kubernetesVersions", "pricing"]);
    // failureRetries 1: two 503s exhaust the first cluster's attempts at each shared part.
    arm.fault({ match: (r) => shared.has(r.kind), status: 503, times: 6 });
    const connection = await connectTo(arm, { failureRetries: 1 });
    const reader = new ClusterReader(connection);

    const first = snapshotOf(await reader.read(refs[0]!));
    expect(first.extras.poolUpgradeProfiles?.nodepool1).toMatchObject({ ok: false, error: { kind: "unavailable", status: 503 } });
    expect(first.extras.kubernetesVersions).toMatchObject({ ok: false, error: { kind: "unavailable" } });
    expect(first.extras.defenderPricing).toMatchObject({ ok: false, error: { kind: "unavailable" } });
    const firstEvaluation = evaluate(first, defaultProfile, JULY_2023);
    for (const check of ["node-image-current", "supported-k8s-version", "defender-for-containers-plan"]) {
      expect(findingOf(firstEvaluation, check), check).toMatchObject({ status: "error", errorKind: "readFailed" });
    }
    expect(arm.countsByKind()).toMatchObject({ agentPoolUpgradeProfile: 2, kubernetesVersions: 2, pricing: 2 });

    const second = snapshotOf(await reader.read(refs[1]!));
    expect(second.extras.poolUpgradeProfiles?.nodepool1?.ok).toBe(true);
    expect(second.extras.kubernetesVersions?.ok).toBe(true);
    expect(second.extras.defenderPricing?.ok).toBe(true);
    expect(arm.countsByKind()).toMatchObject({ agentPoolUpgradeProfile: 3, kubernetesVersions: 3, pricing: 3 });

    const third = snapshotOf(await reader.read(refs[2]!));
    expect(third.extras.poolUpgradeProfiles?.nodepool1).toMatchObject({ ok: true, value: { latestNodeImageVersion: "AKSUbuntu-2204gen2containerd-202306.19.0" } });
    expect(arm.countsByKind()).toMatchObject({ managedCluster: 3, agentPoolUpgradeProfile: 3, kubernetesVersions: 3, pricing: 3 });
  });
});
