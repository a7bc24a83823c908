/**
 * The nightly fan-out's queue message, `{ sweepId, clusterId }`, and the sweep id: `sweep-<UTC start,
 * second precision>-<8 hex>`, so that a message says when its sweep started (the sweep record's keys).
 */
import { randomBytes } from "node:crypto";
import { isClusterName, isResourceGroupName, isSubscriptionId, parseClusterId } from "../model/clusterRef.js";
import type { ClusterRef } from "../model/snapshot.js";

export const EVALUATE_QUEUE = "aksmon-evaluate";
export const POISON_QUEUE = `${EVALUATE_QUEUE}-poison`;

export interface SweepMessage {
  sweepId: string;
  clusterId: string;
}

export interface ParsedSweepMessage {
  sweepId: string;
  startedAt: string;
  ref: ClusterRef;
}

const SWEEP_ID = /^sweep-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-[0-9a-f]{8}$/;
const MAX_MESSAGE = 2_000;

export function newSweepId(now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, "");
  return `sweep-${stamp}Z-${randomBytes(4).toString("hex")}`;
}

/** The sweep's start time from its id; undefined when it is not a sweep id. */
export function startOfSweep(sweepId: string): string | undefined {
  const match = SWEEP_ID.exec(sweepId);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

/**
 * A queue message as the Functions host hands it over (an object when its text was JSON, else the
 * text), validated: a sweep id, and the id of a managed cluster (nothing below it). A problem is a
 * sentence that never echoes more than a short prefix of the input.
 */
export function parseSweepMessage(raw: unknown): ParsedSweepMessage | { problem: string } {
  let value = raw;
  if (typeof raw === "string") {
    if (raw.length > MAX_MESSAGE) return { problem: `message too long (${raw.length} characters)` };
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      return { problem: "message is not JSON" };
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: "message is not a JSON object" };
  const { sweepId, clusterId } = value as Record<string, unknown>;
  if (typeof sweepId !== "string") return { problem: "sweepId missing" };
  const startedAt = startOfSweep(sweepId);
  if (!startedAt) return { problem: `sweepId is not a sweep id: ${JSON.stringify(sweepId.slice(0, 60))}` };
  if (typeof clusterId !== "string" || clusterId.length > 600) return { problem: "clusterId missing or too long" };
  const parsed = parseClusterId(clusterId);
  if (!parsed || parsed.childPath !== "" || !isValidRef(parsed)) return { problem: `clusterId is not a managed cluster id: ${JSON.stringify(clusterId.slice(0, 120))}` };
  const { childPath: _child, ...ref } = parsed;
  return { sweepId, startedAt, ref };
}

/** Only ids made of valid ARM names go into or come out of the queue. */
export function isValidRef(ref: ClusterRef): boolean {
  return isSubscriptionId(ref.subscriptionId) && isResourceGroupName(ref.resourceGroup) && isClusterName(ref.name);
}
