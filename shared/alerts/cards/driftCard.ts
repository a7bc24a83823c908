import type { Evidence } from "../../baseline/types.js";
import type { Actor, ClusterAlert, SettingChange, Transition, Trigger } from "../../model/alerts.js";
import { bySeverity, severityLabel, severityRank } from "../../report/severity.js";
import { portalAction, recheckAction, snoozeAction, type CardOptions } from "./actions.js";
import {
  adaptiveCard,
  container,
  subCard,
  showCard,
  textBlock,
  type AdaptiveCard,
  type CardAction,
  type CardElement,
  type ContainerStyle,
} from "./adaptiveCard.js";
import { clusterName, commandBlock, heading, moreLine, sectionTitle, smallLine, whereLine } from "./blocks.js";
import { bold, escapeText, joinMarkdown, md, type Markdown } from "./escape.js";
import { formatUtc, plural, summariseValue } from "./format.js";
import { clusterLink, type ClusterLink } from "./portalLink.js";
import { fitCard, type Detail } from "./size.js";

/** From this many status changes in the flap window an item says it flaps. */
export const FLAPPING_FROM = 3;
const MAX_CHANGES_PER_ITEM = 4;
const MAX_EVIDENCE_PER_ITEM = 3;
const MAX_MESSAGE_CHARS = 400;
const MAX_PATH_CHARS = 150;
/** A check id that may go into a snooze's data (catalogue ids are short kebab-case). */
const CHECK_ID = /^[a-z0-9][a-z0-9.-]{0,79}$/i;

/**
 * One card for one cluster's news: new failures with what changed, who changed it and how to fix
 * it, then what resolved; a short "resolved" card when nothing new fails. Always under the size limit.
 */
export function driftCard(alert: ClusterAlert, options: CardOptions): AdaptiveCard {
  return fitCard(
    (detail) => buildDriftCard(alert, options, detail),
    () => oversizedDriftCard(alert),
  ).card;
}

export function buildDriftCard(alert: ClusterAlert, options: CardOptions, detail: Detail): AdaptiveCard {
  const link = clusterLink(alert.cluster);
  const failures = bySeverity(alert.failures);
  const resolved = bySeverity(alert.resolved);
  const body: CardElement[] = [header(alert, failures, resolved)];
  const attribution = new Attribution(alert.trigger, alert.evaluatedAt);

  if (failures.length > 0) {
    const shown = failures.slice(0, detail.items);
    body.push(...shown.map((item) => failureItem(item, detail, attribution, link)));
    body.push(...moreLine(failures.length - shown.length, ["failure", "failures"], hiddenWhere(detail)));
    if (resolved.length > 0) body.push(resolvedSummary(resolved, detail.items));
  } else {
    const shown = resolved.slice(0, detail.items);
    body.push(...shown.map((item) => resolvedItem(item, detail, attribution)));
    body.push(...moreLine(resolved.length - shown.length, ["resolved", "resolved"], hiddenWhere(detail)));
  }

  const actions: CardAction[] = [];
  if (link) actions.push(portalAction(link));
  if (link && options.channel === "bot" && failures.length > 0) {
    const only = failures.length === 1 ? failures[0]!.check : undefined;
    actions.push(recheckAction(link), snoozeAction(link, only && CHECK_ID.test(only) ? only : undefined));
  }
  // A resolved-only card stays short: its list is the card itself unless items were left out.
  const hidden = failures.length > 0 || resolved.length > detail.items;
  if (detail.moreItems > 0 && hidden) {
    actions.push(showCard("Show all findings", allFindingsCard(alert, failures, resolved, detail.moreItems)));
  }
  return adaptiveCard(body, actions, titleText(alert, failures, resolved));
}

function hiddenWhere(detail: Detail): string {
  return detail.moreItems > 0 ? "see Show all findings" : "open the cluster in the Azure portal";
}

