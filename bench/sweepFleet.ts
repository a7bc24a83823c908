/** The derived fleet the sweep benchmark serves: cluster bodies from the fixtures, spread over subscriptions and regions. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

type Json = Record<string, any>;

/** ARM's documented read throttling per subscription, and the latency the local server adds to every call. */
export const BUCKET = { capacity: 250, refillPerSecond: 25 };
export const LATENCY_MS = 20;

export const LOCATIONS = ["westeurope", "northeurope", "eastus"];

export function subscriptionIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${(0x5ab00000 + i).toString(16)}-0000-4000-8000-${String(i).padStart(12, "0")}`);
}

/** Cluster bodies to copy: the recorded live clusters, REST examples and the sample fleet. */
export function baseClusters(root: string): Json[] {
  const recorded = join(root, "test/fixtures/arm/recorded");
  const examples = join(root, "test/fixtures/arm/2026-06-01");
  const read = (path: string) => JSON.parse(readFileSync(path, "utf8"));
  return [
    ...[
      "test_aks_create_with_windows",
      "test_aks_create_enable_azure_rbac",
      "test_aks_create_node_public_ip",
      "test_aks_create_addon_with_azurekeyvaultsecretsprovider_with_secret_rotation",
      "test_aks_create_disable_rbac",
    ].map((name) => read(join(recorded, `${name}.json`))),
    ...["ManagedClustersGet", "ManagedClustersCreate_SecurityProfile", "ManagedClustersCreate_PrivateClusterPublicFQDN"].map(
      (name) => read(join(examples, `${name}.json`)).responses["200"].body,
    ),
    read(join(root, "examples/fleet/prod-weu-payments.json")),
    read(join(root, "examples/fleet/stg-neu-web.json")).value[0],
  ];
}

/** Where cluster i lives. */
export function placement(i: number, subscriptions: readonly string[]): { subscriptionId: string; resourceGroup: string; name: string; location: string } {
  return {
    subscriptionId: subscriptions[i % subscriptions.length]!,
    resourceGroup: `rg-${Math.floor(i / subscriptions.length) % 10}`,
    name: `aks-${i}`,
    location: LOCATIONS[i % LOCATIONS.length]!,
  };
}
