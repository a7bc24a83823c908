import { parseClusterId } from "../../model/clusterRef.js";
import type { DigestAlert } from "../../model/alerts.js";
import type { CardOptions } from "./actions.js";
import {
  adaptiveCard,
  container,
  fact,
  factSet,
  showCard,
  subCard,
  type AdaptiveCard,
  type CardElement,
} from "./adaptiveCard.js";
import { clusterName, escapeName, heading, moreLine, sectionTitle, smallLine, type Noun } from "./blocks.js";
import { bold, escapeText, md, type Markdown } from "./escape.js";
import { count, formatUtc, formatWait, plural } from "./format.js";
import { fitCard, type Detail } from "./size.js";

type Reboot = DigestAlert["longestReboots"][number];
type StaleImage = DigestAlert["stalestImages"][number];
type WorstCluster = DigestAlert["worst"][number];
type Unevaluated = NonNullable<DigestAlert["unevaluated"]>[number];
type DeadAlert = NonNullable<DigestAlert["delivery"]>["deadAlerts"][number];

const WAITING: Noun = ["node waiting", "nodes waiting"];
const BEHIND: Noun = ["node pool behind", "node pools behind"];
const CLUSTERS: Noun = ["cluster", "clusters"];
const DEAD: Noun = ["dead alert", "dead alerts"];
const KIND_LABELS: Record<DeadAlert["kind"], string> = {
  drift: "Drift",
  nodePoolUpgradeFailed: "Node pool upgrade failed",
  supportEnding: "Support ending",
  supportEnded: "Support ended",
  maintenanceFailed: "Maintenance failed",
  digest: "Fleet digest",
};
const FAILING_MEANS = "failing: at least one failure at high or above";

/** Rows per list in the card's body; the rest is behind "Show more". */
const BODY_ROWS = 5;
const MAX_IMAGE_CHARS = 80;

/**
 * The nightly digest. It leads with the nodes that have waited longest for a reboot (what the
 * node-patching owner reads first), then the node images furthest behind, then the fleet's posture
 * and its worst clusters. Always under the size limit. The digest has no buttons beyond "Show more",
 * so both channels get the same card.
 */
export function digestCard(alert: DigestAlert, _options: CardOptions): AdaptiveCard {
  return fitCard(
    (detail) => buildDigestCard(alert, detail),
    () => adaptiveCard([header(alert)]),
  ).card;
}

export function buildDigestCard(alert: DigestAlert, detail: Detail): AdaptiveCard {
  const reboots = [...alert.longestReboots].sort((a, b) => b.hours - a.hours);
  const images = [...alert.stalestImages].sort((a, b) => b.daysBehind - a.daysBehind);
  const worst = [...alert.worst].sort((a, b) => b.highOrAbove - a.highOrAbove || b.fail - a.fail);
  const rows = Math.min(detail.items, BODY_ROWS);

  const body: CardElement[] = [
    header(alert),
    // Only when alerts were undelivered or dead as the digest was built: first, since they are news nobody got.
    ...deliverySection(alert, rows, detail),
    // Only a sweep with clusters that could not be evaluated has this section (older digests are unchanged).
    ...section(md`Not evaluated`, alert.unevaluated ?? [], rows, unevaluatedLine, CLUSTERS),
    ...section(md`Longest-waiting reboots`, reboots, rows, rebootLineOf(detail), WAITING, md`No node is waiting for a reboot.`),
    ...section(md`Node images furthest behind`, images, rows, imageLineOf(detail), BEHIND, md`Every node pool runs a current image.`),
    sectionTitle(md`Fleet posture`),
    postureFacts(alert),
    ...section(md`Worst clusters`, worst, rows, worstLine, CLUSTERS, md`No cluster has a failing check.`),
  ];

  const unevaluated = alert.unevaluated ?? [];
  const dead = alert.delivery?.deadAlerts ?? [];
  const longest = Math.max(reboots.length, images.length, worst.length, unevaluated.length, dead.length);
  const more =
    detail.moreItems > 0 && longest > rows
      ? [
          showCard(
            "Show more",
            subCard([
              ...section(md`Dead alerts`, dead, detail.moreItems, deadLineOf(detail), DEAD),
              ...section(md`Not evaluated`, unevaluated, detail.moreItems, unevaluatedLine, CLUSTERS),
              ...section(md`Reboots`, reboots, detail.moreItems, rebootLineOf(detail), WAITING),
              ...section(md`Node images`, images, detail.moreItems, imageLineOf(detail), BEHIND),
              ...section(md`Clusters`, worst, detail.moreItems, worstLine, CLUSTERS),
            ]),
          ),
        ]
      : [];
  return adaptiveCard(body, more, titleText(alert));
}

function titleText(alert: DigestAlert): Markdown {
  const clusters = count(alert.clusters);
  return md`${bold("AKS fleet digest")}: ${plural(clusters, "cluster")}, ${count(alert.failingClusters)} failing`;
}

function header(alert: DigestAlert): CardElement {
  const when = formatUtc(alert.at);
  return container(
    [
      heading(titleText(alert)),
      smallLine(when ? md`${when} · ${FAILING_MEANS}` : md`${FAILING_MEANS}`, true),
    ],
    { style: count(alert.failingClusters) > 0 ? "warning" : "good" },
  );
}

