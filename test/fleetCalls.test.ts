/**
 * The number of ARM calls for a 500-cluster fleet: 500 clusters derived from the fixtures, in 5
 * subscriptions and 3 locations, read by one sweep (readFleet). Every cluster is read completely, the
 * server's and the traffic policy's counts by kind agree, and the amortised cost is at most 3 calls per
 * cluster. The counts are printed so that the figure can be quoted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../shared/baseline/evaluate.js";
import { parseNodeImageVersion } from "../shared/baseline/nodeImageVersion.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import type { ReadResult } from "../shared/model/snapshot.js";
import { RUNNING_IMAGES_ASSESSMENT } from "../shared/sources/arm/clusterReader.js";
import { readFleet, type FleetRead } from "../shared/sources/arm/fleetRead.js";
import type { TrafficCounts } from "../shared/sources/arm/armTraffic.js";
import { recordedCluster, restExampleBody } from "./support/armFixtures.js";
import { containersPricing, diagnosticSetting, latestNodeImagesBySku, securityAssessment } from "./support/armResources.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import type { Json } from "./support/httpsServer.js";
import { EXTERNAL_CHECKS, SUBSCRIPTIONS, connectTo, edited } from "./support/liveReads.js";

const CLUSTERS = 500;
const LOCATIONS = ["westeurope", "eastus", "westus2"];
/**
 * The fixture clusters whose pools carry a node image version (the 2020 private-cluster recording has
 * none: such a pool cannot share its latest-image lookup and costs one call of its own).
 */
const BODIES: Json[] = [
  restExampleBody("ManagedClustersGet"),
  recordedCluster("test_aks_create_node_public_ip"),
  recordedCluster("test_aks_create_with_windows"),
  recordedCluster("test_aks_create_disable_rbac"),
  recordedCluster("test_aks_create_enable_azure_rbac"),
  recordedCluster("test_aks_create_addon_with_azurekeyvaultsecretsprovider_with_secret_rotation"),
];

