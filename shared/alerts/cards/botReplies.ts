/**
 * The Teams bot's replies: a cluster's status, its failing findings, a short notice (recheck result,
 * snooze confirmation, a refusal), the candidates of an ambiguous name, help. Same rules as the alert
 * cards: text only through `Markdown` (user values escaped), links only from `clusterLink`, Adaptive
 * Card 1.4 (`CARD_VERSION`), under the size limit.
 */
import type { ClusterRef } from "../../model/snapshot.js";
import type { ClusterSummaryRecord, FindingRecord, Suppression } from "../../store/types.js";
import { bySeverity, severityLabel } from "../../report/severity.js";
import { portalAction, recheckAction, snoozeAction } from "./actions.js";
import {
  adaptiveCard,
  container,
  fact,
  factSet,
  submit,
  textBlock,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type ContainerStyle,
} from "./adaptiveCard.js";
import { clusterName, escapeName, heading, moreLine, sectionTitle, smallLine, whereLine } from "./blocks.js";
import { bold, escapeText, joinMarkdown, md, type Markdown } from "./escape.js";
import { formatUtc, plural } from "./format.js";
import { clusterLink, type ClusterLink } from "./portalLink.js";
import { fitCard, type Detail } from "./size.js";

/** The `data` of the bot's "Show findings" button. */
export type ShowFindingsData = { verb: "showFindings"; clusterId: string };

export function showFindingsAction(link: ClusterLink): CardAction {
  const data: ShowFindingsData = { verb: "showFindings", clusterId: link.clusterId };
  return submit("Show findings", data);
}

export type Tone = "good" | "warning" | "attention" | "default";

export interface Notice {
  title: Markdown;
  tone?: Tone;
  lines?: readonly Markdown[];
  facts?: ReadonlyArray<readonly [Markdown, Markdown]>;
  actions?: CardAction[];
}

const MAX_NOTICE_LINES = 20;

/** A short reply: a title in a coloured header, a few lines, facts, buttons. */
export function noticeCard(notice: Notice): AdaptiveCard {
  const lines = notice.lines ?? [];
  const shown = lines.slice(0, MAX_NOTICE_LINES);
  const body: CardElement[] = [container([heading(notice.title)], { style: containerStyle(notice.tone ?? "default") })];
  body.push(...shown.map((line) => textBlock(line, { spacing: "Small" })));
  body.push(...moreLine(lines.length - shown.length, ["line", "lines"]));
  if (notice.facts && notice.facts.length > 0) body.push(factSet(notice.facts.map(([title, value]) => fact(title, value))));
  return fitCard(
    () => adaptiveCard(body, notice.actions ?? [], notice.title),
    () => adaptiveCard([heading(notice.title)], [], notice.title),
  ).card;
}

function containerStyle(tone: Tone): ContainerStyle {
  return tone === "default" ? "emphasis" : tone;
}

/** The failing checks of a cluster, as stored (status `fail`), most severe first. */
export function failingFindings(findings: Iterable<FindingRecord>): FindingRecord[] {
  return bySeverity([...findings].filter((finding) => finding.status === "fail"));
}

export interface StatusInput {
  summary: ClusterSummaryRecord;
  failing: readonly FindingRecord[];
  suppressions: readonly Suppression[];
  now: string;
}

const STATUS_TOP = 5;

/** `status <cluster>`: the posture counts, when and how it was last evaluated, the worst failures, and buttons. */
export function clusterStatusCard(input: StatusInput): AdaptiveCard {
  return fitCard(
    (detail) => buildStatusCard(input, detail),
    () => adaptiveCard([heading(md`${bold(clusterName(input.summary.ref))}: status`)]),
  ).card;
}

function buildStatusCard({ summary, failing, suppressions, now }: StatusInput, detail: Detail): AdaptiveCard {
  const ref = summary.ref;
  const link = clusterLink(ref);
  const counts = summary.summary;
  const snoozed = new Map(suppressions.map((suppression) => [suppression.check.toLowerCase(), suppression]));
  const title = summary.deletedAt
    ? md`${bold(clusterName(ref))} was deleted`
    : counts.fail > 0
      ? md`${bold(clusterName(ref))}: ${plural(counts.fail, "failing check")}`
      : md`${bold(clusterName(ref))}: no failing checks`;
  const style: ContainerStyle = summary.deletedAt ? "emphasis" : counts.fail > 0 ? "attention" : counts.error > 0 ? "warning" : "good";
  const evaluated = formatUtc(summary.lastEvaluatedAt, now);
  const header: CardElement[] = [heading(title), whereLine(ref, summary.location)];
  if (evaluated) header.push(smallLine(md`Last evaluated ${evaluated} (${escapeText(summary.lastTrigger, 20)})`, true));
  const body: CardElement[] = [container(header, { style })];
  const facts = [
    fact(md`Failing`, md`${counts.fail}`),
    fact(md`Could not be checked`, md`${counts.error}`),
    fact(md`Passing`, md`${counts.pass}`),
    fact(md`Exempt`, md`${counts.exempt}`),
  ];
  if (summary.kubernetesVersion) facts.push(fact(md`Kubernetes`, escapeText(summary.kubernetesVersion, 40)));
  if (summary.deletedAt) facts.push(fact(md`Deleted`, escapeText(formatUtc(summary.deletedAt, now) ?? summary.deletedAt, 40)));
  body.push(factSet(facts));
  const top = failing.slice(0, Math.min(STATUS_TOP, detail.items));
  if (top.length > 0) {
    body.push(sectionTitle(md`Worst failures`));
    body.push(...top.map((finding) => smallLine(findingLine(finding, snoozed.get(finding.check.toLowerCase()), now))));
    body.push(...moreLine(failing.length - top.length, ["failure", "failures"], "see Show findings"));
  }
  const actions: CardAction[] = [];
  if (link) {
    actions.push(portalAction(link));
    if (!summary.deletedAt) actions.push(recheckAction(link));
    if (failing.length > 0) actions.push(showFindingsAction(link));
  }
  return adaptiveCard(body, actions, title);
}

