import type { ClusterEvaluation, Finding } from "../baseline/types.js";
import { describeEvidence } from "./evidence.js";
import { describeExemption } from "./findings.js";
import type { Report } from "./report.js";

/**
 * JUnit XML for CI test reports: one testsuite per cluster, one testcase per finding. A failing
 * check is a <failure>, an error an <error>, not applicable and exempt findings are <skipped>.
 */
export function formatJunit(report: Report): string {
  const suites = report.clusters.map(testsuite);
  const total = (key: keyof Counts) => suites.reduce((sum, suite) => sum + suite.counts[key], 0);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attributes({
      name: `aksmon ${report.baseline}`,
      tests: total("tests"),
      failures: total("failures"),
      errors: total("errors"),
      skipped: total("skipped"),
    })}>`,
    ...suites.flatMap((suite) => suite.lines),
    `</testsuites>`,
  ];
  return `${lines.join("\n")}\n`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function outcomeOf(finding: Finding): "failure" | "error" | "skipped" | "passed" {
  if (finding.exemption || finding.status === "notApplicable") return "skipped";
  if (finding.status === "fail") return "failure";
  if (finding.status === "error") return "error";
  return "passed";
}

function testsuite(cluster: ClusterEvaluation): { counts: Counts; lines: string[] } {
  const outcomes = cluster.findings.map(outcomeOf);
  const count = (outcome: string) => outcomes.filter((o) => o === outcome).length;
  const counts: Counts = {
    tests: cluster.findings.length,
    failures: count("failure"),
    errors: count("error"),
    skipped: count("skipped"),
  };
  const properties = [
    ["cluster.id", cluster.id],
    ["cluster.subscriptionId", cluster.subscriptionId],
    ["cluster.resourceGroup", cluster.resourceGroup],
    ["cluster.origin", cluster.origin],
    ...cluster.warnings.map((warning) => ["warning", warning]),
  ].map(([name, value]) => `      <property${attributes({ name: name ?? "", value: value ?? "" })}/>`);
  const lines = [
    `  <testsuite${attributes({ name: cluster.name, ...counts })}>`,
    `    <properties>`,
    ...properties,
    `    </properties>`,
    ...cluster.findings.flatMap(testcase),
    `  </testsuite>`,
  ];
  return { counts, lines };
}

function testcase(finding: Finding): string[] {
  const open = `    <testcase${attributes({ classname: finding.category, name: finding.check })}`;
  switch (outcomeOf(finding)) {
    case "passed":
      return [`${open}/>`];
    case "skipped": {
      const message = finding.exemption
        ? `Exempt (${finding.status}): ${describeExemption(finding)}`
        : `Not applicable: ${finding.message}`;
      return [open + ">", `      <skipped${attributes({ message })}/>`, `    </testcase>`];
    }
    case "failure":
    case "error": {
      const element = finding.status === "fail" ? "failure" : "error";
      const type = finding.status === "fail" ? finding.severity : (finding.errorKind ?? "error");
      const body = [
        finding.message,
        ...finding.evidence.map(describeEvidence),
        ...(finding.remediation ? [`Fix: ${finding.remediation}`] : []),
      ].join("\n");
      return [
        open + ">",
        `      <${element}${attributes({ message: finding.message, type })}>${xmlText(body)}</${element}>`,
        `    </testcase>`,
      ];
    }
  }
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlAttribute(String(value))}"`)
    .join("");
}

/** Removes what XML 1.0 cannot hold at all: most control characters, lone surrogates, U+FFFE/U+FFFF. */
function xmlLegal(text: string): string {
  return text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "");
}

function xmlText(text: string): string {
  return xmlLegal(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** As xmlText, with tabs and line breaks as references so that attribute normalisation keeps them. */
function xmlAttribute(text: string): string {
  return xmlText(text).replace(/\t/g, "&#9;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;");
}
