/**
 * The nightly digest of a sweep: fleet posture, the worst clusters, and what the node-patching owner
 * asks for first: the longest-waiting reboots and the node images furthest behind.
 *
 * One way to build it: each cluster's evaluation is reduced to a small `DigestPart` (what the digest
 * keeps of it), and the digest is built from the parts. The command line builds the parts in memory;
 * the Functions app's fan-out stores one part per cluster in the sweep record and builds the digest when
 * the last cluster is done.
 */
import { randomUUID } from "node:crypto";
import { nodeImageLag, parseNodeImageVersion } from "../baseline/nodeImageVersion.js";
import { SEVERITIES, type ClusterEvaluation } from "../baseline/types.js";
import type { ClusterRef, ClusterSnapshot } from "../model/snapshot.js";
import type { DigestAlert, DigestDelivery, DigestPart, NodeHealth } from "../model/alerts.js";
import type { OutboxSummary } from "../store/outbox.js";
import type { OutboxEntry } from "../store/types.js";

const TOP = 10;

export function nodeHealthOf(snapshot: ClusterSnapshot): NodeHealth {
  const reboots: NodeHealth["reboots"] = [];
  const nodes = snapshot.extras.nodes;
  for (const node of nodes?.ok ? nodes.value : []) {
    if (!node.rebootRequiredSince || Number.isNaN(Date.parse(node.rebootRequiredSince))) continue;
    reboots.push({ node: node.name, ...(node.pool ? { pool: node.pool } : {}), since: node.rebootRequiredSince });
  }
  const pools: NodeHealth["pools"] = [];
  for (const pool of snapshot.cluster.agentPoolProfiles ?? []) {
    if (!pool.nodeImageVersion) continue;
    const profile = snapshot.extras.poolUpgradeProfiles?.[pool.name.toLowerCase()];
    const latest = profile?.ok ? profile.value.latestNodeImageVersion : undefined;
    const current = parseNodeImageVersion(pool.nodeImageVersion);
    const newest = parseNodeImageVersion(latest);
    pools.push({
      pool: pool.name,
      image: pool.nodeImageVersion,
      ...(latest ? { latest } : {}),
      ...(current && newest ? { daysBehind: Math.max(0, nodeImageLag(current, newest).daysBehind) } : {}),
      ...(typeof pool.count === "number" ? { nodes: pool.count } : {}),
    });
  }
  reboots.sort((a, b) => Date.parse(a.since) - Date.parse(b.since) || a.node.localeCompare(b.node));
  pools.sort((a, b) => (b.daysBehind ?? -1) - (a.daysBehind ?? -1) || a.pool.localeCompare(b.pool));
  return { reboots, pools };
}

/** The digest's share of one evaluated cluster. */
export function digestPartOf(snapshot: ClusterSnapshot, evaluation: ClusterEvaluation): DigestPart {
  const high = SEVERITIES.indexOf("high");
  const failing = evaluation.findings.filter((f) => f.status === "fail" && !f.exemption);
  const health = nodeHealthOf(snapshot);
  const images: DigestPart["images"] = health.pools
    .flatMap(({ pool, image, latest, daysBehind }) => (daysBehind ? [{ pool, image, ...(latest ? { latest } : {}), daysBehind }] : []));
  return {
    cluster: snapshot.ref,
    counts: { pass: evaluation.summary.pass, fail: evaluation.summary.fail, error: evaluation.summary.error, exempt: evaluation.summary.exempt },
    fail: failing.length,
    highOrAbove: failing.filter((f) => SEVERITIES.indexOf(f.severity) <= high).length,
    reboots: health.reboots.slice(0, TOP),
    images: images.slice(0, TOP),
  };
}

export function buildDigest(
  results: ReadonlyArray<{ snapshot: ClusterSnapshot; evaluation: ClusterEvaluation }>,
  now: Date,
): DigestAlert {
  return buildDigestFromParts(
    results.map(({ snapshot, evaluation }) => digestPartOf(snapshot, evaluation)),
    now,
  );
}

/** The digest of a sweep from its clusters' parts; `unevaluated` names the clusters that could not be evaluated. */
export function buildDigestFromParts(
  parts: readonly DigestPart[],
  now: Date,
  options: { alertId?: string; unevaluated?: DigestAlert["unevaluated"]; delivery?: DigestDelivery } = {},
): DigestAlert {
  const counts = { pass: 0, fail: 0, error: 0, exempt: 0 };
  const worst: DigestAlert["worst"] = [];
  const reboots: DigestAlert["longestReboots"] = [];
  const images: DigestAlert["stalestImages"] = [];
  for (const part of parts) {
    counts.pass += part.counts.pass;
    counts.fail += part.counts.fail;
    counts.error += part.counts.error;
    counts.exempt += part.counts.exempt;
    if (part.fail > 0) worst.push({ cluster: part.cluster, fail: part.fail, highOrAbove: part.highOrAbove });
    for (const reboot of part.reboots) {
      reboots.push({ cluster: part.cluster, ...reboot, hours: Math.floor((now.getTime() - Date.parse(reboot.since)) / 3_600_000) });
    }
    for (const image of part.images) images.push({ cluster: part.cluster, ...image });
  }
  worst.sort((a, b) => b.highOrAbove - a.highOrAbove || b.fail - a.fail || a.cluster.id.localeCompare(b.cluster.id));
  reboots.sort((a, b) => b.hours - a.hours || a.node.localeCompare(b.node));
  images.sort((a, b) => b.daysBehind - a.daysBehind || a.pool.localeCompare(b.pool));
  return {
    kind: "digest",
    alertId: options.alertId ?? randomUUID(),
    at: now.toISOString(),
    clusters: parts.length,
    failingClusters: worst.filter((entry) => entry.highOrAbove > 0).length,
    counts,
    worst: worst.slice(0, TOP),
    longestReboots: reboots.slice(0, TOP),
    stalestImages: images.slice(0, TOP),
    ...(options.unevaluated && options.unevaluated.length > 0 ? { unevaluated: options.unevaluated } : {}),
    ...(options.delivery ? { delivery: options.delivery } : {}),
  };
}

/** What the digest needs of the outbox (shared/store/tableStore.ts). */
export interface DigestOutbox {
  outboxSummary(): Promise<OutboxSummary>;
  listOutbox(state: "dead"): Promise<OutboxEntry[]>;
}

/**
 * The digest's delivery section: what was still undelivered or dead when it was built; undefined when
 * nothing was. The dead alerts are read only when there are some.
 */
export async function digestDeliveryOf(outbox: DigestOutbox): Promise<DigestDelivery | undefined> {
  const summary = await outbox.outboxSummary();
  if (summary.pending === 0 && summary.dead === 0) return undefined;
  const dead = summary.dead > 0 ? await outbox.listOutbox("dead") : [];
  return {
    pending: summary.pending,
    dead: Math.max(summary.dead, dead.length),
    ...(summary.oldestPendingAt ? { oldestPendingAt: summary.oldestPendingAt } : {}),
    deadAlerts: dead.slice(0, TOP).map((entry) => ({
      alertId: entry.alertId,
      kind: entry.alert.kind,
      ...(entry.alert.kind !== "digest" ? { cluster: refOf(entry.alert.cluster) } : {}),
      createdAt: entry.createdAt,
      ...(entry.lastError ? { lastError: entry.lastError.slice(0, 300) } : {}),
    })),
  };
}

function refOf({ id, subscriptionId, resourceGroup, name }: ClusterRef): ClusterRef {
  return { id, subscriptionId, resourceGroup, name };
}
