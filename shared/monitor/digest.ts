/**
 * The nightly digest of a sweep: fleet posture, the worst clusters, and what the node-patching owner
 * asks for first: the longest-waiting reboots and the node images furthest behind.
 */
import { randomUUID } from "node:crypto";
import { nodeImageLag, parseNodeImageVersion } from "../baseline/nodeImageVersion.js";
import { SEVERITIES, type ClusterEvaluation } from "../baseline/types.js";
import type { ClusterSnapshot } from "../model/snapshot.js";
import type { DigestAlert } from "./types.js";

const TOP = 10;

export function buildDigest(
  results: ReadonlyArray<{ snapshot: ClusterSnapshot; evaluation: ClusterEvaluation }>,
  now: Date,
): DigestAlert {
  const high = SEVERITIES.indexOf("high");
  const counts = { pass: 0, fail: 0, error: 0, exempt: 0 };
  const worst: DigestAlert["worst"] = [];
  const reboots: DigestAlert["longestReboots"] = [];
  const images: DigestAlert["stalestImages"] = [];
  for (const { snapshot, evaluation } of results) {
    counts.pass += evaluation.summary.pass;
    counts.fail += evaluation.summary.fail;
    counts.error += evaluation.summary.error;
    counts.exempt += evaluation.summary.exempt;
    const failing = evaluation.findings.filter((f) => f.status === "fail" && !f.exemption);
    const highOrAbove = failing.filter((f) => SEVERITIES.indexOf(f.severity) <= high).length;
    if (failing.length > 0) worst.push({ cluster: snapshot.ref, fail: failing.length, highOrAbove });

    const nodes = snapshot.extras.nodes;
    for (const node of nodes?.ok ? nodes.value : []) {
      if (!node.rebootRequiredSince) continue;
      const since = Date.parse(node.rebootRequiredSince);
      if (Number.isNaN(since)) continue;
      reboots.push({
        cluster: snapshot.ref,
        node: node.name,
        ...(node.pool ? { pool: node.pool } : {}),
        since: node.rebootRequiredSince,
        hours: Math.floor((now.getTime() - since) / 3_600_000),
      });
    }

    for (const pool of snapshot.cluster.agentPoolProfiles ?? []) {
      const profile = snapshot.extras.poolUpgradeProfiles?.[pool.name.toLowerCase()];
      const latest = profile?.ok ? profile.value.latestNodeImageVersion : undefined;
      const current = parseNodeImageVersion(pool.nodeImageVersion);
      const newest = parseNodeImageVersion(latest);
      if (!pool.nodeImageVersion || !current || !newest) continue;
      const { daysBehind } = nodeImageLag(current, newest);
      if (daysBehind > 0) {
        images.push({ cluster: snapshot.ref, pool: pool.name, image: pool.nodeImageVersion, ...(latest ? { latest } : {}), daysBehind });
      }
    }
  }
  worst.sort((a, b) => b.highOrAbove - a.highOrAbove || b.fail - a.fail || a.cluster.id.localeCompare(b.cluster.id));
  reboots.sort((a, b) => b.hours - a.hours || a.node.localeCompare(b.node));
  images.sort((a, b) => b.daysBehind - a.daysBehind || a.pool.localeCompare(b.pool));
  return {
    kind: "digest",
    alertId: randomUUID(),
    at: now.toISOString(),
    clusters: results.length,
    failingClusters: worst.filter((entry) => entry.highOrAbove > 0).length,
    counts,
    worst: worst.slice(0, TOP),
    longestReboots: reboots.slice(0, TOP),
    stalestImages: images.slice(0, TOP),
  };
}
