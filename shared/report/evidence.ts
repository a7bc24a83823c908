import type { Evidence } from "../baseline/types.js";
import { truncate } from "./text.js";

const MAX_VALUE_LENGTH = 120;

/** `properties.enableRBAC = false (expected true)`. */
export function describeEvidence(row: Evidence): string {
  const value = row.value === undefined ? "absent" : truncate(JSON.stringify(row.value) ?? String(row.value), MAX_VALUE_LENGTH);
  return row.expected === undefined ? `${row.path} = ${value}` : `${row.path} = ${value} (expected ${row.expected})`;
}

/** Every evidence row on one line, separated by semicolons; empty when there is none. */
export function evidenceSummary(evidence: readonly Evidence[]): string {
  return evidence.map(describeEvidence).join("; ");
}
