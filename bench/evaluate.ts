/**
 * Cluster evaluations per second: at least 10,000 clusters derived from the fixtures and the sample fleet
 * (every check enabled), evaluated on one core. Also the file reader's throughput through the SDK mappers.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { ManagedCluster, ManagedClusterAgentPoolProfile } from "@azure/arm-containerservice";
import { catalogue } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { resolveProfile } from "../shared/baseline/profile.js";
import type { ClusterSnapshot } from "../shared/model/snapshot.js";
import { readClusterFiles } from "../shared/sources/clusterFiles.js";
import type { BenchFigure } from "./results.js";

const CLUSTERS = 10_000;
const ROUNDS = 5;

function inputFiles(root: string): string[] {
  const dirs = [join(root, "test/fixtures/arm/2026-06-01"), join(root, "test/fixtures/arm/recorded"), join(root, "examples/fleet")];
  return dirs.flatMap((dir) => readdirSync(dir).filter((n) => n.endsWith(".json")).map((n) => join(dir, n)));
}

/** A small deterministic generator, so every run derives the same fleet. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function derive(base: ClusterSnapshot, index: number, next: () => number): ClusterSnapshot {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const name = `${base.ref.name}-${index}`;
  const cluster: ManagedCluster = { ...structuredClone(base.cluster), name } as ManagedCluster;
  cluster.enableRbac = next() < 0.95;
  cluster.disableLocalAccounts = next() < 0.5;
  cluster.networkProfile = { ...cluster.networkProfile, networkPolicy: pick(["azure", "calico", "cilium", "none", undefined]) };
  cluster.apiServerAccessProfile = {
    ...cluster.apiServerAccessProfile,
    authorizedIPRanges: pick([[], ["0.0.0.0/0"], ["203.0.113.0/24"], ["10.0.0.0/8", "198.51.100.7"]]),
    enablePrivateCluster: next() < 0.3,
  };
  cluster.addonProfiles = { ...cluster.addonProfiles, [pick(["azurepolicy", "azurePolicy"])]: { enabled: next() < 0.7 } };
  cluster.tags = next() < 0.1 ? { "aksmon-exempt": "egress-controlled,uptime-sla-tier" } : cluster.tags;
  const template = cluster.agentPoolProfiles?.[0];
  if (template) {
    const pools: ManagedClusterAgentPoolProfile[] = [];
    const count = 1 + Math.floor(next() * 4);
    for (let i = 0; i < count; i++) {
      pools.push({
        ...template,
        name: `pool${i}`,
        enableNodePublicIP: next() < 0.1,
        enableEncryptionAtHost: next() < 0.6,
        maxPods: pick([30, 50, 110, 250]),
        mode: i === 0 ? "System" : "User",
      });
    }
    cluster.agentPoolProfiles = pools;
  }
  return { ...base, ref: { ...base.ref, name, id: `${base.ref.id}-${index}` }, cluster };
}

export async function benchEvaluate(root: string): Promise<Record<string, BenchFigure>> {
  const files = inputFiles(root);
  const readStart = performance.now();
  const snapshots: ClusterSnapshot[] = [];
  // One file at a time: several fixtures reuse a cluster id, which one read of them all would merge.
  for (const file of files) snapshots.push(...(await readClusterFiles([file])).snapshots);
  const readSeconds = (performance.now() - readStart) / 1000;
  const clusterResources = snapshots.length;

  const next = random(42);
  const fleet = Array.from({ length: CLUSTERS }, (_, index) => derive(snapshots[index % snapshots.length]!, index, next));
  const profile = resolveProfile({ checks: Object.fromEntries(catalogue.map((check) => [check.id, true])) }, "all");
  const now = new Date("2026-11-26T12:00:00Z");

  for (const snapshot of fleet.slice(0, 3000)) evaluate(snapshot, profile, now);
  let peakRss = process.memoryUsage().rss;
  const rates: number[] = [];
  let findings = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (const snapshot of fleet) findings += evaluate(snapshot, profile, now).findings.length;
    const seconds = (performance.now() - start) / 1000;
    rates.push(fleet.length / seconds);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  rates.sort((a, b) => a - b);
  if (findings !== ROUNDS * CLUSTERS * catalogue.length) throw new Error("every cluster must get every check");
  return {
    "evaluate.clustersPerSecond": {
      value: Math.round(rates[Math.floor(ROUNDS / 2)]!),
      unit: "clusters/s",
      note: `median of ${ROUNDS} rounds over ${CLUSTERS} derived clusters, ${catalogue.length} checks each, one core; min ${Math.round(rates[0]!)}, max ${Math.round(rates[ROUNDS - 1]!)}`,
    },
    "evaluate.peakRss": {
      value: Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024),
      unit: "MB",
      note: `resident set of the benchmark process holding ${CLUSTERS} snapshots`,
    },
    "read.filesPerSecond": {
      value: Math.round(files.length / readSeconds),
      unit: "files/s",
      note: `${files.length} fixture and example files (${clusterResources} clusters) through the SDK mappers, cold`,
    },
  };
}
