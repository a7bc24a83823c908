/**
 * The fleet inventory against the local ARM server: Resource Graph across `$skipToken` pages and several
 * subscriptions, resource group and tag filters, the fallback to `managedClusters.list()` per subscription
 * when Resource Graph is not allowed (same clusters), unlistable subscriptions reported, and tag values
 * with quotes escaped in the KQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { evaluate } from "../shared/baseline/evaluate.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { RUNNING_IMAGES_ASSESSMENT } from "../shared/sources/arm/clusterReader.js";
import { readFleet } from "../shared/sources/arm/fleetRead.js";
import { inventoryQuery, readInventory, type Inventory, type InventoryScope } from "../shared/sources/arm/inventory.js";
import { recordedCluster, restExampleBody } from "./support/armFixtures.js";
import { clusterId, securityAssessment } from "./support/armResources.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import type { Json } from "./support/httpsServer.js";
import { SUBSCRIPTIONS, connectTo, edited, findingOf } from "./support/liveReads.js";

const [SUB_A, SUB_B, SUB_C, SUB_OUT] = SUBSCRIPTIONS;
const IN_SCOPE = [SUB_A!, SUB_B!, SUB_C!];

interface Placed {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  tags?: Record<string, string>;
  body: Json;
}

/** Seven clusters in scope (three subscriptions), one outside it; bodies from the fixtures, tags set here. */
const FLEET: Placed[] = [
  { subscriptionId: SUB_A!, resourceGroup: "rg-prod", name: "aks-a1", tags: { env: "prod", team: "payments" }, body: recordedCluster("test_aks_create_node_public_ip") },
  { subscriptionId: SUB_A!, resourceGroup: "rg-prod", name: "aks-a2", tags: { Env: "Prod" }, body: recordedCluster("test_aks_create_with_windows") },
  { subscriptionId: SUB_A!, resourceGroup: "RG-Dev", name: "aks-a3", tags: { env: "dev" }, body: recordedCluster("test_aks_create_disable_rbac") },
  { subscriptionId: SUB_B!, resourceGroup: "RG-PROD", name: "aks-b1", tags: { env: "PROD", owner: "o'brien" }, body: recordedCluster("test_aks_create_enable_azure_rbac") },
  { subscriptionId: SUB_B!, resourceGroup: "rg-b", name: "aks-b2", body: restExampleBody("ManagedClustersGet") },
  { subscriptionId: SUB_C!, resourceGroup: "rg-c", name: "aks-c1", tags: { env: "prod", team: "web" }, body: recordedCluster("test_aks_create_private_cluster_then_update") },
  { subscriptionId: SUB_C!, resourceGroup: "rg-c", name: "aks-c2", body: recordedCluster("test_aks_create_addon_with_azurekeyvaultsecretsprovider_with_secret_rotation") },
  { subscriptionId: SUB_OUT!, resourceGroup: "rg-prod", name: "aks-elsewhere", tags: { env: "prod" }, body: restExampleBody("ManagedClustersGet") },
];

function idOf(placed: Placed): string {
  return clusterId(placed);
}

/** Cluster names, sorted (the two sources order ids differently: ordinal vs case-insensitive). */
function namesOf(inventory: Inventory): string[] {
  return inventory.items.map((item) => item.ref.name).sort();
}