function titleText(alert: ClusterAlert, failures: readonly Transition[], resolved: readonly Transition[]): Markdown {
  const name = bold(clusterName(alert.cluster));
  if (failures.length === 0) return md`${name}: ${plural(resolved.length, "finding")} resolved`;
  const snoozeEnded = failures.filter((item) => item.snoozeEnded).length;
  const errors = failures.filter((item) => item.kind === "error").length;
  const newFailures = failures.length - errors - snoozeEnded;
  const parts: string[] = [];
  if (newFailures > 0) parts.push(plural(newFailures, "new failure"));
  if (snoozeEnded > 0) parts.push(`${snoozeEnded} snooze${snoozeEnded === 1 ? "" : "s"} ended, still failing`);
  if (errors > 0) parts.push(`${errors} could not be checked`);
  if (resolved.length > 0) parts.push(`${resolved.length} resolved`);
  return md`${name} drifted: ${parts.join(", ")}`;
}

function header(alert: ClusterAlert, failures: readonly Transition[], resolved: readonly Transition[]): CardElement {
  const when = formatUtc(alert.evaluatedAt);
  const how = triggerPhrase(alert.trigger);
  const evaluated = when ? md`Evaluated ${when}${how}` : md`Evaluated${how}`;
  return container(
    [heading(titleText(alert, failures, resolved)), whereLine(alert.cluster, alert.cluster.location), smallLine(evaluated, true)],
    { style: headerStyle(failures) },
  );
}

function headerStyle(failures: readonly Transition[]): ContainerStyle {
  if (failures.length === 0) return "good";
  return failures.some((item) => severityRank(item.severity) <= severityRank("high")) ? "attention" : "warning";
}

function triggerPhrase(trigger: Trigger): Markdown {
  switch (trigger.kind) {
    case "event":
      return md` after a change event`;
    case "sweep":
      return md` by a sweep`;
    case "recheck":
      return md` on a recheck`;
    case "cli":
      return md` from the command line`;
    default:
      return md``;
  }
}

function failureItem(item: Transition, detail: Detail, attribution: Attribution, link: ClusterLink | undefined): CardElement {
  const items: CardElement[] = [textBlock(itemLine(item))];
  if (item.flaps >= FLAPPING_FROM) {
    items.push(smallLine(md`Flapping: ${item.flaps} status changes in the flap window.`, true));
  }
  if (detail.evidence) items.push(...(item.changes.length > 0 ? changeLines(item.changes) : evidenceLines(item.evidence)));
  items.push(...attribution.lines(item));
  // A command names the cluster: only shown when the cluster's id and names passed validation.
  if (detail.fixes && link && item.remediation) items.push(...commandBlock("Fix", [item.remediation]));
  return container(items, { separator: true, spacing: "Medium" });
}

function itemLine(item: Transition): Markdown {
  const state = item.snoozeEnded
    ? md` (snooze ended, still failing)`
    : item.kind === "regressed"
      ? md` (failing again)`
      : item.kind === "error"
        ? md` (could not be checked)`
        : md``;
  return labelledLine(bold(severityLabel(item.severity)), item, state);
}

/** `**High** check-id: message`. */
function labelledLine(label: Markdown, item: Transition, state: Markdown = md``): Markdown {
  return md`${label} ${escapeText(item.check, 80)}${state}: ${escapeText(item.message || item.title, MAX_MESSAGE_CHARS)}`;
}

function changeLines(changes: readonly SettingChange[]): CardElement[] {
  const shown = changes.slice(0, MAX_CHANGES_PER_ITEM).map((change) => {
    const path = escapeText(displayPath(change.path), MAX_PATH_CHARS);
    return smallLine(md`${path}: ${summariseValue(change.path, change.before)} → ${summariseValue(change.path, change.after)}`);
  });
  return [...shown, ...moreLine(changes.length - shown.length, ["changed setting", "changed settings"])];
}

function evidenceLines(evidence: readonly Evidence[]): CardElement[] {
  const shown = evidence.slice(0, MAX_EVIDENCE_PER_ITEM).map((row) => {
    const path = escapeText(displayPath(row.path), MAX_PATH_CHARS);
    const value = row.value === undefined ? "absent" : summariseValue(row.path, row.value);
    const expected = row.expected === undefined ? md`` : md` (expected ${escapeText(row.expected, 80)})`;
    return smallLine(md`${path} = ${value}${expected}`, true);
  });
  return [...shown, ...moreLine(evidence.length - shown.length, ["evidence row", "evidence rows"])];
}

