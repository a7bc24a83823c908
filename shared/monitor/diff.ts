/**
 * The diff between a cluster's stored findings and a new evaluation: one transition per check and the
 * records to store. Pure and deterministic. The rules that keep alerts right and quiet:
 * - `error` never changes the stored verdict, so a failed read never resolves a failure;
 * - a failure after a resolution is a regression; resolutions come only from a real pass / not applicable;
 * - a check whose verdict changed `flapThreshold` times within the flap window is reported once, with the
 *   count, on its first failure since (a resolution is reported as usual until then), then stays quiet until
 *   it settles;
 * - exempt (tag) and suppressed (snoozed) checks and those below the minimum severity stay quiet, but
 *   are still recorded;
 * - a snooze that ended (expired or removed) while its check still fails is alerted once, as a
 *   `stillFailing` transition marked `snoozeEnded`: the record remembers the snooze it was under.
 */
import type { ClusterEvaluation, Evidence, Finding, Severity } from "../baseline/types.js";
import { SEVERITIES } from "../baseline/types.js";
import { storableEvidence } from "../store/findingRows.js";
import type { ClusterState, FindingRecord, Suppression } from "../store/types.js";
import type { SettingChange, Transition, TransitionKind } from "../model/alerts.js";

export interface DiffOptions {
  now: Date;
  baseline: string;
  /** Transitions below this severity are recorded but not alerted. */
  minSeverity: Severity;
  flapWindowHours: number;
  /** Verdict changes within the window that make a check "flapping". */
  flapThreshold: number;
  suppressions: ReadonlyMap<string, Suppression>;
}

export interface Diff {
  transitions: Transition[];
  /** The records to store: every check of the evaluation. */
  records: FindingRecord[];
}

const MAX_CHANGES = 20;

export function diff(previous: ClusterState, evaluation: ClusterEvaluation, options: DiffOptions): Diff {
  const transitions: Transition[] = [];
  const records: FindingRecord[] = [];
  for (const finding of evaluation.findings) {
    const { transition, record } = diffOne(previous.findings.get(finding.check), finding, options);
    transitions.push(transition);
    records.push(record);
  }
  return { transitions, records };
}

function diffOne(before: FindingRecord | undefined, finding: Finding, options: DiffOptions): { transition: Transition; record: FindingRecord } {
  const now = options.now.toISOString();
  const known = before && before.status !== "error" ? before.status : undefined;
  const windowStart = options.now.getTime() - options.flapWindowHours * 3_600_000;
  const changes = (before?.changes ?? []).filter((at) => Date.parse(at) >= windowStart);
  const suppression = options.suppressions.get(finding.check);

  if (finding.status === "error") {
    // The snooze it was under is kept, so that its end is still noticed at the next real verdict.
    const record: FindingRecord = {
      ...(before ?? newRecord(finding, now, options.baseline)),
      lastStatus: "error",
      lastSeen: now,
      lastError: finding.message,
      changes,
      baseline: options.baseline,
      ...(suppression ? { snoozedUntil: suppression.until } : {}),
      ...(finding.exemption ? { exempt: true } : {}),
    };
    if (!finding.exemption) delete record.exempt;
    return { transition: transitionOf(finding, "error", known, [], changes.length), record };
  }

  const kind = kindOf(known, finding.status, before?.everFailed === true);
  if (known !== undefined && known !== finding.status) changes.push(now);
  while (changes.length > MAX_CHANGES) changes.shift();
  const flapping = changes.length >= options.flapThreshold;
  const record: FindingRecord = {
    check: finding.check,
    status: finding.status,
    lastStatus: finding.status,
    severity: finding.severity,
    title: finding.title,
    message: finding.message,
    evidence: storableEvidence(finding.evidence),
    lastSeen: now,
    everFailed: (before?.everFailed ?? false) || finding.status === "fail",
    changes,
    baseline: options.baseline,
  };
  if (finding.status === "fail") record.firstSeen = kind === "stillFailing" && before?.firstSeen ? before.firstSeen : now;
  if (finding.status === "fail" && finding.remediation) record.remediation = finding.remediation;
  if (kind === "resolved") record.resolvedAt = now;
  else if (before?.resolvedAt && finding.status !== "fail") record.resolvedAt = before.resolvedAt;
  // `flappingSince` says the flap was reported. It is reported on a failure (the card then says "Flapping: N
  // status changes"), never on a resolution: a resolution card has no room for it, and a flap reported as
  // resolved would leave the channel believing a check that keeps failing is fixed.
  const flapReported = before?.flappingSince !== undefined;
  if (flapping && flapReported) record.flappingSince = before!.flappingSince;
  if (suppression) record.snoozedUntil = suppression.until;
  if (finding.exemption) record.exempt = true;

  const transition = transitionOf(finding, kind, known, settingChanges(before?.evidence ?? [], storableEvidence(finding.evidence)), changes.length);
  if (kind === "stillFailing" && !suppression && before?.snoozedUntil !== undefined) transition.snoozeEnded = { until: before.snoozedUntil };
  const quiet = quietReason(finding, transition, options, { flapping, flapReported });
  if (quiet) transition.quiet = quiet;
  else if (flapping && !flapReported && (kind === "newFailure" || kind === "regressed")) record.flappingSince = now;
  return { transition, record };
}

