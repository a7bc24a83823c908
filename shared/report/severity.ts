import { SEVERITIES, type Severity } from "../baseline/types.js";

/** Most severe first: `critical` is 0, `info` is 4. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** A stable sort of findings (or anything with a severity), most severe first. */
export function bySeverity<T extends { severity: Severity }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
}

export type SarifLevel = "error" | "warning" | "note";

const SARIF_LEVELS: Record<Severity, SarifLevel> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

export function sarifLevel(severity: Severity): SarifLevel {
  return SARIF_LEVELS[severity];
}

/**
 * GitHub code scanning reads `properties["security-severity"]` (a number in a string, 0.0-10.0) to show
 * Critical (9.0+), High (7.0-8.9), Medium (4.0-6.9) or Low (0.1-3.9).
 */
const SECURITY_SEVERITIES: Record<Severity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "1.0",
};

export function securitySeverity(severity: Severity): string {
  return SECURITY_SEVERITIES[severity];
}

/** `high` → `High`, for prose. */
export function severityLabel(severity: Severity): string {
  return severity.charAt(0).toUpperCase() + severity.slice(1);
}
