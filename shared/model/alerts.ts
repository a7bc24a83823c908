import type { Evidence, Exemption, Severity, Status } from "../baseline/types.js";
import type { ClusterRef } from "./snapshot.js";

/** What started an evaluation; an ARM write event also says who made the change. */
export interface Trigger {
  kind: "event" | "sweep" | "recheck" | "cli";
  /** Event id, invocation id, or sweep id: for logs and the evaluations table. */
  id?: string;
  actor?: Actor;
}

/** Who changed the cluster, from a Microsoft.Resources write event's claims. */
export interface Actor {
  /** A UPN or display name (`alice@contoso.com`), else an application or object id. */
  name: string;
  /** When ARM recorded the change. */
  at: string;
  /** e.g. `Microsoft.ContainerService/managedClusters/write`. */
  operation?: string;
}

/**
 * What one check did between the stored state and this evaluation:
 * - newFailure: it fails now and did not fail before (or was never seen);
 * - regressed: it fails again after having been resolved;
 * - resolved: it failed and now passes or no longer applies (never from `error`);
 * - stillFailing: it failed and still fails;
 * - error: it could not be evaluated (the stored status is kept, nothing resolves);
 * - unchanged: anything else (pass stays pass, ...).
 */
export type TransitionKind = "newFailure" | "regressed" | "resolved" | "stillFailing" | "error" | "unchanged";

/** A setting that changed between the previous evaluation and this one, from the evidence of a check. */
export interface SettingChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface Transition {
  check: string;
  kind: TransitionKind;
  severity: Severity;
  title: string;
  /** The status stored before (undefined: never evaluated) and now. */
  from?: Status;
  to: Status;
  message: string;
  evidence: Evidence[];
  remediation?: string;
  /** Settings the check read that changed since the last evaluation. */
  changes: SettingChange[];
  /** Status changes of this check in the flap window (this one included). */
  flaps: number;
  /** Why no alert goes out for it, if none does: exemption, snooze, flapping, below the minimum severity, ... */
  quiet?: { reason: "exempt" | "suppressed" | "flapping" | "belowMinimum" | "notAlerted"; detail?: string };
  exemption?: Exemption;
  /** A `stillFailing` check whose snooze ended (expired or removed) since the last evaluation: alerted once. */
  snoozeEnded?: { until: string };
}

/** One card's worth of news about one cluster (never one per check). */
export interface ClusterAlert {
  kind: "drift";
  alertId: string;
  cluster: ClusterRef & { location?: string };
  evaluatedAt: string;
  trigger: Trigger;
  /** Alertable transitions, most severe first: new failures and regressions, then resolutions. */
  failures: Transition[];
  resolved: Transition[];
  /** Failing checks that stay quiet (suppressed, exempt, flapping reported before), for "Show all". */
  stillFailing: number;
  /** Not sent before this time: the per-cluster cooldown. Alerts of one cluster due together merge into one card. */
  notBefore?: string;
}

/** Node pool rolling failures, maintenance failures, version support ending: from events (issue 5). */
export interface LifecycleAlert {
  kind: "nodePoolUpgradeFailed" | "supportEnding" | "supportEnded" | "maintenanceFailed";
  alertId: string;
  cluster: ClusterRef;
  at: string;
  /** e.g. the node pool name, the Kubernetes version, the maintenance event. */
  details: Record<string, string>;
}

/** The nightly digest of the whole fleet. */
export interface DigestAlert {
  kind: "digest";
  alertId: string;
  at: string;
  clusters: number;
  /** Clusters with at least one failure at or above high. */
  failingClusters: number;
  counts: { pass: number; fail: number; error: number; exempt: number };
  worst: Array<{ cluster: ClusterRef; fail: number; highOrAbove: number }>;
  longestReboots: Array<{ cluster: ClusterRef; node: string; pool?: string; since: string; hours: number }>;
  stalestImages: Array<{ cluster: ClusterRef; pool: string; image: string; latest?: string; daysBehind: number }>;
  /** Clusters of the sweep that could not be evaluated (a nightly sweep's poison messages), with the reason. */
  unevaluated?: Array<{ clusterId: string; reason: string }>;
  /** Alerts delayed (still undelivered) or dead when the digest was built; absent when there were none. */
  delivery?: DigestDelivery;
}

/** The outbox as the digest tells it: so that the next digest that gets through says what did not. */
export interface DigestDelivery {
  pending: number;
  dead: number;
  /** When the oldest undelivered alert was written. */
  oldestPendingAt?: string;
  /** The dead alerts, oldest first (at most ten; `dead` counts them all). */
  deadAlerts: Array<{ alertId: string; kind: Alert["kind"]; cluster?: ClusterRef; createdAt: string; lastError?: string }>;
}

export type Alert = ClusterAlert | LifecycleAlert | DigestAlert;

/** What the digest needs of one evaluated cluster. */
export interface DigestPart {
  cluster: ClusterRef;
  counts: DigestAlert["counts"];
  /** Failing findings not exempted, and those of them at or above high. */
  fail: number;
  highOrAbove: number;
  /** Nodes waiting for a reboot (the longest waits first, at most ten). */
  reboots: Array<{ node: string; pool?: string; since: string }>;
  /** Pools whose node image is behind the latest (the furthest behind first, at most ten). */
  images: Array<{ pool: string; image: string; latest?: string; daysBehind: number }>;
}

/** The node health of a cluster: every node waiting for a reboot and every pool's image against the latest. */
export interface NodeHealth {
  /** Oldest wait first. */
  reboots: Array<{ node: string; pool?: string; since: string }>;
  /**
   * Every pool with a known image, furthest behind first; `daysBehind` is 0 when current and absent when
   * the latest image could not be read (never reported as current), those last.
   */
  pools: Array<{ pool: string; image: string; latest?: string; daysBehind?: number; nodes?: number }>;
}