describe(`the ARM calls of a ${CLUSTERS}-cluster fleet`, () => {
  let arm: ArmServer;
  let fleet: FleetRead;
  let traffic: TrafficCounts;
  let progress: Array<[number, number]>;
  /** Distinct (location, image SKU) pairs among the fleet's pools: the latest-image lookups a sweep needs. */
  const imageKeys = new Set<string>();

  beforeAll(async () => {
    arm = await startArmServer({ latestNodeImage: latestNodeImagesBySku({}) });
    for (let i = 0; i < CLUSTERS; i++) {
      const subscriptionId = SUBSCRIPTIONS[i % SUBSCRIPTIONS.length]!;
      const location = LOCATIONS[Math.floor(i / BODIES.length) % LOCATIONS.length]!;
      const body = edited(BODIES[i % BODIES.length]!, (copy) => {
        copy.location = location;
      });
      const stored = arm.putCluster(body, { subscriptionId, resourceGroup: `rg-${location}-${i % 4}`, name: `aks-${String(i).padStart(3, "0")}` });
      for (const pool of body.properties.agentPoolProfiles) imageKeys.add(`${location}|${parseNodeImageVersion(pool.nodeImageVersion)!.sku.toLowerCase()}`);
      // Data around some clusters, so the sweep reads real answers (none of it changes the call count).
      if (i % 5 === 0) arm.put(diagnosticSetting(stored.id, "audit", { workspaceId: "/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/law" }));
      if (i % 3 === 0) arm.put(securityAssessment(stored.id, RUNNING_IMAGES_ASSESSMENT, { statusCode: i % 2 === 0 ? "Healthy" : "Unhealthy" }));
    }
    arm.put(containersPricing(SUBSCRIPTIONS[0]!, { pricingTier: "Standard" }));

    const connection = await connectTo(arm);
    progress = [];
    fleet = await readFleet(connection, { subscriptions: [...SUBSCRIPTIONS] }, { onProgress: (done, total) => progress.push([done, total]) });
    traffic = connection.traffic.snapshot();
  }, 60_000);
  afterAll(() => arm.close());

  it("reads every cluster completely", () => {
    expect(fleet.inventory).toMatchObject({ source: "resourceGraph", problems: [] });
    expect(fleet.inventory.items).toHaveLength(CLUSTERS);
    expect(fleet.reads).toHaveLength(CLUSTERS);
    expect(progress.at(-1)).toEqual([CLUSTERS, CLUSTERS]);
    const names = new Set<string>();
    for (const read of fleet.reads) {
      if (!read.ok) throw new Error(`${read.ref.name}: ${read.error.message}`);
      const { snapshot } = read;
      names.add(snapshot.ref.name);
      const { extras } = snapshot;
      const parts: Array<ReadResult<unknown> | undefined> = [extras.kubernetesVersions, extras.maintenanceConfigurations, extras.diagnosticSettings, extras.defenderPricing, extras.securityAssessments];
      parts.push(...Object.values(extras.poolUpgradeProfiles ?? {}));
      expect(parts.every((part) => part?.ok === true), snapshot.ref.name).toBe(true);
      expect(Object.keys(extras.poolUpgradeProfiles ?? {})).toEqual(snapshot.cluster.agentPoolProfiles?.map((pool) => pool.name.toLowerCase()));
      // Every external check evaluates on the data read, except the node one (nodes are not read).
      const errors = evaluate(snapshot, defaultProfile).findings.filter((f) => f.status === "error" && EXTERNAL_CHECKS.includes(f.check));
      expect(errors.map((f) => f.check), snapshot.ref.name).toEqual(["nodes-pending-reboot"]);
    }
    expect(names.size).toBe(CLUSTERS);
    // The data around the clusters came through the shared reads (one subscription on Standard, assessments prefetched).
    const standard = fleet.reads.filter((read) => read.ok && read.snapshot.extras.defenderPricing?.ok && read.snapshot.extras.defenderPricing.value.pricingTier === "Standard");
    expect(standard).toHaveLength(CLUSTERS / SUBSCRIPTIONS.length);
    const assessed = fleet.reads.filter((read) => read.ok && read.snapshot.extras.securityAssessments?.ok && read.snapshot.extras.securityAssessments.value.length === 1);
    expect(assessed).toHaveLength(Math.ceil(CLUSTERS / 3));
  });

  it("counts the same calls by kind on the server and in the traffic policy, at most 3 per cluster amortised", () => {
    const server = arm.countsByKind();
    const total = Object.values(server).reduce((sum, n) => sum + (n ?? 0), 0);
    const perCluster = Object.fromEntries(Object.entries(server).map(([kind, n]) => [kind, Number(((n ?? 0) / CLUSTERS).toFixed(4))]));
    console.log(
      `ARM calls for ${CLUSTERS} clusters in ${SUBSCRIPTIONS.length} subscriptions and ${LOCATIONS.length} locations: ` +
        `${JSON.stringify(server)}; total ${total}, ${(total / CLUSTERS).toFixed(3)} per cluster; per cluster by kind ${JSON.stringify(perCluster)}; ` +
        `429s ${traffic.throttled}, retries ${traffic.retries}`,
    );

    expect(traffic.calls).toEqual(server);
    expect(traffic.total).toBe(total);
    expect(traffic).toMatchObject({ throttled: 0, retries: 0 });
    expect(server).toEqual({
      // The inventory (500 rows fit one page) and the fleet's running-image assessments: one query each.
      resourceGraph: 2,
      // Per cluster: what only the cluster has.
      maintenanceConfigurations: CLUSTERS,
      diagnosticSettings: CLUSTERS,
      // Shared: per (location, image SKU), per location, per subscription.
      agentPoolUpgradeProfile: imageKeys.size,
      kubernetesVersions: LOCATIONS.length,
      pricing: SUBSCRIPTIONS.length,
    });
    expect(imageKeys.size).toBe(12); // 4 image SKUs in each of the 3 locations
    expect(total / CLUSTERS).toBeLessThanOrEqual(3);
  });
});