function kindOf(known: Finding["status"] | undefined, now: Finding["status"], everFailed: boolean): TransitionKind {
  if (now === "fail") {
    if (known === "fail") return "stillFailing";
    return everFailed ? "regressed" : "newFailure";
  }
  return known === "fail" ? "resolved" : "unchanged";
}

function quietReason(
  finding: Finding,
  transition: Transition,
  options: DiffOptions,
  flap: { flapping: boolean; flapReported: boolean },
): Transition["quiet"] {
  const kind = transition.kind;
  if (kind !== "newFailure" && kind !== "regressed" && kind !== "resolved" && !transition.snoozeEnded) return undefined;
  if (finding.exemption) return { reason: "exempt", detail: finding.exemption.reason };
  const suppression = options.suppressions.get(finding.check);
  if (suppression) {
    return { reason: "suppressed", detail: `snoozed until ${suppression.until} by ${suppression.by}: ${suppression.reason}` };
  }
  if (SEVERITIES.indexOf(finding.severity) > SEVERITIES.indexOf(options.minSeverity)) {
    return { reason: "belowMinimum", detail: `${finding.severity} is below the alert minimum ${options.minSeverity}` };
  }
  // The first failure while it flaps is reported (with the count); after that it stays quiet while it flaps.
  if (flap.flapping && flap.flapReported) return { reason: "flapping", detail: "reported on its first failure while flapping" };
  return undefined;
}

function transitionOf(
  finding: Finding,
  kind: TransitionKind,
  from: Finding["status"] | undefined,
  changes: SettingChange[],
  flaps: number,
): Transition {
  const transition: Transition = {
    check: finding.check,
    kind,
    severity: finding.severity,
    title: finding.title,
    to: finding.status,
    message: finding.message,
    evidence: finding.evidence,
    changes,
    flaps,
  };
  if (from !== undefined) transition.from = from;
  if (finding.remediation) transition.remediation = finding.remediation;
  if (finding.exemption) transition.exemption = finding.exemption;
  return transition;
}

function newRecord(finding: Finding, now: string, baseline: string): FindingRecord {
  return {
    check: finding.check,
    status: "error",
    lastStatus: "error",
    severity: finding.severity,
    title: finding.title,
    message: finding.message,
    evidence: [],
    lastSeen: now,
    everFailed: false,
    changes: [],
    baseline,
  };
}

/** The settings a check read that hold another value than at its last verdict (both as stored). */
export function settingChanges(before: readonly Evidence[], after: readonly Evidence[]): SettingChange[] {
  const previous = new Map(before.map((row) => [row.path, row.value]));
  const changes: SettingChange[] = [];
  for (const row of after) {
    if (!previous.has(row.path)) continue;
    const old = previous.get(row.path);
    if (JSON.stringify(old ?? null) !== JSON.stringify(row.value ?? null)) changes.push({ path: row.path, before: old, after: row.value });
  }
  return changes;
}

/** Checks whose tag exemption appeared or went between the stored findings and this evaluation (for the audit trail). */
export function exemptionChanges(previous: ClusterState, evaluation: ClusterEvaluation): Array<{ check: string; exemption?: Finding["exemption"]; added: boolean }> {
  const changed: Array<{ check: string; exemption?: Finding["exemption"]; added: boolean }> = [];
  for (const finding of evaluation.findings) {
    const was = previous.findings.get(finding.check)?.exempt === true;
    const is = finding.exemption !== undefined;
    if (was !== is) changed.push({ check: finding.check, added: is, ...(finding.exemption ? { exemption: finding.exemption } : {}) });
  }
  return changed;
}
