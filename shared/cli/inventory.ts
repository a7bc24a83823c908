import { readInventory } from "../sources/arm/inventory.js";
import { singleLine, truncate } from "../report/text.js";
import type { CommandResult } from "./check.js";
import { liveConnection } from "./live.js";
import type { LiveScope } from "./scope.js";

/** `aksmon inventory`: the managed clusters in scope, as a table or JSON, with the ARM calls it took. */
export async function runInventory(scope: LiveScope, options: { format: "table" | "json"; width: number }): Promise<CommandResult> {
  const { connection } = await liveConnection();
  const inventory = await readInventory(connection, scope);
  const stderr = inventory.problems.map(
    (problem) => `subscription ${problem.subscriptionId}: could not list clusters: ${problem.error.kind}: ${problem.error.message}`,
  );
  const clusters = inventory.items.map(({ ref, cluster }) => ({
    id: ref.id,
    name: ref.name,
    resourceGroup: ref.resourceGroup,
    subscriptionId: ref.subscriptionId,
    location: cluster.location ?? "",
    kubernetesVersion: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion ?? "",
    powerState: cluster.powerState?.code ?? "",
    provisioningState: cluster.provisioningState ?? "",
    nodePools: cluster.agentPoolProfiles?.length ?? 0,
  }));
  const exitCode = stderr.length > 0 ? 2 : 0;
  if (options.format === "json") {
    const calls = connection.traffic.snapshot();
    return { exitCode, stdout: `${JSON.stringify({ source: inventory.source, clusters, calls }, null, 2)}\n`, stderr };
  }
  const rows = [["NAME", "RESOURCE GROUP", "LOCATION", "VERSION", "STATE", "POOLS"]];
  for (const c of clusters) rows.push([c.name, c.resourceGroup, c.location, c.kubernetesVersion, c.powerState || c.provisioningState, String(c.nodePools)]);
  const widths = rows[0]!.map((_, column) => Math.min(30, Math.max(...rows.map((row) => row[column]!.length))));
  const lines = rows.map((row) =>
    truncate(row.map((cell, column) => singleLine(cell).padEnd(widths[column]!)).join("  ").trimEnd(), options.width),
  );
  lines.push(`${clusters.length} cluster(s) in ${scope.subscriptions.length} subscription(s), from ${inventory.source}`);
  return { exitCode, stdout: `${lines.join("\n")}\n`, stderr };
}
