/**
 * The local ARM and Kubernetes servers speak the wire formats the real clients expect: every test here
 * drives a real client (@azure/arm-containerservice, @azure/arm-resourcegraph, @azure-rest/core-client,
 * @kubernetes/client-node, or bare node:https) over HTTPS, trusting the test certificate only through
 * NODE_EXTRA_CA_CERTS set by the global setup (no `ca` option anywhere).
 */
import { execFile } from "node:child_process";
import { get } from "node:https";
import { promisify } from "node:util";
import { isMainThread } from "node:worker_threads";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { getClient } from "@azure-rest/core-client";
import { CoreV1Api, KubeConfig, VersionApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { aksNode } from "./support/aksNode.js";
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
import { fixedTokenCredential } from "./support/credential.js";
import { httpsRequest } from "./support/httpsRequest.js";
import { startKubeServer, type KubeServer } from "./support/kubeServer.js";
import { parseGraphQuery } from "./support/resourceGraph.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const OTHER_SUB = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const FIXTURE_CLUSTER = `/subscriptions/${SUB}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1`;
const CLUSTER_QUERY = [
  "resources",
  "| where type =~ 'microsoft.containerservice/managedclusters'",
  "| project id, name, type, location, resourceGroup, subscriptionId, tags, sku, identity, properties, kind",
  "| order by id asc",
].join("\n");

function containerService(server: ArmServer, options: { retries?: "default"; subscriptionId?: string } = {}): ContainerServiceClient {
  return new ContainerServiceClient(fixedTokenCredential(server.token), options.subscriptionId ?? SUB, {
    endpoint: server.url,
    ...(options.retries === "default" ? {} : { retryOptions: { maxRetries: 0 } }),
  });
}

function resourceGraph(server: ArmServer, options: { retries?: "default" } = {}): ResourceGraphClient {
  return new ResourceGraphClient(fixedTokenCredential(server.token), {
    endpoint: server.url,
    credentials: { scopes: [`${server.url}/.default`] },
    ...(options.retries === "default" ? {} : { retryOptions: { maxRetries: 0 } }),
  });
}

function armRest(server: ArmServer) {
  return getClient(server.url, fixedTokenCredential(server.token), {
    credentials: { scopes: [`${server.url}/.default`] },
    retryOptions: { maxRetries: 0 },
  });
}

function kubeConfigFor(kube: KubeServer, token = kube.token, withCa = true): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "aks", server: kube.url, skipTLSVerify: false, ...(withCa ? { caData: kube.caData } : {}) }],
    users: [{ name: "clusterUser", token }],
    contexts: [{ name: "aks", cluster: "aks", user: "clusterUser" }],
    currentContext: "aks",
  });
  return config;
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("the test certificate is trusted the standard way", () => {
  let server: ArmServer;
  beforeAll(async () => {
    server = await startArmServer();
  });
  afterAll(() => server.close());

  it("reaches a forked vitest worker through NODE_EXTRA_CA_CERTS: https.get with no ca succeeds", async () => {
    expect(isMainThread && typeof process.send === "function").toBe(true); // a forked child, not a thread
    expect(process.env.NODE_EXTRA_CA_CERTS).toBeTruthy();
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).toBeUndefined();
    const status = await new Promise<number>((resolve, reject) => {
      get(`${server.url}/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-04-01`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on("error", reject);
    });
    expect(status).toBe(401); // TLS succeeded; ARM wants a token
  });

  it("is refused by a process started without NODE_EXTRA_CA_CERTS (so the variable is what trusts it)", async () => {
    const script = `require("node:https").get(process.argv[1], (r) => { console.log("status", r.statusCode); process.exit(0); })
      .on("error", (e) => { console.log("error", e.code); process.exit(0); });`;
    const { NODE_EXTRA_CA_CERTS: _dropped, ...env } = process.env;
    const run = promisify(execFile);
    const without = await run(process.execPath, ["-e", script, server.url], { env });
    expect(without.stdout.trim()).toMatch(/^error (SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT)$/);
    const withIt = await run(process.execPath, ["-e", script, server.url], { env: process.env });
    expect(withIt.stdout.trim()).toBe("status 401");
  });
});

