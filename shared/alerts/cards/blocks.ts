/** Card pieces shared by the drift, lifecycle and digest cards. */
import type { ClusterRef } from "../../model/snapshot.js";
import { column, columnSet, textBlock, type CardElement, type TextBlock } from "./adaptiveCard.js";
import { escapeText, joinMarkdown, md, type Markdown } from "./escape.js";

/** Longest name shown: ARM allows 63 characters for a cluster, 90 for a resource group. */
const MAX_NAME_CHARS = 100;
/** Longest command line shown. */
const MAX_COMMAND_CHARS = 400;

export function clusterName(ref: ClusterRef): Markdown {
  return escapeText(ref.name || "(unnamed cluster)", MAX_NAME_CHARS);
}

export function escapeName(name: string): Markdown {
  return escapeText(name, MAX_NAME_CHARS);
}

/** `Subscription … · resource group … · westeurope`. */
export function whereLine(ref: ClusterRef, location?: string): TextBlock {
  const parts = [md`Subscription ${escapeName(ref.subscriptionId)}`, md`resource group ${escapeName(ref.resourceGroup)}`];
  if (location) parts.push(escapeName(location));
  return textBlock(joinMarkdown(parts, md` · `), { isSubtle: true, spacing: "None" });
}

export function heading(text: Markdown): TextBlock {
  return textBlock(text, { size: "Medium" });
}

export function sectionTitle(text: Markdown): TextBlock {
  return textBlock(text, { weight: "Bolder", separator: true, spacing: "Medium" });
}

export function smallLine(text: Markdown, subtle = false): TextBlock {
  return textBlock(text, { size: "Small", spacing: "Small", ...(subtle ? { isSubtle: true } : {}) });
}

/** A noun in the singular and the plural: `["failure", "failures"]`. */
export type Noun = readonly [one: string, many: string];

/** `+12 more failures: …` under a list that was cut. */
export function moreLine(hidden: number, [one, many]: Noun, where?: string): TextBlock[] {
  if (hidden <= 0) return [];
  const suffix = where ? md`: ${where}` : md``;
  return [textBlock(md`+${hidden} more ${hidden === 1 ? one : many}${suffix}`, { isSubtle: true, spacing: "Small" })];
}

/**
 * Commands in monospace, one TextBlock per line (a TextBlock is one paragraph: a line break
 * would be markup), labelled "Fix".
 */
export function commandBlock(label: string, commands: readonly string[], maxLines = 3): CardElement[] {
  const lines = commands.flatMap((command) => command.split(/\r?\n/)).filter((line) => line.trim() !== "");
  if (lines.length === 0) return [];
  const shown = lines.slice(0, maxLines).map((line) =>
    textBlock(escapeText(line, MAX_COMMAND_CHARS), { fontType: "Monospace", size: "Small", spacing: "None" }),
  );
  const hidden = lines.length - shown.length;
  const rest = hidden > 0 ? [textBlock(md`+${hidden} more`, { size: "Small", isSubtle: true, spacing: "None" })] : [];
  return [
    columnSet(
      [column([textBlock(md`${label}:`, { size: "Small", isSubtle: true })], "auto"), column([...shown, ...rest], "stretch")],
      { spacing: "Small" },
    ),
  ];
}
