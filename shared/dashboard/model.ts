/**
 * What the fleet dashboard shows, as one JSON document: built from the store by `loadDashboard`
 * (shared/dashboard/load.ts), rendered into one self-contained page by `renderDashboardPage`
 * (shared/dashboard/page.ts). The page embeds this document and makes no request of its own.
 *
 * Kept small for 2,000 clusters: passing findings are counted, not listed; evidence and history are cut.
 */
import type { Category, Evidence, Severity, Status, Summary } from "../baseline/types.js";
import type { NodeHealth } from "../model/alerts.js";
import type { Actor, Trigger } from "../model/alerts.js";
import type { AuditRecord } from "../model/audit.js";
import type { EvaluationChange, Suppression } from "../store/types.js";

export interface DashboardModel {
  /** When the document was built (ISO). */
  generatedAt: string;
  /** The baseline version of the catalogue (BASELINE_VERSION). */
  baseline: string;
  /** The subscriptions in scope, when the monitor is limited to some (MONITOR_SUBSCRIPTIONS). */
  scope?: string[];
  /** The catalogue's checks, for titles, categories and severities (ids as in BASELINE.md). */
  checks: DashboardCheck[];
  /** Categories in catalogue order (the heatmap's columns). */
  categories: Category[];
  /** Fleet posture over time, oldest first: one point per day (nightly sweeps), then now. */
  trend: TrendPoint[];
  /** Every cluster that is not deleted, worst first (most high-or-above failures, then failures, then name). */
  clusters: DashboardCluster[];
  /** Alerts not delivered yet and given up on (the outbox), when the store was asked. */
  delivery?: { pending: number; dead: number; oldestPendingAt?: string };
}

export interface DashboardCheck {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
}

export interface TrendPoint {
  /** ISO time of the point (a sweep's start, or the build time for "now"). */
  at: string;
  clusters: number;
  /** Clusters with at least one failure at high or critical. */
  failingClusters: number;
  counts: Pick<Summary, "pass" | "fail" | "error" | "exempt">;
}

export interface DashboardCluster {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  kubernetesVersion?: string;
  tags: Record<string, string>;
  summary: Summary;
  lastEvaluatedAt: string;
  lastTrigger: Trigger["kind"];
  lastEventAt?: string;
  /** The most severe severity among failing, unsuppressed findings; absent when none fails. */
  worstSeverity?: Severity;
  /** Failing (unsuppressed) findings per category: the heatmap's cells. */
  failingByCategory: Partial<Record<Category, number>>;
  /** Findings that fail, error, or are suppressed; passing and not-applicable ones are only counted in `summary`. */
  findings: DashboardFinding[];
  nodeHealth?: NodeHealth;
  /** Evaluations that changed something, newest first (at most 20): what changed and who changed it. */
  history: HistoryEntry[];
  /** Active snoozes / accepted risks. */
  suppressions: Suppression[];
  /** The audit trail (snoozes, unsnoozes, exemption changes, rechecks), newest first, at most 20; when the store was asked. */
  audit?: AuditEntry[];
}

/** One audit row as the cluster page shows it (the cluster is the page's). */
export type AuditEntry = Omit<AuditRecord, "cluster">;

/** Title, category and default severity come from `DashboardModel.checks` (not repeated per finding). */
export interface DashboardFinding {
  check: string;
  /** The last real verdict (pass/fail/notApplicable) and the last evaluation's (error included). */
  status: Status;
  lastStatus: Status;
  severity: Severity;
  message: string;
  evidence: Evidence[];
  /** The catalogue's remediation command with this cluster's names filled in, when it has one. */
  remediation?: string;
  firstSeen?: string;
  /** The reason of the last error, while the verdict is kept. */
  lastError?: string;
  /** Why it is not counted: a snooze (until a time) or an exemption the cluster's tags declare (maybe without an end). */
  suppressed?: { kind: "snooze" | "exemption"; until?: string; by: string; reason: string };
}

export interface HistoryEntry {
  at: string;
  trigger: Trigger["kind"];
  actor?: Actor;
  /** Title and severity of each check: from `DashboardModel.checks`. */
  changes: Array<Pick<EvaluationChange, "check" | "kind" | "settings">>;
}
