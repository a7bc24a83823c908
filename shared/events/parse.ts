/**
 * One Event Grid delivery (Event Grid schema or CloudEvents 1.0) into a typed ClusterEvent, or a
 * PermanentEventError saying in one line why it can never be processed. The envelope is validated by
 * `@azure/eventgrid`'s own EventGridDeserializer; what this module uses of `data` is checked here.
 * It never throws: any failure, expected or not, comes back as a PermanentEventError.
 */
import { EventGridDeserializer } from "@azure/eventgrid";
import { isClusterName, isResourceGroupName, isSubscriptionId, parseClusterId } from "../model/clusterRef.js";
import type { ClusterRef } from "../model/snapshot.js";
import type { Actor } from "../model/alerts.js";
import {
  AKS_SIGNALS,
  MAINTENANCE_STATUSES,
  PermanentEventError,
  type AksSignal,
  type ClusterEvent,
  type EventEnvelope,
  type MaintenanceStatus,
} from "./types.js";

type Json = Record<string, unknown>;

const deserializer = new EventGridDeserializer();

const AKS_PREFIX = "Microsoft.ContainerService.";
const RESOURCE_WRITE = "Microsoft.Resources.ResourceWriteSuccess";
const RESOURCE_DELETE = "Microsoft.Resources.ResourceDeleteSuccess";
const ARN_UPSERT = "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated";
const ARN_DELETE = "Microsoft.ResourceNotifications.Resources.Deleted";
const ARN_SCHEDULED = "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted";

const MAX_ID = 1_000;
const MAX_VALUE = 200;
/** A pool name in an agent pool id: AKS allows 1-12 lower-case alphanumerics; accept a little more. */
const POOL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$/;

const CLAIM_UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const CLAIM_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
const CLAIM_OID = "http://schemas.microsoft.com/identity/claims/objectidentifier";

export async function parseEvent(raw: unknown): Promise<ClusterEvent | PermanentEventError> {
  try {
    return await parseUnsafe(raw);
  } catch (error) {
    if (error instanceof PermanentEventError) return error;
    return new PermanentEventError(`unreadable event: ${oneLine(error instanceof Error ? error.message : String(error))}`);
  }
}

