import type { ClusterEvaluation, Evidence, Exemption, Finding } from "../baseline/types.js";
import type { Report } from "./report.js";

/**
 * `check --format json`: DESIGN.md's contract (baseline; clusters with id, name, findings of check,
 * status, severity, title, evidence; summary of pass, fail, error, notApplicable) plus fields that
 * help users. Each object is built field by field so that nothing reaches the contract by accident.
 */
export function formatJson(report: Report): string {
  const document = {
    baseline: report.baseline,
    profile: report.profile.name,
    clusters: report.clusters.map(clusterJson),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

function clusterJson(cluster: ClusterEvaluation) {
  return {
    id: cluster.id,
    name: cluster.name,
    subscriptionId: cluster.subscriptionId,
    resourceGroup: cluster.resourceGroup,
    origin: cluster.origin,
    findings: cluster.findings.map(findingJson),
    summary: {
      pass: cluster.summary.pass,
      fail: cluster.summary.fail,
      error: cluster.summary.error,
      notApplicable: cluster.summary.notApplicable,
      exempt: cluster.summary.exempt,
    },
    warnings: cluster.warnings,
  };
}

function findingJson(finding: Finding) {
  return {
    check: finding.check,
    status: finding.status,
    severity: finding.severity,
    title: finding.title,
    evidence: finding.evidence.map(evidenceJson),
    category: finding.category,
    message: finding.message,
    ...(finding.errorKind ? { errorKind: finding.errorKind } : {}),
    ...(finding.remediation ? { remediation: finding.remediation } : {}),
    ...(finding.exemption ? { exemption: exemptionJson(finding.exemption) } : {}),
  };
}

function exemptionJson(exemption: Exemption) {
  return {
    reason: exemption.reason,
    source: exemption.source,
    ...(exemption.until ? { until: exemption.until } : {}),
    ...(exemption.by ? { by: exemption.by } : {}),
  };
}

function evidenceJson(row: Evidence) {
  // `value` stays even when undefined would drop it: null says "read, and absent".
  return { path: row.path, value: row.value ?? null, ...(row.expected === undefined ? {} : { expected: row.expected }) };
}