export interface FindingsInput {
  ref: ClusterRef;
  failing: readonly FindingRecord[];
  suppressions: readonly Suppression[];
  now: string;
  lastEvaluatedAt?: string;
}

/** "Show findings": every failing check of the cluster (up to the size limit) with its message, age and snooze. */
export function clusterFindingsCard(input: FindingsInput): AdaptiveCard {
  return fitCard(
    (detail) => buildFindingsCard(input, { ...detail, items: Math.max(detail.items, detail.moreItems) }),
    () => adaptiveCard([heading(md`${bold(clusterName(input.ref))}: ${plural(input.failing.length, "failing check")}`)]),
  ).card;
}

function buildFindingsCard({ ref, failing, suppressions, now, lastEvaluatedAt }: FindingsInput, detail: Detail): AdaptiveCard {
  const link = clusterLink(ref);
  const snoozed = new Map(suppressions.map((suppression) => [suppression.check.toLowerCase(), suppression]));
  const title =
    failing.length === 0 ? md`${bold(clusterName(ref))}: no failing checks` : md`${bold(clusterName(ref))}: ${plural(failing.length, "failing check")}`;
  const header: CardElement[] = [heading(title), whereLine(ref)];
  const evaluated = lastEvaluatedAt ? formatUtc(lastEvaluatedAt, now) : undefined;
  if (evaluated) header.push(smallLine(md`Last evaluated ${evaluated}`, true));
  const body: CardElement[] = [container(header, { style: failing.length > 0 ? "attention" : "good" })];
  const shown = failing.slice(0, detail.items);
  for (const finding of shown) {
    const items: CardElement[] = [textBlock(findingLine(finding, snoozed.get(finding.check.toLowerCase()), now))];
    const since = finding.firstSeen ? formatUtc(finding.firstSeen, now) : undefined;
    const notes: Markdown[] = [];
    if (since) notes.push(md`failing since ${since}`);
    if (finding.lastStatus === "error") notes.push(md`the last evaluation could not check it`);
    if (notes.length > 0 && detail.evidence) items.push(smallLine(joinMarkdown(notes, md`; `), true));
    body.push(container(items, { separator: true, spacing: "Small" }));
  }
  body.push(...moreLine(failing.length - shown.length, ["failure", "failures"], "run aksmon check for the full report"));
  const actions: CardAction[] = [];
  if (link) {
    actions.push(portalAction(link), recheckAction(link));
    if (failing.length > 0) actions.push(snoozeAction(link));
  }
  return adaptiveCard(body, actions, title);
}

/** `**High** check-id: message (snoozed until … by …)`. */
function findingLine(finding: FindingRecord, suppression: Suppression | undefined, now: string): Markdown {
  const label = bold(severityLabel(finding.severity));
  const text = escapeText(finding.message || finding.title, 300);
  const snooze = suppression
    ? md` (snoozed until ${formatUtc(suppression.until, now) ?? suppression.until} by ${escapeText(suppression.by, 80)})`
    : md``;
  return md`${label} ${escapeText(finding.check, 80)}: ${text}${snooze}`;
}

/** An ambiguous name: the clusters it could mean, as `resourceGroup/name` in their subscription. */
export function candidatesCard(query: string, candidates: readonly ClusterRef[], limit = 10): AdaptiveCard {
  const shown = candidates.slice(0, limit);
  const lines = shown.map(
    (ref) => md`${escapeName(ref.resourceGroup)}/${clusterName(ref)} in subscription ${escapeName(ref.subscriptionId)}`,
  );
  const hidden = candidates.length - shown.length;
  if (hidden > 0) lines.push(md`+${hidden} more`);
  return noticeCard({
    title: md`${bold(escapeText(query, 100))} matches ${plural(candidates.length, "cluster")}`,
    tone: "warning",
    lines: [...lines, md`Name one as resourceGroup/name, or give its full resource id.`],
  });
}

/** `help`, and the answer to anything the bot does not understand. */
export function helpCard(intro?: Markdown): AdaptiveCard {
  const command = (text: string, what: string) => md`${bold(escapeText(text))}: ${what}`;
  return noticeCard({
    title: intro ?? md`aksmon commands`,
    lines: [
      command("status <cluster>", "the cluster's posture and its worst failures"),
      command("recheck <cluster>", "evaluate the cluster now (once a minute at most)"),
      command("help", "this list"),
      md`A cluster is its name, resourceGroup/name, or its full resource id. The alert cards' buttons recheck, snooze (with a reason) and list the findings.`,
    ],
  });
}
