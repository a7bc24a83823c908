import type { Finding } from "../baseline/types.js";
import { bySeverity } from "./severity.js";

/** A cluster's findings as the human formats list them. Exempt findings are only in `exempt`. */
export interface FindingGroups {
  fail: Finding[];
  error: Finding[];
  exempt: Finding[];
  pass: Finding[];
  notApplicable: Finding[];
}

/** Groups findings; fail, error and exempt are most severe first, in catalogue order within a severity. */
export function groupFindings(findings: readonly Finding[]): FindingGroups {
  const counted = findings.filter((finding) => !finding.exemption);
  const withStatus = (status: Finding["status"]) => counted.filter((finding) => finding.status === status);
  return {
    fail: bySeverity(withStatus("fail")),
    error: bySeverity(withStatus("error")),
    exempt: bySeverity(findings.filter((finding) => finding.exemption)),
    pass: withStatus("pass"),
    notApplicable: withStatus("notApplicable"),
  };
}

/** How an exemption reads: `legacy (until 2027-01-31, by alice@contoso.com)`. */
export function describeExemption(finding: Finding): string {
  const exemption = finding.exemption;
  if (!exemption) return "";
  const details = [
    exemption.until ? `until ${exemption.until.slice(0, 10)}` : undefined,
    exemption.by ? `by ${exemption.by}` : undefined,
  ].filter((part) => part !== undefined);
  return details.length > 0 ? `${exemption.reason} (${details.join(", ")})` : exemption.reason;
}
