import type { ManagedCluster, ManagedClusterAddonProfile } from "@azure/arm-containerservice";
import type { ClusterSnapshot } from "../model/snapshot.js";
import type { PoolView } from "./types.js";

/** Enum values come back in varying case from ARM (`Standard` vs `standard`): compare case-insensitively. */
export function sameText(value: unknown, expected: string): boolean {
  return typeof value === "string" && value.toLowerCase() === expected.toLowerCase();
}

export function textIn(value: unknown, accepted: readonly string[]): boolean {
  return accepted.some((candidate) => sameText(value, candidate));
}

/** Add-on keys differ in case between sources (`azurepolicy` / `azurePolicy`): find one case-insensitively. */
export function addon(
  cluster: ManagedCluster,
  key: string,
): { key: string; profile: ManagedClusterAddonProfile } | undefined {
  return addonsByLowerKey(cluster).get(key.toLowerCase());
}

/** Add-ons by lower-cased key, built once per cluster object: every add-on check looks them up. */
const addonIndex = new WeakMap<ManagedCluster, Map<string, { key: string; profile: ManagedClusterAddonProfile }>>();

function addonsByLowerKey(cluster: ManagedCluster): Map<string, { key: string; profile: ManagedClusterAddonProfile }> {
  let index = addonIndex.get(cluster);
  if (!index) {
    index = new Map();
    for (const [key, profile] of Object.entries(cluster.addonProfiles ?? {})) {
      if (profile && !index.has(key.toLowerCase())) index.set(key.toLowerCase(), { key, profile });
    }
    addonIndex.set(cluster, index);
  }
  return index;
}

/** The evidence path of an add-on: the key as the cluster spells it, else as documented. */
export function addonPath(cluster: ManagedCluster, key: string, field: string): string {
  return `properties.addonProfiles.${addon(cluster, key)?.key ?? key}.${field}`;
}

/** The REST path of an add-on config key, spelled as the cluster spells both keys. */
export function addonConfigPath(cluster: ManagedCluster, key: string, configKey: string): string {
  const config = addon(cluster, key)?.profile.config ?? {};
  const actual = Object.keys(config).find((candidate) => candidate.toLowerCase() === configKey.toLowerCase());
  return addonPath(cluster, key, `config.${actual ?? configKey}`);
}

/** A non-blank string. */
export function isSet(value: unknown): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** `true`, or the string "true" in any case: ARM keeps some flags as strings (add-on config, pricing extensions). */
export function isTrue(value: unknown): boolean {
  return value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");
}

/** A case-insensitive lookup in an add-on's string config map. */
export function addonConfig(profile: ManagedClusterAddonProfile, key: string): string | undefined {
  for (const [actual, value] of Object.entries(profile.config ?? {})) {
    if (actual.toLowerCase() === key.toLowerCase()) return value;
  }
  return undefined;
}

/**
 * Every node pool of the snapshot: the cluster's `agentPoolProfiles` and the `managedClusters/agentPools`
 * child resources, merged by name (case-insensitively). A child resource is the pool's own resource and
 * wins over the profile copy inside the cluster.
 */
export function poolsOf(snapshot: ClusterSnapshot): PoolView[] {
  const byName = new Map<string, PoolView>();
  for (const [index, profile] of (snapshot.cluster.agentPoolProfiles ?? []).entries()) {
    const name = typeof profile.name === "string" && profile.name !== "" ? profile.name : `#${index}`;
    byName.set(name.toLowerCase(), { name, path: `properties.agentPoolProfiles[${name}]`, spec: profile });
  }
  for (const pool of snapshot.agentPools) {
    const name = typeof pool.name === "string" ? pool.name : "";
    // A child resource's `type` is its ARM resource type; the SDK keeps the pool's VM type in typePropertiesType.
    const spec = { ...pool, type: pool.typePropertiesType };
    byName.set(name.toLowerCase(), { name, path: `agentPools/${name}.properties`, spec });
  }
  return [...byName.values()];
}

/** `1.29.4` → `1.29`; undefined when the text is not a version. */
export function minorVersion(version: string | undefined): string | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version ?? "");
  return match ? `${match[1]}.${match[2]}` : undefined;
}
