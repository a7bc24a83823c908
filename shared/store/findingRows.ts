import type { TableEntity } from "@azure/data-tables";
import type { Evidence, Severity, Status } from "../baseline/types.js";
import type { Alert } from "../model/alerts.js";
import { checkRowKey, PENDING_ROW_PREFIX, pendingAlertRowKey, STATE_ROW_KEY } from "./keys.js";
import type { Row } from "./tables.js";
import { defined, jsonProperties, optionalString, readJsonProperties, sha256Prefix, truncateText } from "./textProperties.js";
import type { FindingRecord } from "./types.js";

/** Rows of the findings table: one per check, the state row (the guard), pending alerts. */

const MAX_VALUE_JSON = 2_000;
const MAX_EXPECTED = 500;
const MAX_PATH = 300;
const MAX_EVIDENCE_JSON = 24_000;
const MAX_CHANGES = 50;
/** Room kept for the "+N more" item. */
const MARKER_ROOM = 80;

/**
 * Evidence as the store keeps it: a value whose JSON exceeds 2,000 characters becomes a string with its
 * beginning, its size and a hash, and items beyond the row's budget become one "+N more" item.
 * Deterministic, so the drift diff can compare `storableEvidence(current)` with the stored "before"
 * and see a change in a truncated value too (its hash changes).
 */
export function storableEvidence(evidence: readonly Evidence[]): Evidence[] {
  const items = evidence.map((item): Evidence => {
    const json = JSON.stringify(item.value);
    const value =
      json !== undefined && json.length > MAX_VALUE_JSON
        ? `${truncateText(json, 500)} (truncated: ${json.length} characters, sha256 ${sha256Prefix(json)})`
        : item.value;
    return {
      path: truncateText(item.path, MAX_PATH),
      value,
      ...(item.expected !== undefined ? { expected: truncateText(item.expected, MAX_EXPECTED) } : {}),
    };
  });
  const sizes = items.map((item) => (JSON.stringify(item) ?? "").length + 1);
  let used = 2;
  let count = 0;
  while (count < items.length && used + (sizes[count] as number) <= MAX_EVIDENCE_JSON) used += sizes[count++] as number;
  if (count === items.length) return items;
  // Room for the marker, so that applying this to its own output changes nothing.
  while (count > 0 && used + MARKER_ROOM > MAX_EVIDENCE_JSON) used -= sizes[--count] as number;
  return [...items.slice(0, count), { path: "…", value: `+${items.length - count} more evidence items` }];
}

export function findingEntity(partitionKey: string, finding: FindingRecord): TableEntity<Row> {
  return defined({
    partitionKey,
    rowKey: checkRowKey(finding.check),
    check: finding.check,
    status: finding.status,
    lastStatus: finding.lastStatus,
    severity: finding.severity,
    title: truncateText(finding.title, 1_000),
    message: truncateText(finding.message, 4_000),
    evidence: JSON.stringify(storableEvidence(finding.evidence)),
    firstSeen: finding.firstSeen,
    lastSeen: finding.lastSeen,
    resolvedAt: finding.resolvedAt,
    everFailed: finding.everFailed,
    changes: JSON.stringify(finding.changes.slice(-MAX_CHANGES)),
    flappingSince: finding.flappingSince,
    lastError: finding.lastError === undefined ? undefined : truncateText(finding.lastError, 2_000),
    remediation: finding.remediation === undefined ? undefined : truncateText(finding.remediation, 4_000),
    snoozedUntil: finding.snoozedUntil,
    exempt: finding.exempt === true ? true : undefined,
    baseline: finding.baseline,
  }) as TableEntity<Row>;
}

export function findingOf(row: Row): FindingRecord {
  const optional = (name: string) => optionalString(row, name);
  return defined({
    check: String(row.check),
    status: row.status as Status,
    lastStatus: row.lastStatus as Status,
    severity: row.severity as Severity,
    title: String(row.title ?? ""),
    message: String(row.message ?? ""),
    evidence: JSON.parse(String(row.evidence ?? "[]")) as Evidence[],
    firstSeen: optional("firstSeen"),
    lastSeen: String(row.lastSeen ?? ""),
    resolvedAt: optional("resolvedAt"),
    everFailed: row.everFailed === true,
    changes: JSON.parse(String(row.changes ?? "[]")) as string[],
    flappingSince: optional("flappingSince"),
    lastError: optional("lastError"),
    remediation: optional("remediation"),
    snoozedUntil: optional("snoozedUntil"),
    exempt: row.exempt === true ? true : undefined,
    baseline: String(row.baseline ?? ""),
  }) as unknown as FindingRecord;
}

/** The comparable form of a finding: what would be written. */
export function findingFingerprint(partitionKey: string, finding: FindingRecord): string {
  return JSON.stringify(findingEntity(partitionKey, finding));
}

export function stateEntity(partitionKey: string, state: { clusterKey: string; sequence: number; lastAlertAt?: string; committedAt: string }): TableEntity<Row> {
  return defined({ partitionKey, rowKey: STATE_ROW_KEY, ...state }) as TableEntity<Row>;
}

export function pendingAlertEntity(partitionKey: string, alert: Alert): TableEntity<Row> {
  return {
    partitionKey,
    rowKey: pendingAlertRowKey(alert.alertId),
    alertId: alert.alertId,
    kind: alert.kind,
    ...jsonProperties("alert", alert),
  };
}

export function isPendingAlertRow(rowKey: string): boolean {
  return rowKey.startsWith(PENDING_ROW_PREFIX);
}

export function alertOf(row: Row): Alert {
  return readJsonProperties(row, "alert") as Alert;
}