describe("fleet inventory", () => {
  let arm: ArmServer;
  beforeAll(async () => {
    // Two rows per Resource Graph page and two clusters per list page: every read spans pages.
    arm = await startArmServer({ graphPageSize: 2, pageSize: 2 });
    for (const placed of FLEET) {
      arm.putCluster(
        edited(placed.body, (copy) => {
          if (placed.tags) copy.tags = placed.tags;
          else delete copy.tags;
        }),
        placed,
      );
    }
  });
  beforeEach(() => arm.reset());
  afterAll(() => arm.close());

  async function inventory(scope: Partial<InventoryScope> = {}) {
    const connection = await connectTo(arm);
    const result = await readInventory(connection, { subscriptions: IN_SCOPE, ...scope });
    return { result, calls: connection.traffic.snapshot().calls };
  }

  it("reads every cluster of the subscriptions in scope through Resource Graph, across $skipToken pages", async () => {
    const { result, calls } = await inventory();
    expect(result.source).toBe("resourceGraph");
    expect(result.problems).toEqual([]);
    const inScope = FLEET.filter((placed) => placed.subscriptionId !== SUB_OUT);
    // Resource Graph's `order by id asc` is ordinal.
    expect(result.items.map((item) => item.ref.id)).toEqual(inScope.map(idOf).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    for (const { ref } of result.items) {
      const placed = inScope.find((p) => p.name === ref.name)!;
      expect(ref).toEqual({ id: idOf(placed), subscriptionId: placed.subscriptionId, resourceGroup: placed.resourceGroup, name: placed.name });
    }
    // Seven rows, two per page: four queries, the last three with the $skipToken of the one before.
    expect(arm.countsByKind()).toEqual({ resourceGraph: 4 });
    expect(calls).toEqual({ resourceGraph: 4 });

    // The rows are SDK models, as a GET of the cluster gives them.
    const windows = result.items.find((item) => item.ref.name === "aks-a2")!.cluster;
    expect(windows.location).toBe("westus2");
    expect(windows.tags).toEqual({ Env: "Prod" });
    expect(windows.agentPoolProfiles?.map((pool) => [pool.name, pool.osType, pool.nodeImageVersion])).toEqual([
      ["nodepool1", "Linux", "AKSUbuntu-2204gen2containerd-202306.19.0"],
      ["npwin", "Windows", "AKSWindows-2022-containerd-20348.1787.230614"],
    ]);
    const example = result.items.find((item) => item.ref.name === "aks-b2")!.cluster;
    expect(example.enableRbac).toBe(false);
    expect(example.kubernetesVersion).toBe("1.9.6");
  });

  it("filters by resource group, case-insensitively", async () => {
    const { result } = await inventory({ resourceGroup: "Rg-Prod" });
    expect(namesOf(result)).toEqual(["aks-a1", "aks-a2", "aks-b1"]);
  });

  it("filters by tags: every tag must match, the name exactly, the value case-insensitively", async () => {
    expect(namesOf((await inventory({ tags: { env: "prod" } })).result)).toEqual(["aks-a1", "aks-b1", "aks-c1"]);
    expect(namesOf((await inventory({ tags: { Env: "PROD" } })).result)).toEqual(["aks-a2"]);
    expect(namesOf((await inventory({ tags: { env: "prod", team: "payments" } })).result)).toEqual(["aks-a1"]);
    expect(namesOf((await inventory({ resourceGroup: "rg-c", tags: { env: "prod" } })).result)).toEqual(["aks-c1"]);
    expect(namesOf((await inventory({ tags: { env: "staging" } })).result)).toEqual([]);
  });

  it("escapes quotes in tag values: the query stays valid, a value with a quote matches exactly, an injection matches nothing", async () => {
    expect(inventoryQuery({ subscriptions: IN_SCOPE, tags: { owner: "o'brien" } })).toContain(String.raw`| where tags['owner'] =~ 'o\'brien'`);
    expect(inventoryQuery({ subscriptions: IN_SCOPE, tags: { env: String.raw`x\' or 1==1 //` } })).toContain(
      String.raw`| where tags['env'] =~ 'x\\\' or 1==1 //'`,
    );

    const owner = await inventory({ tags: { owner: "o'brien" } });
    expect(owner.result).toMatchObject({ source: "resourceGraph", problems: [] });
    expect(namesOf(owner.result)).toEqual(["aks-b1"]);

    for (const injection of ["prod' or env != '", "' or 1==1 or '", String.raw`x\' or 1==1 //`, "prod'] | take 100 //"]) {
      const attempt = await inventory({ tags: { env: injection } });
      expect(attempt.result, injection).toEqual({ items: [], source: "resourceGraph", problems: [] });
    }
    expect(arm.requests.every((request) => request.status === 200)).toBe(true); // no 400 InvalidQuery
  });

  it("falls back to managedClusters.list() per subscription when Resource Graph answers 403, with the same clusters", async () => {
    const viaGraph = (await inventory()).result;
    arm.denyResourceGraph();
    try {
      arm.reset();
      const { result, calls } = await inventory();
      expect(result.source).toBe("managedClusters.list");
      expect(result.problems).toEqual([]);
      expect(result.items.map((item) => item.ref)).toEqual(
        [...viaGraph.items.map((item) => item.ref)].sort((a, b) => a.id.toLowerCase().localeCompare(b.id.toLowerCase())),
      );
      // The same bodies, read through the SDK either way.
      for (const item of result.items) {
        const same = viaGraph.items.find((other) => other.ref.id === item.ref.id)!;
        expect(item.cluster.agentPoolProfiles?.map((pool) => pool.nodeImageVersion)).toEqual(same.cluster.agentPoolProfiles?.map((pool) => pool.nodeImageVersion));
        expect(item.cluster.kubernetesVersion).toBe(same.cluster.kubernetesVersion);
      }
      // One refused query; then SUB_A in two pages of 2, SUB_B and SUB_C in one each.
      expect(arm.countsByKind()).toEqual({ resourceGraph: 1, managedClusterList: 4 });
      expect(calls).toEqual({ resourceGraph: 1, managedClusterList: 4 });
      expect(arm.requests.find((request) => request.kind === "resourceGraph")?.status).toBe(403);
      expect(new Set(arm.requests.filter((r) => r.kind === "managedClusterList").map((r) => r.subscription))).toEqual(new Set(IN_SCOPE));
    } finally {
      arm.denyResourceGraph(false);
    }
  });

  it("applies the same filters in the fallback", async () => {
    arm.denyResourceGraph();
    try {
      const names = async (scope: Partial<InventoryScope>) => {
        const { result } = await inventory(scope);
        expect(result).toMatchObject({ source: "managedClusters.list", problems: [] });
        return namesOf(result);
      };
      expect(await names({ tags: { env: "prod" } })).toEqual(["aks-a1", "aks-b1", "aks-c1"]);
      expect(await names({ tags: { Env: "PROD" } })).toEqual(["aks-a2"]);
      expect(await names({ tags: { owner: "o'brien" } })).toEqual(["aks-b1"]);
      arm.reset();
      expect(await names({ resourceGroup: "Rg-Prod" })).toEqual(["aks-a1", "aks-a2", "aks-b1"]);
      expect(arm.requests.filter((r) => r.kind === "managedClusterList").every((r) => /\/resourceGroups\/Rg-Prod\//.test(r.path))).toBe(true);
    } finally {
      arm.denyResourceGraph(false);
    }
  });

  it("in the fallback, a resource group that one subscription does not have is not a problem (ARM answers 404 ResourceGroupNotFound)", async () => {
    arm.denyResourceGraph();
    try {
      // The test server lists an absent group as empty; ARM answers 404 ResourceGroupNotFound.
      arm.fault({
        match: (r) => r.kind === "managedClusterList" && r.subscription === SUB_C && /\/resourceGroups\/rg-prod\//i.test(r.path),
        status: 404,
        code: "ResourceGroupNotFound",
        message: "Resource group 'rg-prod' could not be found.",
      });
      const { result } = await inventory({ resourceGroup: "rg-prod" });
      expect(result.problems).toEqual([]);
      expect(namesOf(result)).toEqual(["aks-a1", "aks-a2", "aks-b1"]);
    } finally {
      arm.denyResourceGraph(false);
    }
  });

  it("reports a subscription that cannot be listed in problems, and still lists the others", async () => {
    arm.denyResourceGraph();
    try {
      arm.fault({ match: (r) => r.kind === "managedClusterList" && r.subscription === SUB_C, status: 403 });
      const { result } = await inventory();
      expect(result.source).toBe("managedClusters.list");
      expect(namesOf(result)).toEqual(["aks-a1", "aks-a2", "aks-a3", "aks-b1", "aks-b2"]);
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ subscriptionId: SUB_C, error: { kind: "forbidden", status: 403 } });
      // The SDK's pager keeps ARM's error code, not its message.
      expect(result.problems[0]?.error.message).toBe("AuthorizationFailed: Pagination failed with unexpected statusCode 403");
    } finally {
      arm.denyResourceGraph(false);
    }
  });

  it("reports a Resource Graph failure other than 403 instead of an empty fleet", async () => {
    arm.fault({ match: (r) => r.kind === "resourceGraph", status: 503 });
    const connection = await connectTo(arm, { failureRetries: 1 });
    const result = await readInventory(connection, { subscriptions: IN_SCOPE });
    expect(result.items).toEqual([]);
    expect(result.problems).toEqual([{ subscriptionId: "*", error: expect.objectContaining({ kind: "unavailable", status: 503 }) }]);
    expect(arm.countsByKind()).toEqual({ resourceGraph: 2 });
  });

  it("a sweep over the fallback inventory still reads each cluster's assessments (Resource Graph is not allowed for them either)", async () => {
    const a1 = idOf(FLEET[0]!);
    const b1 = idOf(FLEET[3]!);
    arm.put(securityAssessment(a1, RUNNING_IMAGES_ASSESSMENT, { statusCode: "Unhealthy" }));
    arm.put(securityAssessment(b1, RUNNING_IMAGES_ASSESSMENT, { statusCode: "Healthy" }));
    arm.denyResourceGraph();
    try {
      const connection = await connectTo(arm);
      const fleet = await readFleet(connection, { subscriptions: IN_SCOPE, resourceGroup: "rg-prod" });
      expect(fleet.inventory.source).toBe("managedClusters.list");
      const statuses = Object.fromEntries(
        fleet.reads.map((read) => {
          if (!read.ok) throw new Error(read.error.message);
          return [read.snapshot.ref.name, findingOf(evaluate(read.snapshot, defaultProfile), "running-images-vulns").status];
        }),
      );
      expect(statuses).toEqual({ "aks-a1": "fail", "aks-a2": "notApplicable", "aks-b1": "pass" });
    } finally {
      arm.denyResourceGraph(false);
      arm.remove(`${a1}/providers/Microsoft.Security/assessments/${RUNNING_IMAGES_ASSESSMENT}`);
      arm.remove(`${b1}/providers/Microsoft.Security/assessments/${RUNNING_IMAGES_ASSESSMENT}`);
    }
  });
});
