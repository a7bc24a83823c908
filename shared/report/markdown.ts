import type { ClusterEvaluation, Finding } from "../baseline/types.js";
import { describeExemption, groupFindings } from "./findings.js";
import type { Report } from "./report.js";
import { severityLabel } from "./severity.js";
import { singleLine } from "./text.js";

/**
 * For pull-request comments and job summaries (GitHub-flavoured Markdown). Everything that comes
 * from a cluster goes through `escapeMarkdown` or `inlineCode`, so a name or tag cannot add
 * formatting, links, HTML or table cells.
 */
export function formatMarkdown(report: Report): string {
  const failing = report.clusters.filter((cluster) => cluster.summary.fail > 0).length;
  const blocks = [
    "## aksmon compliance report",
    `Baseline ${inlineCode(report.baseline)}, profile ${escapeMarkdown(report.profile.name)}: ` +
      `${plural(report.clusters.length, "cluster")}, ${failing} with failures.`,
    ...report.clusters.flatMap(clusterBlocks),
  ];
  return `${blocks.join("\n\n")}\n`;
}

function clusterBlocks(cluster: ClusterEvaluation): string[] {
  const groups = groupFindings(cluster.findings);
  const { summary } = cluster;
  const counts = [
    summary.fail > 0 ? `**${summary.fail} failed**` : "0 failed",
    plural(summary.error, "error"),
    `${summary.exempt} exempt`,
    `${summary.pass} passed`,
    `${summary.notApplicable} not applicable`,
  ].join(" · ");
  const where = cluster.resourceGroup ? `Resource group ${escapeMarkdown(cluster.resourceGroup)} · ` : "";
  const blocks = [`### ${escapeMarkdown(cluster.name)}`, `${where}${counts}`];
  blocks.push(groups.fail.length > 0 ? failureTable(groups.fail) : "No failing checks.");
  if (groups.exempt.length > 0) {
    blocks.push("**Exempt**", list(groups.exempt.map(exemptItem)));
  }
  if (groups.error.length > 0) {
    blocks.push("**Could not be evaluated**", list(groups.error.map(errorItem)));
  }
  if (cluster.warnings.length > 0) {
    blocks.push("**Warnings**", list(cluster.warnings.map(escapeMarkdown)));
  }
  return blocks;
}

function failureTable(findings: readonly Finding[]): string {
  const rows = findings.map((finding) =>
    [
      severityLabel(finding.severity),
      inlineCode(finding.check, { inTable: true }),
      escapeMarkdown(finding.message),
      finding.remediation
        ? finding.remediation
            .split("\n")
            .map((line) => inlineCode(line, { inTable: true }))
            .join("<br>")
        : "",
    ].join(" | "),
  );
  return ["| Severity | Check | Finding | Fix |", "| --- | --- | --- | --- |", ...rows.map((row) => `| ${row} |`)].join("\n");
}

function exemptItem(finding: Finding): string {
  return `${inlineCode(finding.check)} (${severityLabel(finding.severity)}, ${finding.status}): ${escapeMarkdown(describeExemption(finding))}`;
}

function errorItem(finding: Finding): string {
  const kind = finding.errorKind ? ` (${finding.errorKind})` : "";
  return `${inlineCode(finding.check)}${kind}: ${escapeMarkdown(finding.message)}`;
}

function list(items: readonly string[]): string {
  return items.map((item) => `- ${item}`).join("\n");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/**
 * Text that renders as itself: on one line, `& < >` as entities (no HTML), and the characters that
 * start formatting, links, code or table cells backslash-escaped (the backslash itself first).
 */
export function escapeMarkdown(text: string): string {
  return singleLine(text)
    .replace(/[\\`*_[\]|]/g, (char) => `\\${char}`)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/**
 * A code span that holds any text: its fence is longer than any backtick run inside. In a table cell
 * a pipe must still be escaped (GitHub's table parser removes that backslash before the code span).
 */
export function inlineCode(text: string, options: { inTable?: boolean } = {}): string {
  let code = singleLine(text);
  if (options.inTable) code = code.replaceAll("|", "\\|");
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const padded = code.startsWith("`") || code.endsWith("`") ? ` ${code} ` : code;
  return `${fence}${padded}${fence}`;
}
