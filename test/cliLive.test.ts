/**
 * The live command line as a process (`node bin/aksmon.js`, the built code) against the local ARM server:
 * AZURE_RESOURCE_MANAGER_ENDPOINT points at it, AZURE_ACCESS_TOKEN carries its token, and the test
 * certificate is trusted through the inherited NODE_EXTRA_CA_CERTS.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RUNNING_IMAGES_ASSESSMENT } from "../shared/sources/arm/clusterReader.js";
import { recordedCluster, restExampleBody } from "./support/armFixtures.js";
import { clusterId, containersPricing, diagnosticSetting, latestNodeImagesBySku, securityAssessment } from "./support/armResources.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import { compliantCluster } from "./support/clusters.js";
import { SUBSCRIPTIONS, edited, maintenanceWindowsOf, withUpgradeChannels } from "./support/liveReads.js";

const ROOT = join(import.meta.dirname, "..");
const [SUB_A, SUB_B, SUB_C] = SUBSCRIPTIONS;
/** A token that looks like one, so that any leak of it into the output is caught. */
const TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.aksmon-cli-live-secret.c2lnbmF0dXJl";

const GOOD = clusterId({ subscriptionId: SUB_A, resourceGroup: "rg-good", name: "aks-good" });
const WEAK = clusterId({ subscriptionId: SUB_A, resourceGroup: "rg-weak", name: "aks-weak" });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let arm: ArmServer;

