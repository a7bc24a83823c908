/**
 * The `data` of the bot's Action.Submit buttons, validated: it comes back from Teams as the user's
 * client sent it, so it is input like any other (a crafted submit can carry anything).
 */
import { findCheck } from "../../baseline/catalogue.js";
import { isClusterName, isResourceGroupName, isSubscriptionId, parseClusterId } from "../../model/clusterRef.js";
import type { ClusterRef } from "../../model/snapshot.js";
import { SNOOZE_HOURS, SNOOZE_REASON_INPUT } from "../cards/actions.js";

export type Checked<T> = ({ ok: true } & T) | { ok: false; problem: string };

/** ARM ids are far shorter; anything longer is not one. */
const MAX_ID_CHARS = 600;
export const MAX_REASON_CHARS = 500;

/** A managed cluster's id whose parts follow the ARM naming rules; the ref it names. */
export function checkClusterId(value: unknown): Checked<{ ref: ClusterRef }> {
  if (typeof value !== "string" || value.trim() === "") return { ok: false, problem: "the button carries no cluster id" };
  if (value.length > MAX_ID_CHARS) return { ok: false, problem: "that is not a managed cluster id (too long)" };
  const parsed = parseClusterId(value);
  if (!parsed || parsed.childPath !== "") return { ok: false, problem: "that is not a managed cluster id" };
  const { id, subscriptionId, resourceGroup, name } = parsed;
  if (!isSubscriptionId(subscriptionId)) return { ok: false, problem: "the cluster id's subscription is not a subscription id" };
  if (!isResourceGroupName(resourceGroup)) return { ok: false, problem: "the cluster id's resource group is not a valid resource group name" };
  if (!isClusterName(name)) return { ok: false, problem: "the cluster id's name is not a valid AKS cluster name" };
  return { ok: true, ref: { id, subscriptionId, resourceGroup, name } };
}

export interface SnoozeRequest {
  ref: ClusterRef;
  /** Lower-case catalogue id; absent: every failing check of the cluster. */
  check?: string;
  hours: (typeof SNOOZE_HOURS)[number];
  /** Trimmed; may be empty here: whether the checks' severity needs one is decided against the stored findings. */
  reason: string;
}

/**
 * `{ verb: "snooze", clusterId, check?, hours, reason? }`: hours one of the card's durations and at most
 * `maxHours` (SNOOZE_MAX_DAYS), a reason of at most 500 characters, a known check.
 */
export function checkSnooze(data: Record<string, unknown>, limits: { maxHours: number }): Checked<SnoozeRequest> {
  const cluster = checkClusterId(data.clusterId);
  if (!cluster.ok) return cluster;
  const hours = typeof data.hours === "string" && /^\d{1,6}$/.test(data.hours.trim()) ? Number(data.hours) : data.hours;
  if (typeof hours === "number" && Number.isFinite(hours) && hours > limits.maxHours) {
    return { ok: false, problem: `a snooze lasts at most ${durationText(limits.maxHours)} (SNOOZE_MAX_DAYS)` };
  }
  if (typeof hours !== "number" || !(SNOOZE_HOURS as readonly number[]).includes(hours)) {
    return { ok: false, problem: `a snooze lasts ${SNOOZE_HOURS.filter((h) => h <= limits.maxHours).map((h) => `${h} hours`).join(" or ")}` };
  }
  const rawReason = data[SNOOZE_REASON_INPUT];
  const reason = typeof rawReason === "string" ? rawReason.trim() : "";
  if (Array.from(reason).length > MAX_REASON_CHARS) {
    return { ok: false, problem: `the reason is too long (at most ${MAX_REASON_CHARS} characters)` };
  }
  const check = checkId(data.check);
  if (check === "unknown") return { ok: false, problem: "the button names a check aksmon does not have" };
  return { ok: true, ref: cluster.ref, hours: hours as SnoozeRequest["hours"], reason, ...(check ? { check } : {}) };
}

/** `{ verb: "unsnooze", clusterId, check }`. */
export function checkUnsnooze(data: Record<string, unknown>): Checked<{ ref: ClusterRef; check: string }> {
  const cluster = checkClusterId(data.clusterId);
  if (!cluster.ok) return cluster;
  const check = checkId(data.check);
  if (check === undefined) return { ok: false, problem: "name the check to unsnooze" };
  if (check === "unknown") return { ok: false, problem: "the button names a check aksmon does not have" };
  return { ok: true, ref: cluster.ref, check };
}

/** A catalogue id, lower-cased; undefined when none is given, "unknown" when it is not one. */
export function checkId(value: unknown): string | undefined | "unknown" {
  if (value === undefined || value === "") return undefined;
  const id = typeof value === "string" ? value.trim().toLowerCase() : "";
  return findCheck(id) ? id : "unknown";
}

export function durationText(hours: number): string {
  return hours < 48 || hours % 24 !== 0 ? `${hours} h` : `${hours / 24} days`;
}
