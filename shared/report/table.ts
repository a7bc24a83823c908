import type { ClusterEvaluation, Finding, Severity } from "../baseline/types.js";
import { describeExemption, groupFindings } from "./findings.js";
import type { Report } from "./report.js";
import { charLength, singleLine, truncate, wrap } from "./text.js";

export interface TableOptions {
  /** ANSI colours; the caller decides (a TTY, and NO_COLOR unset). */
  color: boolean;
  /** Columns every line fits in (characters, colour codes excluded). Default 80. */
  width?: number;
}

export const DEFAULT_WIDTH = 80;

/** `check` for humans on a terminal: per cluster a header, the findings that need attention, a tail. */
export function formatTable(report: Report, options: TableOptions): string {
  const width = Number.isFinite(options.width) ? Math.max(1, Math.floor(options.width!)) : DEFAULT_WIDTH;
  const blocks = report.clusters.map((cluster) => clusterLines(cluster, width));
  if (report.clusters.length > 1) blocks.push([totalsLine(report.clusters)]);
  const lines = blocks.flatMap((block, index) => (index === 0 ? block : [[], ...block]));
  return lines.map((segments) => render(segments, width, options.color)).join("\n") + "\n";
}

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "blue" | "magenta" | "cyan" | "gray";

/** A run of text with one look; a line is a list of them, fitted to the width before colouring. */
interface Segment {
  text: string;
  styles?: Style[];
}

type Line = Segment[];

const STATUS_WIDTH = "EXEMPT".length;
const SEVERITY_WIDTH = "critical".length;
const INDENT = "  ";
/** Where a finding's message and fix start, under its status. */
const DETAIL = "         ";

/** The fix command, wrapped at spaces with shell continuations so that it still pastes. */
function fixLines(command: string, width: number): Line[] {
  return command.split("\n").flatMap((one) => {
    const parts = wrap(one, width - DETAIL.length - "fix: ".length - 2);
    return parts.map((text, index): Line => [
      { text: DETAIL },
      { text: index === 0 ? "fix: " : "     ", styles: ["dim"] },
      { text: index < parts.length - 1 ? `${text} \\` : text, styles: ["green"] },
    ]);
  });
}

/** How many of the last lines belong to the exempt findings (each starts with the EXEMPT label). */
function exemptLineCount(lines: readonly Line[], exemptFindings: number): number {
  if (exemptFindings === 0) return 0;
  let seen = 0;
  for (let index = lines.length - 1; index >= 0; index--) {
    if (lines[index]![1]?.text.startsWith("EXEMPT")) seen++;
    if (seen === exemptFindings) return lines.length - index;
  }
  return 0;
}

function clusterLines(cluster: ClusterEvaluation, width: number): Line[] {
  const groups = groupFindings(cluster.findings);
  const missingData = groups.error.filter((finding) => finding.errorKind === "missingData");
  const groupMissingData = missingData.length > 1;
  const errorRows = groupMissingData ? groups.error.filter((finding) => finding.errorKind !== "missingData") : groups.error;
  const rows: Array<{ label: string; styles: Style[]; finding: Finding; text: string }> = [
    ...groups.fail.map((finding) => ({ label: "FAIL", styles: ["red", "bold"] as Style[], finding, text: finding.message })),
    ...errorRows.map((finding) => ({ label: "ERROR", styles: ["yellow"] as Style[], finding, text: finding.message })),
    ...groups.exempt.map((finding) => ({
      label: "EXEMPT",
      styles: ["cyan"] as Style[],
      finding,
      text: `Exempt from a ${finding.status}: ${describeExemption(finding)}`,
    })),
  ];
  const findingLines = rows.flatMap((row): Line[] => [
    [
      { text: INDENT },
      { text: row.label.padEnd(STATUS_WIDTH), styles: row.styles },
      { text: " " },
      { text: row.finding.severity.padEnd(SEVERITY_WIDTH), styles: SEVERITY_STYLES[row.finding.severity] },
      { text: " " },
      { text: singleLine(row.finding.check), styles: ["bold"] },
    ],
    ...wrap(singleLine(row.text), width - DETAIL.length).map((text): Line => [{ text: DETAIL }, { text }]),
    ...(row.label === "FAIL" && row.finding.remediation ? fixLines(row.finding.remediation, width) : []),
  ]);
  if (groupMissingData) {
    const ids = missingData.map((finding) => finding.check).join(", ");
    const insertAt = findingLines.length - groups.exempt.length * 0;
    const heading: Line = [
      { text: INDENT },
      { text: "ERROR".padEnd(STATUS_WIDTH), styles: ["yellow"] },
      { text: " " },
      { text: `${missingData.length} checks need live data (not in the file):` },
    ];
    const detail = wrap(ids, width - DETAIL.length).map((text): Line => [{ text: DETAIL }, { text, styles: ["dim"] }]);
    const exemptLines = exemptLineCount(findingLines, groups.exempt.length);
    findingLines.splice(insertAt - exemptLines, 0, heading, ...detail);
  }
  const warnings = cluster.warnings.map((warning): Line => [
    { text: INDENT },
    { text: "! ", styles: ["yellow"] },
    { text: singleLine(warning), styles: ["yellow"] },
  ]);
  const tail: Line = [
    { text: INDENT },
    { text: `${groups.pass.length} passed, ${groups.notApplicable.length} not applicable`, styles: ["dim"] },
  ];
  return [headerLine(cluster, width), ...warnings, ...findingLines, tail];
}

