/** The command line's live reads: settings → ARM connection → inventory or named clusters → snapshots. */
import { readSettings } from "../config/settings.js";
import type { ClusterRef, ClusterSnapshot } from "../model/snapshot.js";
import { connectArm, type ArmConnection } from "../sources/arm/armConnection.js";
import { readClusters, readFleet } from "../sources/arm/fleetRead.js";
import { KubeNodeReader } from "../sources/kube/nodeReader.js";
import { progressBar } from "./progress.js";
import type { LiveScope } from "./scope.js";

export async function liveConnection(): Promise<{ connection: ArmConnection; readNodes: boolean }> {
  const settings = readSettings();
  const connection = await connectArm({
    endpoint: settings.AZURE_RESOURCE_MANAGER_ENDPOINT,
    ...(settings.AZURE_ACCESS_TOKEN ? { accessToken: settings.AZURE_ACCESS_TOKEN } : {}),
  });
  return { connection, readNodes: settings.AKSMON_READ_NODES };
}

/** Snapshots of the clusters in scope, and one line per cluster or subscription that could not be read. */
export async function readLive(scope: LiveScope): Promise<{ snapshots: ClusterSnapshot[]; problems: string[] }> {
  const { connection, readNodes } = await liveConnection();
  const options = readNodes ? { nodes: new KubeNodeReader(connection) } : {};
  const progress = progressBar("Reading clusters");
  try {
    if (scope.cluster) {
      const subscriptionId = scope.subscriptions[0]!;
      const resourceGroup = scope.resourceGroup!;
      const ref: ClusterRef = {
        id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${scope.cluster}`,
        subscriptionId,
        resourceGroup,
        name: scope.cluster,
      };
      const [read] = await readClusters(connection, [ref], { ...options, clusterUpgradeProfile: true, onProgress: progress.update });
      return read?.ok
        ? { snapshots: [read.snapshot], problems: [] }
        : { snapshots: [], problems: [`${ref.id}: could not read the cluster: ${describe(read?.error)}`] };
    }
    const fleet = await readFleet(connection, scope, { ...options, onProgress: progress.update });
    const problems = fleet.inventory.problems.map(
      (problem) => `subscription ${problem.subscriptionId}: could not list clusters: ${describe(problem.error)}`,
    );
    const snapshots: ClusterSnapshot[] = [];
    for (const read of fleet.reads) {
      if (read.ok) snapshots.push(read.snapshot);
      else problems.push(`${read.ref.id}: could not read the cluster: ${describe(read.error)}`);
    }
    if (snapshots.length === 0 && problems.length === 0) problems.push("no managed clusters in scope");
    return { snapshots, problems };
  } finally {
    progress.end();
  }
}

function describe(error: { kind: string; status?: number; message: string } | undefined): string {
  if (!error) return "unknown error";
  return `${error.kind}${error.status ? ` (HTTP ${error.status})` : ""}: ${error.message}`;
}
