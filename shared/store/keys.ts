import { createHash } from "node:crypto";
import { isClusterName, isResourceGroupName, isSubscriptionId, parseClusterId } from "../model/clusterRef.js";
import type { ClusterRef } from "../model/snapshot.js";

/**
 * Table keys. PartitionKey and RowKey may not contain `/ \ # ?` or control characters, and Azurite
 * mishandles `%` and `'` in keys of deletes and transactions (Azure/Azurite#1377, #1418), so a key part
 * keeps only `A-Z a-z 0-9 . _ ( ) -` and writes every other UTF-16 code unit as `!xx` (below 0x100) or
 * `!uxxxx`. `~` separates parts. The encoding is reversible for any JavaScript string.
 *
 * ARM names are case-insensitive: the builders below lower-case them; display names are properties.
 */

export class InvalidKeyError extends Error {
  override name = "InvalidKeyError";
}

export const KEY_SEPARATOR = "~";
/** Azure allows 1 KiB per key (UTF-16): 512 characters. */
export const MAX_KEY_LENGTH = 512;

const PLAIN = /^[A-Za-z0-9._()-]$/;

export function encodeKeyPart(value: string): string {
  let encoded = "";
  for (let i = 0; i < value.length; i++) {
    const char = value[i] as string;
    if (PLAIN.test(char)) {
      encoded += char;
      continue;
    }
    const code = value.charCodeAt(i);
    encoded += code < 0x100 ? `!${code.toString(16).padStart(2, "0")}` : `!u${code.toString(16).padStart(4, "0")}`;
  }
  return encoded;
}

export function decodeKeyPart(encoded: string): string {
  let decoded = "";
  for (let i = 0; i < encoded.length; ) {
    const char = encoded[i] as string;
    if (char !== "!") {
      if (!PLAIN.test(char)) throw new InvalidKeyError(`not an encoded key part: unexpected ${JSON.stringify(char)}`);
      decoded += char;
      i += 1;
      continue;
    }
    const wide = encoded[i + 1] === "u";
    const hex = wide ? encoded.slice(i + 2, i + 6) : encoded.slice(i + 1, i + 3);
    if (!/^[0-9a-f]+$/.test(hex) || hex.length !== (wide ? 4 : 2)) {
      throw new InvalidKeyError("not an encoded key part: bad escape");
    }
    decoded += String.fromCharCode(Number.parseInt(hex, 16));
    i += wide ? 6 : 3;
  }
  return decoded;
}

/** Joins encoded parts with `~`; refuses keys over Azure's length limit. */
export function joinKey(parts: readonly string[]): string {
  const key = parts.map(encodeKeyPart).join(KEY_SEPARATOR);
  if (key.length > MAX_KEY_LENGTH) throw new InvalidKeyError(`key longer than ${MAX_KEY_LENGTH} characters`);
  return key;
}

export function splitKey(key: string): string[] {
  return key.split(KEY_SEPARATOR).map(decodeKeyPart);
}

/** The parts of a cluster partition key, validated and lower-cased. */
function clusterParts(ref: Pick<ClusterRef, "subscriptionId" | "resourceGroup" | "name">): [string, string, string] {
  if (!isSubscriptionId(ref.subscriptionId)) throw new InvalidKeyError(`not a subscription id: ${JSON.stringify(ref.subscriptionId)}`);
  if (!isResourceGroupName(ref.resourceGroup)) throw new InvalidKeyError(`not a resource group name: ${JSON.stringify(ref.resourceGroup)}`);
  if (!isClusterName(ref.name)) throw new InvalidKeyError(`not a cluster name: ${JSON.stringify(ref.name)}`);
  return [ref.subscriptionId.toLowerCase(), ref.resourceGroup.toLowerCase(), ref.name.toLowerCase()];
}

function refOf(cluster: ClusterRef | string): ClusterRef {
  if (typeof cluster !== "string") return cluster;
  const ref = parseClusterId(cluster);
  if (!ref || ref.childPath !== "") throw new InvalidKeyError(`not a managed cluster id: ${JSON.stringify(cluster)}`);
  return ref;
}

/**
 * The partition of a cluster in findings, evaluations, suppressions and events:
 * `subscription~resourcegroup~name`, from a ref or a (lower-cased) cluster id.
 */