function section<T>(
  title: Markdown,
  rows: readonly T[],
  limit: number,
  line: (row: T) => Markdown,
  hiddenNoun: Noun,
  empty?: Markdown,
): CardElement[] {
  if (rows.length === 0) return empty ? [sectionTitle(title), smallLine(empty, true)] : [];
  const shown = rows.slice(0, limit);
  return [sectionTitle(title), ...shown.map((row) => smallLine(line(row))), ...moreLine(rows.length - shown.length, hiddenNoun)];
}

/**
 * "Delayed or dead alerts": how many alerts had not reached Teams when the digest was built (and since
 * when), how many were given up on, and which (their kind, cluster, last error), with the way to re-queue them.
 */
function deliverySection(alert: DigestAlert, rows: number, detail: Detail): CardElement[] {
  const delivery = alert.delivery;
  if (!delivery || (delivery.pending === 0 && delivery.dead === 0)) return [];
  const lines: CardElement[] = [sectionTitle(md`Delayed or dead alerts`)];
  if (delivery.pending > 0) {
    const since = delivery.oldestPendingAt ? formatUtc(delivery.oldestPendingAt, alert.at) : undefined;
    lines.push(smallLine(md`${bold(plural(count(delivery.pending), "alert"))} not delivered yet${since ? md`, the oldest since ${since}` : md``}: they are retried and will follow.`));
  }
  if (delivery.dead > 0) {
    lines.push(smallLine(md`${bold(plural(count(delivery.dead), "alert"))} given up on (dead): list them with aksmon outbox, re-queue them with aksmon outbox --redrive.`));
    const shown = delivery.deadAlerts.slice(0, rows);
    lines.push(...shown.map((row) => smallLine(deadLine(row, detail))), ...moreLine(count(delivery.dead) - shown.length, DEAD));
  }
  return lines;
}

function deadLineOf(detail: Detail): (row: DeadAlert) => Markdown {
  return (row) => deadLine(row, detail);
}

function deadLine(row: DeadAlert, detail: Detail): Markdown {
  const label = escapeText(KIND_LABELS[row.kind] ?? row.kind, 40);
  const on = row.cluster ? md` on ${where({ cluster: row.cluster })}` : md``;
  const written = formatUtc(row.createdAt);
  const when = detail.evidence && written ? md`, written ${written}` : md``;
  const error = row.lastError ? md`: ${escapeText(row.lastError, detail.evidence ? 200 : 80)}` : md``;
  return md`${bold(label)}${on}${when}${error}`;
}

function where(row: { cluster: WorstCluster["cluster"] }): Markdown {
  return md`${clusterName(row.cluster)} (${escapeName(row.cluster.resourceGroup)})`;
}

function rebootLineOf(detail: Detail): (row: Reboot) => Markdown {
  return (row) => rebootLine(row, detail);
}

function imageLineOf(detail: Detail): (row: StaleImage) => Markdown {
  return (row) => imageLine(row, detail);
}

function rebootLine(row: Reboot, detail: Detail): Markdown {
  const pool = row.pool ? md`, pool ${escapeName(row.pool)}` : md``;
  const since = detail.evidence ? formatUtc(row.since) : undefined;
  const sinceText = since ? md`, since ${since}` : md``;
  return md`${bold(formatWait(row.hours))} ${escapeName(row.node)}${pool} on ${where(row)}${sinceText}`;
}

function imageLine(row: StaleImage, detail: Detail): Markdown {
  const days = count(row.daysBehind);
  const latest = row.latest ? md`, latest ${escapeText(row.latest, MAX_IMAGE_CHARS)}` : md``;
  const image = detail.evidence ? md`: ${escapeText(row.image, MAX_IMAGE_CHARS)}${latest}` : md``;
  return md`${bold(plural(days, "day"))} behind: pool ${escapeName(row.pool)} on ${where(row)}${image}`;
}

function unevaluatedLine(row: Unevaluated): Markdown {
  const ref = parseClusterId(row.clusterId);
  const name = ref ? md`${bold(clusterName(ref))} (${escapeName(ref.resourceGroup)})` : escapeText(row.clusterId, MAX_IMAGE_CHARS);
  return md`${name}: ${escapeText(row.reason, 200)}`;
}

function worstLine(row: WorstCluster): Markdown {
  const name = md`${bold(clusterName(row.cluster))} (${escapeName(row.cluster.resourceGroup)})`;
  return md`${name}: ${count(row.fail)} failing, ${count(row.highOrAbove)} high or above`;
}

function postureFacts(alert: DigestAlert): CardElement {
  const { pass, fail, error, exempt } = alert.counts;
  return factSet([
    fact(md`Clusters`, md`${count(alert.clusters)}`),
    fact(md`Failing clusters`, md`${count(alert.failingClusters)}`),
    fact(md`Failing checks`, md`${count(fail)}`),
    fact(md`Passing checks`, md`${count(pass)}`),
    fact(md`Could not be checked`, md`${count(error)}`),
    fact(md`Exempt`, md`${count(exempt)}`),
  ]);
}