const SEVERITY_STYLES: Record<Severity, Style[]> = {
  critical: ["magenta", "bold"],
  high: ["red"],
  medium: ["yellow"],
  low: ["blue"],
  info: ["gray"],
};

/** `name (rg group): 2 failed, 1 error, 1 exempt`; the name gives way first when the width is short. */
function headerLine(cluster: ClusterEvaluation, width: number): Line {
  const { fail, exempt } = cluster.summary;
  const { needData, errors } = errorCounts([cluster]);
  const counts: Line = [
    { text: `${fail} failed`, styles: fail > 0 ? ["red", "bold"] : ["green"] },
    ...(errors > 0 ? [{ text: `, ${plural(errors, "error")}`, styles: ["yellow"] as Style[] }] : []),
    ...(needData > 0 ? [{ text: `, ${needData} need live data` }] : []),
    ...(exempt > 0 ? [{ text: `, ${exempt} exempt`, styles: ["cyan"] as Style[] }] : []),
  ];
  const countsLength = counts.reduce((sum, segment) => sum + charLength(segment.text), 0);
  const name = singleLine(cluster.name);
  const group = cluster.resourceGroup ? ` (rg ${singleLine(cluster.resourceGroup)})` : "";
  const room = width - countsLength - 2;
  if (room < 4) return [{ text: name, styles: ["bold"] }, { text: group }, { text: ": " }, ...counts];
  const title = truncate(`${name}${group}`, room);
  const nameLength = Math.min(charLength(name), charLength(title));
  const titleChars = Array.from(title);
  return [
    { text: titleChars.slice(0, nameLength).join(""), styles: ["bold"] },
    { text: titleChars.slice(nameLength).join("") },
    { text: ": " },
    ...counts,
  ];
}

function totalsLine(clusters: readonly ClusterEvaluation[]): Line {
  const sum = (key: "fail" | "error" | "exempt") => clusters.reduce((total, cluster) => total + cluster.summary[key], 0);
  const failing = clusters.filter((cluster) => cluster.summary.fail > 0).length;
  return [
    {
      text: `${clusters.length} clusters, ${failing} with failures: ${sum("fail")} failed, ${plural(errorCounts(clusters).errors, "error")}, ${sum("exempt")} exempt`,
      styles: ["bold"],
    },
  ];
}

/** Errors split into "the file lacks live data" (expected offline) and real failures to evaluate. */
function errorCounts(clusters: readonly ClusterEvaluation[]): { needData: number; errors: number } {
  let needData = 0;
  let errors = 0;
  for (const cluster of clusters) {
    for (const finding of cluster.findings) {
      if (finding.exemption || finding.status !== "error") continue;
      if (finding.errorKind === "missingData") needData++;
      else errors++;
    }
  }
  return { needData, errors };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** Cuts the line to the width (an ellipsis marks the cut), drops trailing blanks, then colours it. */
function render(line: Line, width: number, color: boolean): string {
  const fitted = fit(line, width);
  return fitted.map((segment) => (color ? paint(segment.text, segment.styles ?? []) : segment.text)).join("");
}

function fit(line: Line, width: number): Line {
  const total = line.reduce((sum, segment) => sum + charLength(segment.text), 0);
  let segments = line;
  if (total > width) {
    segments = [];
    let room = width - 1;
    for (const segment of line) {
      const chars = Array.from(segment.text);
      if (chars.length >= room) {
        segments.push({ ...segment, text: `${chars.slice(0, room).join("")}…` });
        break;
      }
      segments.push(segment);
      room -= chars.length;
    }
  }
  const trimmed = [...segments];
  while (trimmed.length > 0) {
    const last = trimmed[trimmed.length - 1]!;
    const text = last.text.trimEnd();
    if (text !== "") {
      trimmed[trimmed.length - 1] = { ...last, text };
      break;
    }
    trimmed.pop();
  }
  return trimmed;
}

const SGR: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

function paint(text: string, styles: readonly Style[]): string {
  if (text === "" || styles.length === 0) return text;
  const open = styles.map((style) => `\u001b[${SGR[style][0]}m`).join("");
  const close = [...styles].reverse().map((style) => `\u001b[${SGR[style][1]}m`).join("");
  return `${open}${text}${close}`;
}