async function parseUnsafe(raw: unknown): Promise<ClusterEvent> {
  if (typeof raw === "string") {
    let decoded: unknown;
    try {
      decoded = JSON.parse(raw);
    } catch {
      throw new PermanentEventError("event is not JSON");
    }
    return parseUnsafe(decoded);
  }
  if (!isObject(raw)) throw new PermanentEventError(`event is not a JSON object (${Array.isArray(raw) ? "an array" : raw === null ? "null" : typeof raw})`);
  const envelope = await envelopeOf(raw);
  const data = raw.data;
  const topic = typeof raw.topic === "string" ? raw.topic : typeof raw.source === "string" ? raw.source : "";
  const fail = (reason: string): never => {
    throw new PermanentEventError(reason, envelope.id, envelope.type);
  };

  if (envelope.type.startsWith(AKS_PREFIX)) {
    const signal = envelope.type.slice(AKS_PREFIX.length);
    if (!(AKS_SIGNALS as readonly string[]).includes(signal)) return { kind: "unknown", ...envelope };
    const cluster = clusterOf(topic, "cluster");
    if (!cluster) fail(`${envelope.type}: topic/source ${quote(topic)} is not a managed cluster id`);
    return { kind: "aksSignal", ...envelope, signal: signal as AksSignal, cluster: cluster!.ref, details: stringValues(data) };
  }

  if (envelope.type === RESOURCE_WRITE || envelope.type === RESOURCE_DELETE) {
    if (!isObject(data)) fail(`${envelope.type}: data is not an object`);
    const d = data as Json;
    const resourceId = envelope.subject ?? (typeof d.resourceUri === "string" ? d.resourceUri : "");
    const parsed = clusterOf(resourceId, "clusterOrPool");
    if (!parsed) fail(`${envelope.type}: subject ${quote(resourceId)} is not a managed cluster or agent pool`);
    const actor = actorOf(d, envelope.time);
    const common = { ...envelope, cluster: parsed!.ref, resourceId: resourceId.trim(), target: parsed!.target, ...(actor ? { actor } : {}) };
    return envelope.type === RESOURCE_WRITE ? { kind: "resourceWrite", ...common } : { kind: "resourceDelete", ...common };
  }

  if (envelope.type === ARN_UPSERT || envelope.type === ARN_DELETE) {
    if (!isObject(data) || !isObject(data.resourceInfo)) fail(`${envelope.type}: data.resourceInfo is missing`);
    const info = (data as Json).resourceInfo as Json;
    const id = typeof info.id === "string" ? info.id : "";
    const type = typeof info.type === "string" ? info.type : "";
    if (type.toLowerCase() !== "microsoft.containerservice/managedclusters") {
      fail(`${envelope.type}: resource ${quote(id)} is a ${quote(type)}, not a managed cluster`);
    }
    const parsed = clusterOf(id, "cluster");
    if (!parsed) fail(`${envelope.type}: resourceInfo.id ${quote(id)} is not a managed cluster id`);
    if (envelope.type === ARN_DELETE) return { kind: "arnDelete", ...envelope, cluster: parsed!.ref };
    if (!isObject(info.properties)) fail(`${envelope.type}: resourceInfo.properties is missing`);
    const apiVersion = typeof (data as Json).apiVersion === "string" ? ((data as Json).apiVersion as string) : undefined;
    const operational = (data as Json).operationalInfo;
    const resourceEventTime = isObject(operational) && typeof operational.resourceEventTime === "string" ? utcTime(operational.resourceEventTime) : undefined;
    return {
      kind: "arnUpsert",
      ...envelope,
      cluster: parsed!.ref,
      resource: info,
      ...(apiVersion ? { apiVersion } : {}),
      ...(resourceEventTime ? { resourceEventTime } : {}),
    };
  }

  if (envelope.type === ARN_SCHEDULED) {
    if (!isObject(data) || !isObject(data.resourceInfo) || !isObject(data.resourceInfo.properties)) {
      fail(`${envelope.type}: data.resourceInfo.properties is missing`);
    }
    const properties = ((data as Json).resourceInfo as Json).properties as Json;
    const status = MAINTENANCE_STATUSES.find((s) => s.toLowerCase() === String(properties.eventStatus ?? "").toLowerCase());
    if (!status) fail(`${envelope.type}: eventStatus ${quote(String(properties.eventStatus ?? ""))} is not one of ${MAINTENANCE_STATUSES.join(", ")}`);
    const resources = Array.isArray(properties.resources) ? properties.resources : [];
    const clusters = new Map<string, ClusterRef>();
    for (const resource of resources) {
      const parsed = typeof resource === "string" ? clusterOf(resource, "cluster") : undefined;
      if (!parsed) fail(`${envelope.type}: resources holds ${quote(String(resource))}, not a managed cluster id`);
      // A cluster named twice (ids are case-insensitive) is one cluster, spelled as first named.
      if (!clusters.has(parsed!.ref.id.toLowerCase())) clusters.set(parsed!.ref.id.toLowerCase(), parsed!.ref);
    }
    if (clusters.size === 0) fail(`${envelope.type}: properties.resources names no managed cluster`);
    const details = pick(properties, ["eventId", "eventSource", "eventDetails", "scheduledTime", "description"]);
    return { kind: "scheduledMaintenance", ...envelope, clusters: [...clusters.values()], status: status as MaintenanceStatus, details };
  }

  return { kind: "unknown", ...envelope };
}