/** `properties.apiServerAccessProfile.authorizedIPRanges` reads as the portal and the CLI name it. */
function displayPath(path: string): string {
  return path.replace(/^properties\./, "");
}

/**
 * Who made the change: said in full on the first item that changed, then "Same change." (one ARM
 * write usually breaks several checks).
 */
class Attribution {
  private told = false;

  constructor(
    private readonly trigger: Trigger,
    private readonly evaluatedAt: string,
  ) {}

  lines(item: Transition): CardElement[] {
    const actor = this.trigger.actor;
    if (!actor || item.changes.length === 0) return [];
    if (this.told) return [smallLine(md`Same change.`, true)];
    this.told = true;
    return [smallLine(actorLine(actor, this.evaluatedAt), true)];
  }
}

function actorLine(actor: Actor, evaluatedAt: string): Markdown {
  const at = formatUtc(actor.at, evaluatedAt);
  const when = at ? md` at ${at}` : md``;
  const operation = actor.operation ? md` (${operationKind(actor.operation)}${escapeText(actor.operation, 120)})` : md``;
  return md`Changed by ${escapeText(actor.name || "an unknown principal", 120)}${when}${operation}.`;
}

function operationKind(operation: string): Markdown {
  if (/\/write$/i.test(operation)) return md`ARM write `;
  if (/\/delete$/i.test(operation)) return md`ARM delete `;
  if (/\/action$/i.test(operation)) return md`ARM action `;
  return md``;
}

function resolvedSummary(resolved: readonly Transition[], limit: number): CardElement {
  const shown = resolved.slice(0, Math.max(limit, 1)).map((item) => escapeText(item.check, 80));
  const hidden = resolved.length - shown.length;
  const more = hidden > 0 ? md`, +${hidden} more` : md``;
  return textBlock(md`${bold("Resolved")}: ${joinMarkdown(shown)}${more}`, { separator: true, spacing: "Medium" });
}

function resolvedItem(item: Transition, detail: Detail, attribution: Attribution): CardElement {
  const items: CardElement[] = [textBlock(labelledLine(bold("Resolved"), item))];
  if (detail.evidence) items.push(...changeLines(item.changes));
  items.push(...attribution.lines(item));
  return container(items, { separator: true, spacing: "Medium" });
}

/** The compact list behind "Show all findings": one line per item. */
function allFindingsCard(
  alert: ClusterAlert,
  failures: readonly Transition[],
  resolved: readonly Transition[],
  limit: number,
): AdaptiveCard {
  const body: CardElement[] = [];
  if (failures.length > 0) {
    body.push(sectionTitle(md`Failing (${failures.length})`));
    const shown = failures.slice(0, limit);
    body.push(...shown.map((item) => smallLine(itemLine(item))));
    body.push(...moreLine(failures.length - shown.length, ["failure", "failures"], "run aksmon check for the full report"));
  }
  if (resolved.length > 0) {
    body.push(sectionTitle(md`Resolved (${resolved.length})`));
    const shown = resolved.slice(0, limit);
    body.push(...shown.map((item) => smallLine(labelledLine(bold(severityLabel(item.severity)), item))));
    body.push(...moreLine(resolved.length - shown.length, ["resolved", "resolved"]));
  }
  if (alert.stillFailing > 0) {
    const others = md`${plural(alert.stillFailing, "other check")} still ${alert.stillFailing === 1 ? "fails" : "fail"}`;
    body.push(smallLine(md`${others} without an alert (reported before, below the alert minimum, snoozed or exempt).`, true));
  }
  return subCard(body);
}

/** Past the last step of the size ladder (it cannot happen with capped values, but a card always goes out). */
function oversizedDriftCard(alert: ClusterAlert): AdaptiveCard {
  const link = clusterLink(alert.cluster);
  const failures = alert.failures.length;
  const resolved = alert.resolved.length;
  return adaptiveCard(
    [
      heading(md`${bold(clusterName(alert.cluster))} drifted: ${plural(failures, "failure")}, ${resolved} resolved`),
      textBlock(md`Too much detail for a Teams card: open the cluster in the Azure portal or run aksmon check.`, {
        isSubtle: true,
      }),
    ],
    link ? [portalAction(link)] : [],
  );
}
