import { createHash } from "node:crypto";
import path from "node:path";
import { CATEGORIES, type Check, type ClusterEvaluation, type Finding, type Severity } from "../baseline/types.js";
import { evidenceSummary } from "./evidence.js";
import { describeExemption } from "./findings.js";
import type { Report } from "./report.js";
import { sarifLevel, securitySeverity } from "./severity.js";

export const SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** The key under `partialFingerprints`; bump the version if the hashed input ever changes. */
export const FINGERPRINT_KEY = "aksmonClusterCheck/v1";

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per enabled check, one result per failing finding
 * (exempt ones carry a suppression), errors as tool execution notifications. Results point at the
 * cluster's file (line 1) and name the cluster as a logical location.
 */
export function formatSarif(report: Report, cwd: string = process.cwd()): string {
  const rules = report.profile.checks.map(({ check, severity }) => rule(check, severity));
  const ruleIndex = new Map(rules.map((r, index) => [r.id, index]));
  const results = report.clusters.flatMap((cluster) =>
    cluster.findings.filter((finding) => finding.status === "fail").map((finding) => result(cluster, finding, ruleIndex, cwd)),
  );
  const errors = report.clusters.flatMap((cluster) =>
    cluster.findings.filter((finding) => finding.status === "error").map((finding) => errorNotification(cluster, finding, ruleIndex)),
  );
  const warnings = report.clusters.flatMap((cluster) => cluster.warnings.map((warning) => clusterWarning(cluster, warning)));
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "aksmon", version: report.baseline, rules } },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: errors,
            toolConfigurationNotifications: warnings,
          },
        ],
        results,
        properties: { profile: report.profile.name },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function rule(check: Check, severity: Severity) {
  const command = check.remediation.command ? readablePlaceholders(check.remediation.command) : undefined;
  const references = check.references.map((reference) => `${reference.source} ${reference.id}`);
  const text = [
    check.rationale,
    `Remediation: ${check.remediation.text}`,
    command,
    references.length > 0 ? `References: ${references.join(", ")}.` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join("\n\n");
  const markdown = [
    check.rationale,
    `**Remediation:** ${check.remediation.text}`,
    command === undefined ? undefined : fencedBlock(command, "sh"),
    references.length > 0 ? `**References:** ${references.join(", ")}.` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join("\n\n");
  return {
    id: check.id,
    name: pascalCase(check.id),
    shortDescription: { text: check.title },
    fullDescription: { text: check.rationale },
    help: { text, markdown },
    defaultConfiguration: { level: sarifLevel(severity) },
    properties: {
      tags: [check.category, "security"],
      category: CATEGORIES[check.category],
      "security-severity": securitySeverity(severity),
    },
  };
}

function result(cluster: ClusterEvaluation, finding: Finding, ruleIndex: Map<string, number>, cwd: string) {
  const evidence = evidenceSummary(finding.evidence);
  const text = [
    `${cluster.name}: ${finding.message}`,
    evidence ? `Evidence: ${evidence}.` : undefined,
    finding.remediation ? `Fix: ${finding.remediation.replaceAll("\n", "; ")}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(" ");
  const index = ruleIndex.get(finding.check);
  return {
    ruleId: finding.check,
    ...(index === undefined ? {} : { ruleIndex: index }),
    level: sarifLevel(finding.severity),
    message: { text },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri: artifactUri(cluster, cwd) }, region: { startLine: 1 } },
        logicalLocations: [clusterLocation(cluster)],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(cluster, finding) },
    ...(finding.exemption
      ? { suppressions: [{ kind: "external", status: "accepted", justification: describeExemption(finding) }] }
      : {}),
    properties: { cluster: cluster.id, severity: finding.severity },
  };
}

function errorNotification(cluster: ClusterEvaluation, finding: Finding, ruleIndex: Map<string, number>) {
  const index = ruleIndex.get(finding.check);
  return {
    level: "warning",
    message: { text: `${cluster.name}: ${finding.check} could not be evaluated: ${finding.message}` },
    descriptor: { id: finding.check },
    ...(index === undefined ? {} : { associatedRule: { id: finding.check, index } }),
    locations: [{ logicalLocations: [clusterLocation(cluster)] }],
    ...(finding.errorKind ? { properties: { errorKind: finding.errorKind } } : {}),
  };
}

function clusterWarning(cluster: ClusterEvaluation, warning: string) {
  return {
    level: "warning",
    message: { text: `${cluster.name}: ${warning}` },
    locations: [{ logicalLocations: [clusterLocation(cluster)] }],
  };
}

function clusterLocation(cluster: ClusterEvaluation) {
  return { name: cluster.name, fullyQualifiedName: cluster.id, kind: "resource" };
}

/** Stable across runs and machines: the cluster id (ARM ids are case-insensitive) and the check id. */
function fingerprint(cluster: ClusterEvaluation, finding: Finding): string {
  return createHash("sha256").update(`${cluster.id.toLowerCase()}\n${finding.check}`).digest("hex");
}

/**
 * The cluster's origin file as a relative POSIX path, percent-encoded per segment (code scanning
 * matches it against the repository); an origin that is not a file (standard input, an ARM URL) gives the cluster id.
 */
export function artifactUri(cluster: Pick<ClusterEvaluation, "id" | "origin">, cwd: string): string {
  const origin = cluster.origin.trim();
  // A URL scheme has two or more letters, so a Windows drive letter (`C:`) still counts as a file.
  const isFile = origin !== "" && origin !== "-" && !/^[a-z][a-z\d+.-]+:/i.test(origin);
  const location = isFile ? path.relative(cwd, path.resolve(cwd, origin)).split(path.sep).join("/") : cluster.id;
  return location.split("/").map(encodeURIComponent).join("/");
}

/** The catalogue's `{resourceGroup}`, `{name}` and `{pool}` as the placeholders `az` users expect. */
function readablePlaceholders(command: string): string {
  return command.replaceAll("{resourceGroup}", "<resource-group>").replaceAll("{name}", "<cluster>").replaceAll("{pool}", "<pool>");
}

/** `k8s-rbac-enabled` → `K8sRbacEnabled`. */
export function pascalCase(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function fencedBlock(code: string, language: string): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${code}\n${fence}`;
}