function aksmon(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base = { ...process.env };
  for (const name of ["MONITOR_SUBSCRIPTIONS", "AKSMON_READ_NODES", "AKSMON_PROFILE", "AZURE_ACCESS_TOKEN", "AZURE_RESOURCE_MANAGER_ENDPOINT"]) delete base[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "aksmon.js"), ...args],
      {
        cwd: ROOT,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...base, NO_COLOR: "", AZURE_RESOURCE_MANAGER_ENDPOINT: arm.url, AZURE_ACCESS_TOKEN: TOKEN, ...env },
      },
      (error, stdout, stderr) => {
        // No run, whatever it prints, shows the token (or a recognisable part of it).
        for (const text of [stdout, stderr]) {
          expect(text).not.toContain(TOKEN);
          expect(text).not.toContain("aksmon-cli-live-secret");
        }
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

type JsonFinding = { check: string; status: string; errorKind?: string; message: string };
type JsonCluster = { id: string; name: string; origin: string; findings: JsonFinding[]; summary: Record<string, number> };

function statusOf(cluster: JsonCluster, check: string): string {
  const finding = cluster.findings.find((f) => f.check === check);
  if (!finding) throw new Error(`no ${check} for ${cluster.name}`);
  return finding.errorKind ? `${finding.status}:${finding.errorKind}` : finding.status;
}

const EXTERNAL = [
  "control-plane-audit-logs",
  "defender-for-containers-plan",
  "running-images-vulns",
  "supported-k8s-version",
  "node-image-current",
  "maintenance-windows",
  "ingress-waf",
  "nodes-pending-reboot",
];

beforeAll(async () => {
  arm = await startArmServer({ token: TOKEN, latestNodeImage: latestNodeImagesBySku({}) });
  // SUB_A/rg-good: the compliant test cluster, with everything around it an operator wants.
  arm.putCluster(compliantCluster(), { subscriptionId: SUB_A, resourceGroup: "rg-good", name: "aks-good" });
  arm.put(diagnosticSetting(GOOD, "audit", { workspaceId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/law", logs: [{ categoryGroup: "audit", enabled: true }] }));
  arm.put(containersPricing(SUB_A, { pricingTier: "Standard" }));
  arm.put(securityAssessment(GOOD, RUNNING_IMAGES_ASSESSMENT, { statusCode: "Healthy" }));
  for (const config of maintenanceWindowsOf(GOOD)) arm.put(config);
  // SUB_A/rg-weak: the REST example (Kubernetes 1.9, no settings), auto-upgrade on without windows.
  arm.putCluster(withUpgradeChannels(restExampleBody("ManagedClustersGet")), { subscriptionId: SUB_A, resourceGroup: "rg-weak", name: "aks-weak" });
  arm.put(securityAssessment(WEAK, RUNNING_IMAGES_ASSESSMENT, { statusCode: "Unhealthy" }));
  // SUB_B: two recorded clusters.
  arm.putCluster(edited(recordedCluster("test_aks_create_with_windows"), (c) => (c.tags = { env: "prod" })), { subscriptionId: SUB_B, resourceGroup: "rg-b", name: "aks-win" });
  arm.putCluster(recordedCluster("test_aks_create_enable_azure_rbac"), { subscriptionId: SUB_B, resourceGroup: "rg-b", name: "aks-rbac" });
  // SUB_C: nothing.
});
beforeEach(() => arm.reset());
afterAll(() => arm.close());

describe("aksmon check --subscription (live)", () => {
  it("reads and evaluates every cluster of the subscription: exit 1 on the weak one's failures, external checks evaluated", async () => {
    const run = await aksmon(["check", "--subscription", SUB_A, "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { clusters: JsonCluster[] };
    expect(report.clusters.map((c) => [c.name, c.id, c.origin])).toEqual([
      ["aks-good", GOOD, `${arm.url}${GOOD}`],
      ["aks-weak", WEAK, `${arm.url}${WEAK}`],
    ]);
    const [good, weak] = report.clusters as [JsonCluster, JsonCluster];
    expect(Object.fromEntries(EXTERNAL.map((check) => [check, statusOf(good, check)]))).toEqual({
      "control-plane-audit-logs": "pass",
      "defender-for-containers-plan": "pass",
      "running-images-vulns": "pass",
      "supported-k8s-version": "pass",
      "node-image-current": "pass",
      "maintenance-windows": "pass",
      "ingress-waf": "notApplicable",
      "nodes-pending-reboot": "error:missingData", // AKSMON_READ_NODES is off
    });
    expect(Object.fromEntries(EXTERNAL.map((check) => [check, statusOf(weak, check)]))).toEqual({
      "control-plane-audit-logs": "fail",
      "defender-for-containers-plan": "pass", // the subscription's plan
      "running-images-vulns": "fail",
      "supported-k8s-version": "fail",
      "node-image-current": "pass",
      "maintenance-windows": "fail",
      "ingress-waf": "notApplicable",
      "nodes-pending-reboot": "error:missingData",
    });
    expect(good.summary).toMatchObject({ fail: 0, error: 1 });
    // An inventory query, an assessments query, then only what each cluster needs.
    expect(arm.countsByKind()).toMatchObject({ resourceGraph: 2, maintenanceConfigurations: 2, diagnosticSettings: 2, pricing: 1 });
    expect(arm.countsByKind().managedCluster).toBeUndefined();
  });

  it("--resource-group narrows the read: the well-run cluster alone exits 0", async () => {
    const run = await aksmon(["check", "--subscription", SUB_A, "--resource-group", "RG-GOOD", "--format", "json"]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    expect((JSON.parse(run.stdout) as { clusters: JsonCluster[] }).clusters.map((c) => c.name)).toEqual(["aks-good"]);
  });

  it("--cluster reads one cluster now (a GET), in table form too", async () => {
    const run = await aksmon(["check", "-s", SUB_A, "-g", "rg-good", "-n", "aks-good", "--format", "json"]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const [cluster] = (JSON.parse(run.stdout) as { clusters: JsonCluster[] }).clusters;
    expect(cluster?.id).toBe(GOOD);
    expect(statusOf(cluster!, "maintenance-windows")).toBe("pass");
    expect(arm.countsByKind()).toMatchObject({ managedCluster: 1 });
    expect(arm.countsByKind().resourceGraph).toBeUndefined();

    const table = await aksmon(["check", "-s", SUB_A, "-g", "rg-weak", "-n", "aks-weak"]);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain("aks-weak");
    for (const line of table.stdout.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("works when Resource Graph is not allowed: the clusters are listed, the assessments read per cluster", async () => {
    arm.denyResourceGraph();
    try {
      const run = await aksmon(["check", "--subscription", SUB_A, "--format", "json"]);
      expect([run.code, run.stderr]).toEqual([1, ""]);
      const clusters = (JSON.parse(run.stdout) as { clusters: JsonCluster[] }).clusters;
      expect(clusters.map((c) => [c.name, statusOf(c, "running-images-vulns")])).toEqual([
        ["aks-good", "pass"],
        ["aks-weak", "fail"],
      ]);
      expect(arm.countsByKind()).toMatchObject({ managedClusterList: 1, assessments: 2 });
    } finally {
      arm.denyResourceGraph(false);
    }
  });

  it("an unreadable --cluster (404): exit 2, one stderr line naming it, nothing on stdout", async () => {
    const run = await aksmon(["check", "-s", SUB_A, "-g", "rg-good", "-n", "aks-gone", "--format", "json"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^aksmon: /subscriptions/${SUB_A}/resourceGroups/rg-good/providers/Microsoft\\.ContainerService/managedClusters/aks-gone: could not read the cluster: notFound \\(HTTP 404\\): ResourceNotFound: `),
    );
  });

  it("an unreadable --cluster (403): exit 2, one stderr line naming it and the missing permission", async () => {
    arm.fault({ match: (r) => r.kind === "managedCluster", status: 403 });
    const run = await aksmon(["check", "-s", SUB_A, "-g", "rg-good", "-n", "aks-good"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`aksmon: ${GOOD}: could not read the cluster: forbidden (HTTP 403): AuthorizationFailed: `);
    expect(lines[0]).toContain("microsoft.containerservice/managedclusters/read");
  });

  it("a subscription with no clusters: exit 2 and says so", async () => {
    const run = await aksmon(["check", "--subscription", SUB_C]);
    expect(run).toEqual({ code: 2, stdout: "", stderr: "aksmon: no managed clusters in scope\n" });
  });

  it("a token ARM refuses: exit 2, the refusal on stderr, the token nowhere", async () => {
    const wrong = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.a-refused-token.c2ln";
    const run = await aksmon(["check", "-s", SUB_A, "-g", "rg-good", "-n", "aks-good"], { AZURE_ACCESS_TOKEN: wrong });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("forbidden (HTTP 401): InvalidAuthenticationToken: The access token is invalid.");
    expect(run.stderr).not.toContain(wrong);
    expect(run.stderr).not.toContain("a-refused-token");
  });

  const invalid: Array<[string[], RegExp]> = [
    [["--subscription", "not-a-guid"], /^aksmon: --subscription "not-a-guid" is not a subscription id \(a GUID\)$/],
    [["--subscription", SUB_A, "--resource-group", "rg/../other"], /^aksmon: --resource-group "rg\/\.\.\/other" is not a valid resource group name$/],
    [["--subscription", SUB_A, "--resource-group", "rg.", "--format", "json"], /^aksmon: --resource-group "rg\." is not a valid resource group name$/],
    [["-s", SUB_A, "-g", "rg-good", "--cluster", "aks_bad_"], /^aksmon: --cluster "aks_bad_" is not a valid AKS cluster name$/],
    [["-s", SUB_A, "-g", "rg-good", "--cluster", "aks/../../x"], /^aksmon: --cluster "aks\/\.\.\/\.\.\/x" is not a valid AKS cluster name$/],
    [["-s", SUB_A, "--cluster", "aks-good"], /^aksmon: --cluster needs one --subscription and a --resource-group$/],
    [["--resource-group", "rg-good"], /^aksmon: no subscription: give --subscription <id> or set MONITOR_SUBSCRIPTIONS$/],
  ];
  for (const [args, message] of invalid) {
    it(`refuses ${args.join(" ")}: exit 2, a message naming the option, nothing on stdout, no ARM call`, async () => {
      const run = await aksmon(["check", ...args]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(message)]);
      expect(arm.requests).toEqual([]);
    });
  }
});

describe("aksmon inventory (live)", () => {
  it("--format json: every cluster of the subscriptions, where it came from, and the calls it took", async () => {
    const run = await aksmon(["inventory", "--subscription", SUB_A, "--subscription", SUB_B, "--format", "json"]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const inventory = JSON.parse(run.stdout);
    expect(inventory.source).toBe("resourceGraph");
    expect(inventory.clusters).toEqual([
      { id: GOOD, name: "aks-good", resourceGroup: "rg-good", subscriptionId: SUB_A, location: "westeurope", kubernetesVersion: "1.33.2", powerState: "Running", provisioningState: "Succeeded", nodePools: 1 },
      { id: WEAK, name: "aks-weak", resourceGroup: "rg-weak", subscriptionId: SUB_A, location: "location1", kubernetesVersion: "1.9.6", powerState: "", provisioningState: "Succeeded", nodePools: 1 },
      expect.objectContaining({ name: "aks-rbac", subscriptionId: SUB_B, location: "westus2", kubernetesVersion: "1.22.6", powerState: "Running", nodePools: 1 }),
      expect.objectContaining({ name: "aks-win", subscriptionId: SUB_B, location: "westus2", kubernetesVersion: "1.25.6", nodePools: 2 }),
    ]);
    expect(inventory.calls).toEqual({ calls: { resourceGraph: 1 }, total: 1, throttled: 0, retries: 0 });
    expect(arm.countsByKind()).toEqual({ resourceGraph: 1 });
  });

  it("table form, with the resource group and tag filters", async () => {
    const run = await aksmon(["inventory", "-s", SUB_A, "-s", SUB_B]);
    expect([run.code, run.stderr]).toEqual([0, ""]);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+RESOURCE GROUP\s+LOCATION\s+VERSION\s+STATE\s+POOLS$/);
    expect(lines.slice(1, -1).map((line) => line.split(/\s+/))).toEqual([
      ["aks-good", "rg-good", "westeurope", "1.33.2", "Running", "1"],
      ["aks-weak", "rg-weak", "location1", "1.9.6", "Succeeded", "1"],
      ["aks-rbac", "rg-b", "westus2", "1.22.6", "Running", "1"],
      ["aks-win", "rg-b", "westus2", "1.25.6", "Running", "2"],
    ]);
    expect(lines.at(-1)).toBe("4 cluster(s) in 2 subscription(s), from resourceGraph");

    const tagged = await aksmon(["inventory", "-s", SUB_A, "-s", SUB_B, "--tag", "env=PROD"]);
    expect(tagged.stdout.trimEnd().split("\n").slice(1, -1).map((line) => line.split(/\s+/)[0])).toEqual(["aks-win"]);
    const grouped = await aksmon(["inventory", "-s", SUB_A, "-s", SUB_B, "-g", "rg-weak"]);
    expect(grouped.stdout.trimEnd().split("\n").slice(1, -1).map((line) => line.split(/\s+/)[0])).toEqual(["aks-weak"]);
  });

  it("a subscription that cannot be listed (Resource Graph refused, list forbidden): the others listed, exit 2, one line naming it", async () => {
    arm.denyResourceGraph();
    arm.fault({ match: (r) => r.kind === "managedClusterList" && r.subscription === SUB_B, status: 403 });
    try {
      const run = await aksmon(["inventory", "-s", SUB_A, "-s", SUB_B, "--format", "json"]);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout)).toMatchObject({ source: "managedClusters.list", clusters: [{ name: "aks-good" }, { name: "aks-weak" }] });
      expect(run.stderr.trimEnd().split("\n")).toEqual([`aksmon: subscription ${SUB_B}: could not list clusters: forbidden: AuthorizationFailed: Pagination failed with unexpected statusCode 403`]);
    } finally {
      arm.denyResourceGraph(false);
    }
  });

  it("refuses an invalid --subscription or --resource-group with exit 2 and nothing on stdout", async () => {
    const subscription = await aksmon(["inventory", "--subscription", "1234"]);
    expect(subscription).toEqual({ code: 2, stdout: "", stderr: 'aksmon: --subscription "1234" is not a subscription id (a GUID)\n' });
    const group = await aksmon(["inventory", "-s", SUB_A, "--resource-group", "a b"]);
    expect(group).toEqual({ code: 2, stdout: "", stderr: 'aksmon: --resource-group "a b" is not a valid resource group name\n' });
    expect(arm.requests).toEqual([]);
  });
});
