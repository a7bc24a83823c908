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
  reason: string;
}

/** `{ verb: "snooze", clusterId, check?, hours, reason }`: hours 24 or 168, a reason of 1 to 500 characters, a known check. */
export function checkSnooze(data: Record<string, unknown>): Checked<SnoozeRequest> {
  const cluster = checkClusterId(data.clusterId);
  if (!cluster.ok) return cluster;
  const hours = typeof data.hours === "string" && /^\d{1,4}$/.test(data.hours.trim()) ? Number(data.hours) : data.hours;
  if (typeof hours !== "number" || !(SNOOZE_HOURS as readonly number[]).includes(hours)) {
    return { ok: false, problem: `a snooze lasts ${SNOOZE_HOURS.map((h) => `${h} hours`).join(" or ")}` };
  }
  const rawReason = data[SNOOZE_REASON_INPUT];
  const reason = typeof rawReason === "string" ? rawReason.trim() : "";
  if (reason === "") return { ok: false, problem: "a snooze needs a reason: write why in the Snooze box, then press the button again" };
  if (Array.from(reason).length > MAX_REASON_CHARS) {
    return { ok: false, problem: `the reason is too long (at most ${MAX_REASON_CHARS} characters)` };
  }
  let check: string | undefined;
  if (data.check !== undefined && data.check !== "") {
    const id = typeof data.check === "string" ? data.check.trim().toLowerCase() : "";
    if (!findCheck(id)) return { ok: false, problem: "the button names a check aksmon does not have" };
    check = id;
  }
  return { ok: true, ref: cluster.ref, hours: hours as SnoozeRequest["hours"], reason, ...(check ? { check } : {}) };
}