describe("ARM server with the real ContainerServiceClient", () => {
  let server: ArmServer;
  beforeAll(async () => {
    server = await startArmServer({ pageSize: 2 });
  });
  beforeEach(() => {
    server.reset();
    server.clear();
  });
  afterAll(() => server.close());

  it("gets a managed cluster from the REST example fixture, deserialised by the SDK", async () => {
    server.put(restExampleBody("ManagedClustersGet"));
    const cluster = await containerService(server).managedClusters.get("rg1", "clustername1");
    expect(cluster.id).toBe(FIXTURE_CLUSTER);
    expect(cluster.enableRbac).toBe(false); // properties.enableRBAC, flattened by the modular client
    expect(cluster.agentPoolProfiles?.[0]?.nodeImageVersion).toBe("AKSUbuntu:1604:2020.03.11");
    expect(cluster.tags).toEqual({ archv2: "", tier: "production" });
    const [request] = server.requests;
    expect(request).toMatchObject({ method: "GET", kind: "managedCluster", status: 200, subscription: SUB });
    expect(request?.query["api-version"]).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  it("looks ids up case-insensitively (the recorded bodies spell resourcegroups in lower case)", async () => {
    const recorded = recordedCluster("test_aks_create_with_windows");
    server.put(recorded);
    const cluster = await containerService(server).managedClusters.get("CLITEST000001", "cliAksTest000001");
    expect(cluster.id).toBe(recorded.id);
    expect(cluster.agentPoolProfiles?.map((pool) => pool.name)).toEqual(["nodepool1", "npwin"]);
  });

  it("lists clusters across nextLink pages (absolute links with a $skipToken)", async () => {
    const body = restExampleBody("ManagedClustersGet");
    for (const name of ["aks-a", "aks-b", "aks-c"]) server.putCluster(body, { resourceGroup: "rg-one", name });
    for (const name of ["aks-d", "aks-e"]) server.putCluster(body, { resourceGroup: "rg-two", name });
    server.putCluster(body, { subscriptionId: OTHER_SUB, name: "elsewhere" });
    const client = containerService(server).managedClusters;

    const names: string[] = [];
    for await (const cluster of client.list()) names.push(cluster.name!);
    expect(names).toEqual(["aks-a", "aks-b", "aks-c", "aks-d", "aks-e"]);
    const lists = server.requests.filter((r) => r.kind === "managedClusterList");
    expect(lists).toHaveLength(3);
    expect(lists[0]?.query.$skipToken).toBeUndefined();
    expect(lists[1]?.query.$skipToken).toBeTruthy();
    expect(lists.every((r) => r.query["api-version"] === lists[0]?.query["api-version"])).toBe(true);

    const pages: number[] = [];
    for await (const page of client.listByResourceGroup("rg-one").byPage()) pages.push(page.length);
    expect(pages).toEqual([2, 1]);

    const raw = await httpsRequest(`${server.url}/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-04-01`, {
      token: server.token,
    });
    expect(raw.json().nextLink).toMatch(new RegExp(`^${server.url}/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters\\?api-version=2026-04-01&\\$skipToken=`));
  });

  it("serves agent pools derived from agentPoolProfiles, merged with stored agentPools", async () => {
    server.put(restExampleBody("ManagedClustersGet")); // nodepool1
    server.put(restExampleBody("AgentPoolsGet")); // agentpool1, as a child resource
    const client = containerService(server).agentPools;
    const names: string[] = [];
    for await (const pool of client.list("rg1", "clustername1")) names.push(pool.name!);
    expect(names.sort()).toEqual(["agentpool1", "nodepool1"]);
    const pool = await client.get("rg1", "clustername1", "nodepool1");
    expect(pool.id).toBe(`${FIXTURE_CLUSTER}/agentPools/nodepool1`);
    expect(pool.nodeImageVersion).toBe("AKSUbuntu:1604:2020.03.11");
    expect(await rejection(client.get("rg1", "clustername1", "nope"))).toMatchObject({ statusCode: 404 });
  });

  it("gets an agent pool upgrade profile: stored, derived from the pool, or 404", async () => {
    server.put(restExampleBody("ManagedClustersGet"));
    server.put(restExampleBody("AgentPoolsGet"));
    server.put(restExampleBody("AgentPoolsGetUpgradeProfile"));
    const client = containerService(server).agentPools;
    const stored = await client.getUpgradeProfile("rg1", "clustername1", "agentpool1");
    expect(stored).toMatchObject({ latestNodeImageVersion: "AKSUbuntu:1604:2020.03.11", kubernetesVersion: "1.12.8" });
    expect(stored.upgrades).toEqual([{ kubernetesVersion: "1.13.5" }]);
    const missing = await rejection(client.getUpgradeProfile("rg1", "clustername1", "nodepool1"));
    expect(missing).toMatchObject({ statusCode: 404, code: "NotFound" });

    const deriving = await startArmServer({
      latestNodeImage: latestNodeImagesBySku(
        { "AKSUbuntu-2204gen2containerd": "202611.10.0" },
        { westus2: { "AKSWindows-2022-containerd": "20348.4294.261112" } },
      ),
    });
    try {
      const recorded = deriving.put(recordedCluster("test_aks_create_with_windows"));
      const pools = containerService(deriving).agentPools;
      const linux = await pools.getUpgradeProfile("clitest000001", "cliakstest000001", "nodepool1");
      expect(linux.latestNodeImageVersion).toBe("AKSUbuntu-2204gen2containerd-202611.10.0");
      expect(linux.kubernetesVersion).toBe("1.25.6");
      const windows = await pools.getUpgradeProfile("clitest000001", "cliakstest000001", "npwin");
      expect(windows.latestNodeImageVersion).toBe("AKSWindows-2022-containerd-20348.4294.261112");
      expect(windows.osType).toBe("Windows");
      expect(recorded.location).toBe("westus2");
    } finally {
      await deriving.close();
    }
  });

  it("gets the cluster upgrade profile when stored, 404 otherwise", async () => {
    server.put(restExampleBody("ManagedClustersGet"));
    const client = containerService(server).managedClusters;
    expect(await rejection(client.getUpgradeProfile("rg1", "clustername1"))).toMatchObject({ statusCode: 404 });
    server.put(restExampleBody("ManagedClustersGetUpgradeProfile"));
    const profile = await client.getUpgradeProfile("rg1", "clustername1");
    expect(profile.controlPlaneProfile.upgrades?.map((u) => u.kubernetesVersion)).toEqual(["1.7.9", "1.7.11"]);
  });

  it("lists and gets maintenance configurations; none stored is an empty list", async () => {
    server.put(restExampleBody("ManagedClustersGet"));
    const client = containerService(server).maintenanceConfigurations;
    const none: unknown[] = [];
    for await (const config of client.listByManagedCluster("rg1", "clustername1")) none.push(config);
    expect(none).toEqual([]);

    for (const config of restExampleBody("MaintenanceConfigurationsList_MaintenanceWindow").value) server.put(config);
    const names: string[] = [];
    for await (const config of client.listByManagedCluster("rg1", "clustername1")) names.push(config.name!);
    expect(names.sort()).toEqual(["aksManagedAutoUpgradeSchedule", "aksManagedNodeOSUpgradeSchedule"]);
    const window = await client.get("rg1", "clustername1", "aksManagedNodeOSUpgradeSchedule");
    expect(window.maintenanceWindow?.durationHours).toBe(10);
    expect(server.countsByKind()).toMatchObject({ maintenanceConfigurations: 2, maintenanceConfiguration: 1 });
  });

  it("lists kubernetesVersions of a region: the default list, or what the test set", async () => {
    const client = containerService(server).managedClusters;
    const versions = await client.listKubernetesVersions("westeurope");
    expect(versions.values?.find((v) => v.isDefault)?.version).toBe("1.33");
    expect(versions.values?.find((v) => v.version === "1.33")?.patchVersions?.["1.33.2"]?.upgrades).toContain("1.34.1");
    server.setKubernetesVersions("West Europe", { values: [{ version: "1.40", isDefault: true, patchVersions: { "1.40.0": { upgrades: [] } } }] });
    expect((await client.listKubernetesVersions("westeurope")).values?.map((v) => v.version)).toEqual(["1.40"]);
  });

  it("answers 404 ResourceNotFound, 401 for a wrong or missing token, 400 without api-version", async () => {
    const notFound = await rejection(containerService(server).managedClusters.get("rg1", "absent"));
    expect(notFound).toMatchObject({ name: "RestError", statusCode: 404, code: "ResourceNotFound" });
    expect(notFound.details.error.message).toContain("Microsoft.ContainerService/managedClusters/absent");

    const stranger = new ContainerServiceClient(fixedTokenCredential("someone-else"), SUB, { endpoint: server.url, retryOptions: { maxRetries: 0 } });
    expect(await rejection(stranger.managedClusters.get("rg1", "absent"))).toMatchObject({ statusCode: 401, code: "InvalidAuthenticationToken" });

    const anonymous = await httpsRequest(`${server.url}${FIXTURE_CLUSTER}?api-version=2026-04-01`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error.code).toBe("AuthenticationFailed");
    const versionless = await httpsRequest(`${server.url}${FIXTURE_CLUSTER}`, { token: server.token });
    expect(versionless.status).toBe(400);
    expect(versionless.json()).toEqual({ error: { code: "MissingApiVersionParameter", message: expect.any(String) } });
    for (const answer of [anonymous, versionless]) {
      expect(answer.headers["x-ms-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers["x-ms-correlation-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]).toBeDefined();
    }
  });

  it("hands out a kubeconfig (listClusterUserCredential) that the Kubernetes client can use", async () => {
    const nodes = [aksNode({ name: "aks-system-1", pool: "system", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202405.27.0", kernelVersion: "5.15.0-1064-azure", kubeletVersion: "v1.29.4" })];
    const kube = await startKubeServer({ nodes, token: "kube-user-token" });
    try {
      server.put(restExampleBody("ManagedClustersGet"));
      server.setClusterCredential(FIXTURE_CLUSTER, { server: kube.url, certificateAuthority: kube.ca, token: kube.token });
      const credentials = await containerService(server).managedClusters.listClusterUserCredentials("rg1", "clustername1");
      expect(credentials.kubeconfigs?.[0]?.name).toBe("clusterUser");
      const kubeconfig = new TextDecoder().decode(credentials.kubeconfigs?.[0]?.value); // the SDK base64-decodes it to bytes
      const config = new KubeConfig();
      config.loadFromString(kubeconfig);
      expect(config.getCurrentCluster()?.server).toBe(kube.url);
      const list = await config.makeApiClient(CoreV1Api).listNode();
      expect(list.items.map((node) => node.metadata?.name)).toEqual(["aks-system-1"]);
      expect(server.requests.at(-1)).toMatchObject({ method: "POST", kind: "listClusterUserCredential", status: 200 });
    } finally {
      await kube.close();
    }
  });
});

describe("Resource Graph with the real ResourceGraphClient (5.x)", () => {
  let server: ArmServer;
  beforeAll(async () => {
    server = await startArmServer();
    const body = restExampleBody("ManagedClustersGet");
    server.putCluster(body, { resourceGroup: "RG-Prod", name: "aks-b" });
    server.putCluster({ ...body, tags: { Env: "Prod", "aksmon-exempt": "it's fine" } }, { resourceGroup: "rg-prod", name: "aks-a" });
    server.putCluster({ ...body, tags: { env: "prod" } }, { resourceGroup: "rg-dev", name: "aks-c" });
    server.putCluster(body, { subscriptionId: OTHER_SUB, resourceGroup: "rg-x", name: "aks-other" });
    server.put(securityAssessment(FIXTURE_CLUSTER.replace("clustername1", "aks-a").replace("rg1", "rg-prod"), "key-1", { statusCode: "Unhealthy" }));
    server.put(securityAssessment(`/subscriptions/${OTHER_SUB}/resourceGroups/rg-x/providers/Microsoft.ContainerService/managedClusters/aks-other`, "key-1"));
    server.put(securityAssessment(FIXTURE_CLUSTER, "key-2"));
  });
  beforeEach(() => server.reset());
  afterAll(() => server.close());

  it("runs the cluster query across two pages with $top and the $skipToken", async () => {
    const client = resourceGraph(server);
    const first = await client.resources({ subscriptions: [SUB], query: CLUSTER_QUERY, options: { top: 2, resultFormat: "objectArray" } });
    expect(first).toMatchObject({ totalRecords: 3, count: 2, resultTruncated: "false", facets: [] });
    expect(first.skipToken).toBeTruthy();
    const second = await client.resources({ subscriptions: [SUB], query: CLUSTER_QUERY, options: { top: 2, skipToken: first.skipToken, resultFormat: "objectArray" } });
    expect(second).toMatchObject({ totalRecords: 3, count: 1 });
    expect(second.skipToken).toBeUndefined();
    const rows = [...(first.data as any[]), ...(second.data as any[])];
    expect(rows.map((row) => row.name)).toEqual(["aks-b", "aks-c", "aks-a"]); // order by id is ordinal: RG-Prod < rg-dev < rg-prod
    expect(rows[0]).toMatchObject({
      type: "microsoft.containerservice/managedclusters",
      resourceGroup: "rg-prod",
      subscriptionId: SUB,
      location: "location1",
      kind: "",
      sku: null,
      identity: null,
    });
    expect(rows[0].properties.enableRBAC).toBe(false); // rows carry REST spelling, not the SDK's flattening
    const wire = server.requests.map((r) => [r.method, r.path, r.query["api-version"], r.kind]);
    expect(wire).toEqual([
      ["POST", "/providers/Microsoft.ResourceGraph/resources", "2024-04-01", "resourceGraph"],
      ["POST", "/providers/Microsoft.ResourceGraph/resources", "2024-04-01", "resourceGraph"],
    ]);
  });

  it("filters by resource group (case-insensitively) and by tags: values =~, keys exact as in KQL", async () => {
    const client = resourceGraph(server);
    const byGroup = CLUSTER_QUERY.replace("| project", "| where resourceGroup =~ 'rg-PROD'\n| project");
    expect(((await client.resources({ subscriptions: [SUB], query: byGroup })).data as any[]).map((r) => r.name)).toEqual(["aks-b", "aks-a"]);
    const byTag = (key: string, value: string) => CLUSTER_QUERY.replace("| project", `| where tags['${key}'] =~ '${value}'\n| project`);
    const names = async (query: string) => ((await client.resources({ subscriptions: [SUB], query })).data as any[]).map((r) => r.name);
    expect(await names(byTag("env", "PROD"))).toEqual(["aks-c"]);
    expect(await names(byTag("Env", "prod"))).toEqual(["aks-a"]);
    expect(await names(byTag("aksmon-exempt", "IT\\'S FINE"))).toEqual(["aks-a"]);
    expect(await names(CLUSTER_QUERY.replace("| project", "| where tags['env'] =~ 'prod' | where tags['Env'] =~ 'prod'\n| project"))).toEqual([]);
  });

  it("answers the assessments query of the requested subscriptions", async () => {
    const query = "securityresources | where type =~ 'microsoft.security/assessments' and name =~ 'KEY-1' | project id, name, properties";
    const result = await resourceGraph(server).resources({ subscriptions: [SUB], query });
    expect(result.count).toBe(1);
    expect((result.data as any[])[0]).toMatchObject({ name: "key-1", properties: { status: { code: "Unhealthy" } } });
    const both = await resourceGraph(server).resources({ subscriptions: [SUB, OTHER_SUB], query });
    expect(both.totalRecords).toBe(2);
  });

  it("refuses other queries with 400 BadRequest whose first detail is InvalidQuery", async () => {
    const error = await rejection(resourceGraph(server).resources({ subscriptions: [SUB], query: "resources | take 5" }));
    expect(error).toMatchObject({ statusCode: 400, code: "BadRequest" });
    expect(error.details.error.details[0].code).toBe("InvalidQuery"); // 5.x: the ErrorResponse, deserialised
    expect(parseGraphQuery(CLUSTER_QUERY.replace("order by id asc", "order by name asc"))).toBeTypeOf("string");
    expect(parseGraphQuery(CLUSTER_QUERY.replaceAll("\n", " "))).toEqual({ shape: "clusters", tags: [] });
  });

  it("can be switched to 403 AuthorizationFailed", async () => {
    server.denyResourceGraph();
    try {
      const error = await rejection(resourceGraph(server).resources({ subscriptions: [SUB], query: CLUSTER_QUERY }));
      expect(error).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    } finally {
      server.denyResourceGraph(false);
    }
  });
});

describe("generic ARM GETs with @azure-rest/core-client", () => {
  let server: ArmServer;
  beforeAll(async () => {
    server = await startArmServer();
    server.put(restExampleBody("ManagedClustersGet"));
  });
  afterAll(() => server.close());

  it("gets diagnostic settings: an empty list, then the stored ones", async () => {
    const path = `${FIXTURE_CLUSTER}/providers/Microsoft.Insights/diagnosticSettings`;
    const query = { queryParameters: { "api-version": "2021-05-01-preview" } };
    const empty = await armRest(server).pathUnchecked(path).get(query);
    expect(empty.status).toBe("200"); // core-client statuses are strings
    expect(empty.body).toEqual({ value: [] });
    server.put(diagnosticSetting(FIXTURE_CLUSTER, "audit", { workspaceId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/law" }));
    const filled = await armRest(server).pathUnchecked(path).get(query);
    expect((filled.body as any).value[0]).toMatchObject({ name: "audit", properties: { logs: [{ category: "kube-audit-admin", enabled: true }] } });
    expect(filled.headers["x-ms-ratelimit-remaining-subscription-reads"]).toBeDefined();
  });

  it("gets the Containers pricing: Free when never set, the stored plan otherwise", async () => {
    const path = `/subscriptions/${SUB}/providers/Microsoft.Security/pricings/Containers`;
    const query = { queryParameters: { "api-version": "2024-01-01" } };
    expect((await armRest(server).pathUnchecked(path).get(query)).body).toMatchObject({ name: "Containers", properties: { pricingTier: "Free" } });
    server.put(containersPricing(SUB, { pricingTier: "Standard" }));
    const pricing = (await armRest(server).pathUnchecked(path).get(query)).body as any;
    expect(pricing).toMatchObject({ id: path, name: "Containers", type: "Microsoft.Security/pricings", properties: { pricingTier: "Standard" } });
    expect(pricing.properties.extensions).toContainEqual({ name: "ContainerSensor", isEnabled: "True" });
  });

  it("gets assessments, an Application Gateway and its WAF policy; 404 for absent ones", async () => {
    server.put(securityAssessment(FIXTURE_CLUSTER, "a1b2", { statusCode: "Healthy" }));
    const gateway = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/applicationGateways/agw`;
    const policy = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/waf`;
    server.put(applicationGateway(gateway, { firewallPolicyId: policy }));
    server.put(wafPolicy(policy, { mode: "Detection", gatewayIds: [gateway] }));
    const rest = armRest(server);
    const assessments = await rest.pathUnchecked(`${FIXTURE_CLUSTER}/providers/Microsoft.Security/assessments`).get({ queryParameters: { "api-version": "2021-06-01" } });
    expect((assessments.body as any).value.map((a: any) => a.properties.status.code)).toEqual(["Healthy"]);
    const agw = await rest.pathUnchecked(gateway).get({ queryParameters: { "api-version": "2024-05-01" } });
    expect((agw.body as any).properties.firewallPolicy.id).toBe(policy);
    const waf = await rest.pathUnchecked(policy.toLowerCase()).get({ queryParameters: { "api-version": "2024-05-01" } });
    expect((waf.body as any).properties.policySettings).toMatchObject({ state: "Enabled", mode: "Detection" });
    const absent = await rest.pathUnchecked(gateway.replace("agw", "gone")).get({ queryParameters: { "api-version": "2024-05-01" } });
    expect(absent.status).toBe("404");
    expect((absent.body as any).error.code).toBe("ResourceNotFound");
    expect(server.countsByKind()).toMatchObject({ assessments: 1, applicationGateway: 2, wafPolicy: 1 });
  });
});

describe("Kubernetes server with the real @kubernetes/client-node", () => {
  let kube: KubeServer;
  const cordoned = new Date("2026-11-25T10:00:00Z");
  const rebootNeeded = new Date("2026-11-24T03:00:00Z");
  beforeAll(async () => {
    const node = (name: string, extra: Partial<Parameters<typeof aksNode>[0]> = {}) =>
      aksNode({ name, pool: "user1", nodeImageVersion: "AKSAzureLinux-V3gen2-202611.10.0", kernelVersion: "6.6.47.1-1.azl3", kubeletVersion: "v1.33.2", ...extra });
    kube = await startKubeServer({
      token: "kube-token",
      nodes: [
        node("aks-user1-10000000-vmss000002"),
        node("aks-user1-10000000-vmss000000", { unschedulableSince: cordoned, kuredRebootInProgress: rebootNeeded }),
        node("aks-user1-10000000-vmss000001", { conditions: [{ type: "Ready", status: "False", reason: "KubeletNotReady" }] }),
      ],
    });
  });
  afterAll(() => kube.close());

  it("lists nodes as a v1 NodeList the client deserialises", async () => {
    const list = await kubeConfigFor(kube).makeApiClient(CoreV1Api).listNode();
    expect(list.kind).toBe("NodeList");
    expect(list.items.map((n) => n.metadata?.name)).toEqual([
      "aks-user1-10000000-vmss000000",
      "aks-user1-10000000-vmss000001",
      "aks-user1-10000000-vmss000002",
    ]);
    const [first, second] = list.items;
    expect(first?.metadata?.labels).toMatchObject({
      agentpool: "user1",
      "kubernetes.azure.com/agentpool": "user1",
      "kubernetes.azure.com/node-image-version": "AKSAzureLinux-V3gen2-202611.10.0",
      "kubernetes.azure.com/os-sku": "AzureLinux",
    });
    expect(first?.status?.nodeInfo).toMatchObject({ kernelVersion: "6.6.47.1-1.azl3", kubeletVersion: "v1.33.2" });
    expect(first?.spec?.unschedulable).toBe(true);
    // The client turns RFC3339 times in typed fields into Date objects; annotations stay strings.
    expect(first?.spec?.taints?.[0]).toMatchObject({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule", timeAdded: cordoned });
    expect(first?.metadata?.annotations?.["weave.works/kured-reboot-in-progress"]).toBe("2026-11-24T03:00:00Z");
    expect(second?.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "KubeletNotReady" });
  });

  it("pages with limit and continue", async () => {
    const api = kubeConfigFor(kube).makeApiClient(CoreV1Api);
    const first = await api.listNode({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?.remainingItemCount).toBe(1);
    const second = await api.listNode({ limit: 2, _continue: first.metadata!._continue! });
    expect(second.items.map((n) => n.metadata?.name)).toEqual(["aks-user1-10000000-vmss000002"]);
    expect(second.metadata?._continue).toBeUndefined();
  });

  it("trusts the server through NODE_EXTRA_CA_CERTS too, with no certificate-authority-data", async () => {
    const list = await kubeConfigFor(kube, kube.token, false).makeApiClient(CoreV1Api).listNode();
    expect(list.items).toHaveLength(3);
    expect((await kubeConfigFor(kube).makeApiClient(VersionApi).getCode()).gitVersion).toBe("v1.33.2");
  });

  it("answers 401 Unauthorized and, on demand, 403 Forbidden (the client keeps only the 403 body)", async () => {
    const unauthorized = await rejection(kubeConfigFor(kube, "wrong").makeApiClient(CoreV1Api).listNode());
    expect(unauthorized).toMatchObject({ code: 401, body: undefined });
    const raw = await httpsRequest(`${kube.url}/api/v1/nodes`);
    expect(raw.json()).toEqual({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });

    kube.forbid();
    try {
      const forbidden = await rejection(kubeConfigFor(kube).makeApiClient(CoreV1Api).listNode());
      expect(forbidden.code).toBe(403);
      expect(typeof forbidden.body).toBe("string");
      expect(JSON.parse(forbidden.body)).toMatchObject({ kind: "Status", reason: "Forbidden", code: 403 });
    } finally {
      kube.forbid(false);
    }
  });
});

describe("throttling: ARM's read token bucket", () => {
  let now = 0;
  let server: ArmServer;
  beforeAll(async () => {
    server = await startArmServer({ readBucket: { capacity: 3, refillPerSecond: 0.5 }, clock: () => now });
    server.put(restExampleBody("ManagedClustersGet"));
  });
  afterAll(() => server.close());

  it("answers 429 with Retry-After once a subscription's bucket is empty, and counts tokens down", async () => {
    const url = `${server.url}${FIXTURE_CLUSTER}?api-version=2026-04-01`;
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await httpsRequest(url, { token: server.token });
      expect(answer.status).toBe(200);
      remaining.push(String(answer.headers["x-ms-ratelimit-remaining-subscription-reads"]));
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const throttled = await httpsRequest(url, { token: server.token });
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("2"); // one token at 0.5 per second
    expect(throttled.json().error.code).toBe("SubscriptionRequestsThrottled");
    expect(server.throttled).toBe(1);

    const sdkError = await rejection(containerService(server).managedClusters.get("rg1", "clustername1"));
    expect(sdkError).toMatchObject({ statusCode: 429, code: "SubscriptionRequestsThrottled" });

    const otherSubscription = await httpsRequest(`${server.url}/subscriptions/${OTHER_SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2026-04-01`, { token: server.token });
    expect(otherSubscription.status).toBe(200);
    const graph = await httpsRequest(`${server.url}/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01`, {
      method: "POST",
      token: server.token,
      body: { subscriptions: [SUB], query: CLUSTER_QUERY },
    });
    expect(graph.status).toBe(200);
    expect(graph.headers["x-ms-ratelimit-remaining-tenant-reads"]).toBe("2"); // a bucket of its own

    now += 1_000; // half a token
    expect((await httpsRequest(url, { token: server.token })).headers["retry-after"]).toBe("1");
    now += 1_000;
    expect((await httpsRequest(url, { token: server.token })).status).toBe(200);
  });
});

describe("faults", () => {
  let server: ArmServer;
  beforeAll(async () => {
    server = await startArmServer();
    server.put(restExampleBody("ManagedClustersGet"));
  });
  beforeEach(() => server.reset());
  afterAll(() => server.close());

  it("answers 403 AuthorizationFailed for the next matching request only (times: 1)", async () => {
    server.fault({ match: "/managedClusters/clustername1", status: 403, times: 1 });
    const client = containerService(server).managedClusters;
    const error = await rejection(client.get("rg1", "clustername1"));
    expect(error).toMatchObject({ statusCode: 403, code: "AuthorizationFailed" });
    expect(error.message).toContain("microsoft.containerservice/managedclusters/read");
    expect((await client.get("rg1", "clustername1")).name).toBe("clustername1");
  });

  it("answers 404 for requests a function or a RegExp picks", async () => {
    server.fault({ match: (request) => request.kind === "managedCluster", status: 404, times: 1 });
    server.fault({ match: /\/agentPools$/i, status: 404, times: 1 });
    const client = containerService(server);
    expect(await rejection(client.managedClusters.get("rg1", "clustername1"))).toMatchObject({ statusCode: 404, code: "ResourceNotFound" });
    expect(await rejection(client.agentPools.list("rg1", "clustername1").next())).toMatchObject({ statusCode: 404 });
  });

  it("429 without Retry-After: the container service client (default retries) gives up at once", async () => {
    server.fault({ match: "clustername1", status: 429, times: 1 });
    const error = await rejection(containerService(server, { retries: "default" }).managedClusters.get("rg1", "clustername1"));
    expect(error).toMatchObject({ statusCode: 429, code: "TooManyRequests" });
    expect(server.requests.map((r) => r.status)).toEqual([429]);
    expect(server.throttled).toBe(1);
  });

  it("429 with Retry-After: the container service client (default retries) waits and retries", async () => {
    server.fault({ match: "clustername1", status: 429, retryAfterSeconds: 1, times: 1 });
    const started = Date.now();
    const cluster = await containerService(server, { retries: "default" }).managedClusters.get("rg1", "clustername1");
    expect(cluster.name).toBe("clustername1");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it("429 without Retry-After: the Resource Graph 5.x client (default policies) does not retry either", async () => {
    server.fault({ match: "Microsoft.ResourceGraph", status: 429, times: 1 });
    const error = await rejection(resourceGraph(server, { retries: "default" }).resources({ subscriptions: [SUB], query: CLUSTER_QUERY }));
    expect(error).toMatchObject({ statusCode: 429, code: "TooManyRequests" });
    expect(server.requests).toHaveLength(1);
  });

  it("503 ServiceUnavailable (no retries configured)", async () => {
    server.fault({ match: "clustername1", status: 503, times: 1 });
    const error = await rejection(containerService(server).managedClusters.get("rg1", "clustername1"));
    expect(error).toMatchObject({ statusCode: 503, code: "ServiceUnavailable" });
    const rest = await armRest(server).pathUnchecked(FIXTURE_CLUSTER).get({ queryParameters: { "api-version": "2026-04-01" } });
    expect(rest.status).toBe("200"); // times: 1 was used up; core-client returns error statuses instead of throwing
  });

  it("slow answers: a client timeout aborts the request", async () => {
    server.fault({ match: "clustername1", delayMs: 1_500, times: 1 });
    const started = Date.now();
    const error = await rejection(containerService(server).managedClusters.get("rg1", "clustername1", { abortSignal: AbortSignal.timeout(200) }));
    expect(error.name).toBe("AbortError");
    expect(Date.now() - started).toBeLessThan(1_000);
    server.clearFaults();
    expect((await containerService(server).managedClusters.get("rg1", "clustername1")).name).toBe("clustername1");
  });

  it("latencyMs delays every answer", async () => {
    const slow = await startArmServer({ latencyMs: 150 });
    try {
      slow.put(restExampleBody("ManagedClustersGet"));
      const started = Date.now();
      await containerService(slow).managedClusters.get("rg1", "clustername1");
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});