export function clusterPartitionKey(cluster: ClusterRef | string): string {
  return joinKey(clusterParts(refOf(cluster)));
}

/** The lower-cased cluster id that a cluster partition key stands for. */
export function clusterKeyOfPartition(partitionKey: string): string {
  const parts = splitKey(partitionKey);
  if (parts.length !== 3) throw new InvalidKeyError("not a cluster partition key");
  const [subscriptionId, resourceGroup, name] = parts as [string, string, string];
  return `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/microsoft.containerservice/managedclusters/${name}`;
}

/** A cluster key in the one form ClusterRef ids have (`clusterKey(ref)`), whatever the case or form given. */
export function canonicalClusterKey(key: string): string {
  try {
    return clusterKeyOfPartition(clusterPartitionKey(key));
  } catch {
    return key.toLowerCase();
  }
}

/** clusters table: PK subscription id, RK `resourcegroup~name`. */
export function clusterSummaryKeys(ref: ClusterRef): { partitionKey: string; rowKey: string } {
  const [subscriptionId, resourceGroup, name] = clusterParts(ref);
  return { partitionKey: joinKey([subscriptionId]), rowKey: joinKey([resourceGroup, name]) };
}

export function subscriptionPartitionKey(subscriptionId: string): string {
  if (!isSubscriptionId(subscriptionId)) throw new InvalidKeyError(`not a subscription id: ${JSON.stringify(subscriptionId)}`);
  return joinKey([subscriptionId.toLowerCase()]);
}

const CHECK_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** findings and suppressions RK. Check ids are lower-case ASCII already; anything else is refused. */
export function checkRowKey(check: string): string {
  const id = check.toLowerCase();
  if (!CHECK_ID.test(id)) throw new InvalidKeyError(`not a check id: ${JSON.stringify(check)}`);
  return joinKey([id]);
}

/** A free-form identifier (alert, conversation): kept exactly, encoded. */
export function idRowKey(id: string, what: string): string {
  if (id.length === 0 || id.length > 256) throw new InvalidKeyError(`${what} id must have 1 to 256 characters`);
  return joinKey([id]);
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * events RK. GUIDs are lower-cased (their case means nothing); other ids are kept exactly. An id too
 * long for a key becomes `~sha256~<hex>` (no encoded part starts with `~`, so it cannot collide).
 */
export function eventRowKey(eventId: string): string {
  if (eventId.length === 0) throw new InvalidKeyError("event id is empty");
  const id = GUID.test(eventId) ? eventId.toLowerCase() : eventId;
  const encoded = encodeKeyPart(id);
  if (encoded.length <= 256) return encoded;
  return `${KEY_SEPARATOR}sha256${KEY_SEPARATOR}${createHash("sha256").update(id).digest("hex")}`;
}

/** events PK for an event about no cluster: its UTC day. */
export function dayPartitionKey(time: string): string {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) throw new InvalidKeyError(`not a time: ${JSON.stringify(time)}`);
  return at.toISOString().slice(0, 10);
}

const MAX_TIME_MS = 8_640_000_000_000_000;

/** Newest first: `(8640000000000000 - ms)` zero-padded to 16 digits. */
export function invertedTimestamp(time: string | number | Date): string {
  const ms = new Date(time).getTime();
  if (Number.isNaN(ms) || ms < 0) throw new InvalidKeyError(`not a time after 1970: ${JSON.stringify(time)}`);
  return String(MAX_TIME_MS - ms).padStart(16, "0");
}

export function timeOfInvertedTimestamp(inverted: string): string {
  return new Date(MAX_TIME_MS - Number(inverted.slice(0, 16))).toISOString();
}

/** The state row of a findings partition; `~` sorts after every encoded check id. */
export const STATE_ROW_KEY = `${KEY_SEPARATOR}state`;
export const PENDING_ROW_PREFIX = `${KEY_SEPARATOR}pending${KEY_SEPARATOR}`;

export function pendingAlertRowKey(alertId: string): string {
  return PENDING_ROW_PREFIX + idRowKey(alertId, "alert");
}

/** Table names: letters and digits, 3-63, starting with a letter. */
export function tableName(prefix: string, table: string): string {
  const name = `${prefix}${table}`;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(name)) throw new InvalidKeyError(`not a valid table name: ${name}`);
  return name;
}