/** The envelope, validated by the SDK's deserializer for its schema (`specVersion` accepted as upstream spells it once). */
async function envelopeOf(raw: Json): Promise<EventEnvelope> {
  const hint = { id: typeof raw.id === "string" ? raw.id : undefined, type: typeof raw.eventType === "string" ? raw.eventType : typeof raw.type === "string" ? raw.type : undefined };
  const fail = (reason: string): never => {
    throw new PermanentEventError(reason, hint.id, hint.type);
  };
  if (typeof raw.id !== "string" || raw.id.trim() === "") fail("event has no id");
  if ((raw.id as string).length > MAX_ID) fail(`event id is longer than ${MAX_ID} characters`);
  let schema: EventEnvelope["schema"];
  let validated: { id: string; type: string; subject?: string; time?: Date | string };
  if ("eventType" in raw) {
    schema = "eventGrid";
    try {
      const [event] = await deserializer.deserializeEventGridEvents(raw);
      validated = { id: event!.id, type: event!.eventType, subject: event!.subject, time: event!.eventTime as Date | string };
    } catch (error) {
      return fail(`not a valid Event Grid event: ${reasonOf(error)}`);
    }
  } else if ("specversion" in raw || "specVersion" in raw) {
    schema = "cloudEvents";
    const normalised: Json = { ...raw };
    if (!("specversion" in normalised)) {
      normalised.specversion = normalised.specVersion;
      delete normalised.specVersion;
    }
    try {
      const [event] = await deserializer.deserializeCloudEvents(normalised);
      validated = {
        id: event!.id,
        type: event!.type,
        ...(event!.subject === undefined ? {} : { subject: event!.subject }),
        ...(event!.time === undefined ? {} : { time: event!.time as Date | string }),
      };
    } catch (error) {
      return fail(`not a valid CloudEvent: ${reasonOf(error)}`);
    }
  } else {
    return fail("event is neither in the Event Grid schema (eventType) nor a CloudEvent (specversion)");
  }
  if (typeof validated.type !== "string" || validated.type.trim() === "") fail("event has no type");
  if (validated.type.length > 500) fail("event type is longer than 500 characters");
  const time = isoTime(validated.time);
  if (validated.time !== undefined && !time) fail(`event time ${quote(String(raw.eventTime ?? raw.time))} is not a date`);
  return {
    id: validated.id,
    type: validated.type,
    schema,
    ...(time ? { time } : {}),
    ...(typeof validated.subject === "string" ? { subject: validated.subject.slice(0, MAX_ID) } : {}),
  };
}

/** A cluster id (or, when allowed, an agent pool id under one) whose parts follow ARM's naming rules. */
function clusterOf(
  id: string,
  allow: "cluster" | "clusterOrPool",
): { ref: ClusterRef; target: "cluster" | "agentPool" } | undefined {
  if (id.length > MAX_ID) return undefined;
  const parsed = parseClusterId(id);
  if (!parsed) return undefined;
  if (!isSubscriptionId(parsed.subscriptionId) || !isResourceGroupName(parsed.resourceGroup) || !isClusterName(parsed.name)) return undefined;
  const { childPath, ...ref } = parsed;
  if (childPath === "" || childPath === "/") return { ref, target: "cluster" };
  if (allow === "clusterOrPool") {
    const pool = /^\/agentpools\/([^/]+)\/?$/i.exec(childPath);
    if (pool && POOL_NAME.test(pool[1]!)) return { ref, target: "agentPool" };
  }
  return undefined;
}

/** Who made the change, from the ARM token's claims: the UPN, else the name, else the app or object id. */
function actorOf(data: Json, time: string | undefined): Actor | undefined {
  let claims: unknown = data.claims;
  if (typeof claims === "string") {
    try {
      claims = JSON.parse(claims);
    } catch {
      claims = undefined;
    }
  }
  const operation = typeof data.operationName === "string" ? clean(data.operationName) : undefined;
  if (!isObject(claims)) return undefined;
  const claim = (key: string) => (typeof claims[key] === "string" && clean(claims[key] as string) ? clean(claims[key] as string) : undefined);
  const appId = claim("appid") ?? claim("azp");
  const objectId = claim(CLAIM_OID) ?? claim("oid");
  const name =
    claim(CLAIM_UPN) ?? claim("upn") ?? claim("name") ?? claim(CLAIM_NAME) ?? (appId ? `application ${appId}` : objectId ? `object ${objectId}` : undefined);
  if (!name) return undefined;
  return { name, at: time ?? "", ...(operation ? { operation } : {}) };
}

function stringValues(data: unknown): Record<string, string> {
  if (!isObject(data)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data).slice(0, 20)) {
    if (key.length > 100) continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      const text = clean(String(value));
      if (text) out[key] = text;
    }
  }
  return out;
}

function pick(source: Json, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = source[key];
    if (typeof value === "string" && clean(value)) out[key] = clean(value)!;
  }
  return out;
}

function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** An ISO time; one without a zone (as ARN's resourceEventTime) is UTC. */
function utcTime(text: string): string | undefined {
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text.trim()) ? text.trim() : `${text.trim()}Z`;
  return isoTime(zoned);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

/** Control characters out, whitespace trimmed, capped. */
function clean(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  if (!cleaned) return undefined;
  return cleaned.length > MAX_VALUE ? `${cleaned.slice(0, MAX_VALUE - 1)}…` : cleaned;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 119)}…` : text);
}

function reasonOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

function oneLine(text: string): string {
  const line = text.split("\n")[0] ?? text;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
