/**
 * Turns ARM JSON into the `@azure/arm-containerservice` models with the SDK's own (unexported) mappers:
 * the public client runs over an in-memory HttpClient that answers with the given body, so a file and a
 * live ARM response go through exactly the same deserialisation.
 *
 * `az aks show -o json` output is flattened and re-cased by the Azure CLI (`enableRbac`,
 * `authorizedIpRanges`). It is turned into REST JSON by the SDK's own serialiser: the CLI object is
 * handed to `createOrUpdate` behind a case-insensitive view, the request body the SDK writes is captured
 * (and never sent anywhere), and the read-only fields the serialiser leaves out are merged back.
 */
import {
  ContainerServiceClient,
  type AgentPool,
  type AgentPoolUpgradeProfile,
  type KubernetesVersionListResult,
  type MaintenanceConfiguration,
  type ManagedCluster,
  type ManagedClusterUpgradeProfile,
} from "@azure/arm-containerservice";
import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";

type Json = Record<string, unknown>;

const PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const RESOURCE_GROUP = "aksmon-in-memory";
/** Bodies waiting to be served, by the token that stands as the resource name in the request URL. */
const bodies = new Map<string, string>();
/** Request bodies the SDK serialised, by token. */
const captured = new Map<string, string>();
let nextToken = 0;

class CapturedRequest extends Error {}

const inMemoryHttpClient: HttpClient = {
  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const token = tokenOf(request.url);
    const headers = createHttpHeaders({ "content-type": "application/json" });
    if (request.method === "PUT") {
      captured.set(token, typeof request.body === "string" ? request.body : "");
      // Refused on purpose: the PUT exists only to run the SDK's serialiser.
      return { request, status: 418, headers, bodyAsText: '{"error":{"code":"Captured","message":"captured"}}' };
    }
    const body = bodies.get(token);
    return body === undefined
      ? { request, status: 404, headers, bodyAsText: '{"error":{"code":"NotFound","message":"no body"}}' }
      : { request, status: 200, headers, bodyAsText: body };
  },
};

function tokenOf(url: string): string {
  const path = new URL(url).pathname;
  const match = /\/(t\d+)(?:\/|$)/.exec(path);
  return match?.[1] ?? "";
}

let client: ContainerServiceClient | undefined;
function sdk(): ContainerServiceClient {
  client ??= new ContainerServiceClient(
    { getToken: async () => ({ token: "in-memory", expiresOnTimestamp: Date.now() + 3_600_000 }) },
    PLACEHOLDER_SUBSCRIPTION,
    { httpClient: inMemoryHttpClient, endpoint: "https://in-memory.invalid", retryOptions: { maxRetries: 0 } },
  );
  return client;
}

async function serve<T>(body: Json, read: (token: string) => Promise<T>): Promise<T> {
  const token = `t${nextToken++}`;
  bodies.set(token, JSON.stringify(body));
  try {
    return withoutNulls(await read(token));
  } finally {
    bodies.delete(token);
  }
}

/**
 * The SDK models declare no nulls, but JSON brings them (the Azure CLI prints every unset field as null):
 * a null field becomes absent and a null list item is dropped, so that the models hold what their types say.
 */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(withoutNulls) as T;
  if (!isObject(value)) return value;
  const copy: Json = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== null && item !== undefined) copy[key] = withoutNulls(item);
  }
  return copy as T;
}

export function managedClusterFromRest(body: Json): Promise<ManagedCluster> {
  return serve(body, (token) => sdk().managedClusters.get(RESOURCE_GROUP, token));
}

export function agentPoolFromRest(body: Json): Promise<AgentPool> {
  return serve(body, (token) => sdk().agentPools.get(RESOURCE_GROUP, token, "pool"));
}

export function agentPoolUpgradeProfileFromRest(body: Json): Promise<AgentPoolUpgradeProfile> {
  return serve(body, (token) => sdk().agentPools.getUpgradeProfile(RESOURCE_GROUP, token, "pool"));
}

export function clusterUpgradeProfileFromRest(body: Json): Promise<ManagedClusterUpgradeProfile> {
  return serve(body, (token) => sdk().managedClusters.getUpgradeProfile(RESOURCE_GROUP, token));
}

export function maintenanceConfigurationFromRest(body: Json): Promise<MaintenanceConfiguration> {
  return serve(body, (token) => sdk().maintenanceConfigurations.get(RESOURCE_GROUP, token, "config"));
}

export function kubernetesVersionsFromRest(body: Json): Promise<KubernetesVersionListResult> {
  return serve(body, (token) => sdk().managedClusters.listKubernetesVersions(token));
}

/** Keys of the ARM envelope; everything else of a flattened CLI object belongs under `properties`. */
const ENVELOPE_KEYS = new Set([
  "id",
  "name",
  "type",
  "location",
  "tags",
  "sku",
  "identity",
  "extendedLocation",
  "kind",
  "eTag",
  "etag",
  "systemData",
  "resourceGroup",
  "properties",
]);

/** `az aks show -o json` → ARM REST JSON, by the SDK's own serialiser. */
export async function restFromAzCliCluster(cli: Json): Promise<Json> {
  const flattenedForSdk = caseInsensitive(cli);
  const serialised = await captureSerialised((token) =>
    sdk().managedClusters.createOrUpdate(RESOURCE_GROUP, token, flattenedForSdk as unknown as ManagedCluster),
  );
  return restoreReadOnly(serialised, cli);
}

/** `az aks nodepool show -o json` → ARM REST JSON of a `managedClusters/agentPools` resource. */
export async function restFromAzCliAgentPool(cli: Json): Promise<Json> {
  const serialised = await captureSerialised((token) =>
    sdk().agentPools.createOrUpdate(RESOURCE_GROUP, token, "pool", caseInsensitive(cli) as unknown as AgentPool),
  );
  return restoreReadOnly(serialised, cli);
}

async function captureSerialised(put: (token: string) => PromiseLike<unknown>): Promise<Json> {
  const token = `t${nextToken++}`;
  try {
    await put(token);
  } catch (error) {
    if (!captured.has(token)) throw error;
  }
  const text = captured.get(token);
  captured.delete(token);
  if (text === undefined) throw new CapturedRequest("the SDK did not serialise the resource");
  return JSON.parse(text) as Json;
}

/**
 * The serialiser writes only the fields a PUT may carry. Read-only fields (provisioningState, powerState,
 * currentKubernetesVersion, nodeImageVersion, fqdn, ...) are copied back from the CLI object, under
 * `properties` unless they belong to the ARM envelope, where the serialised body does not already hold
 * the same key in another case. Arrays of objects (agentPoolProfiles) are merged item by item.
 */
function restoreReadOnly(serialised: Json, cli: Json): Json {
  const rest: Json = { ...serialised };
  const properties: Json = isObject(rest.properties) ? { ...rest.properties } : {};
  for (const [key, value] of Object.entries(cli)) {
    if (ENVELOPE_KEYS.has(key)) {
      if (key === "properties" || key === "resourceGroup") continue;
      if (!hasKeyIgnoringCase(rest, key)) rest[key] = value;
      else rest[matchingKey(rest, key)] = mergeMissing(rest[matchingKey(rest, key)], value);
    } else if (!hasKeyIgnoringCase(properties, key)) {
      properties[key] = value;
    } else {
      const actual = matchingKey(properties, key);
      properties[actual] = mergeMissing(properties[actual], value);
    }
  }
  if (Object.keys(properties).length > 0) rest.properties = properties;
  return rest;
}

function mergeMissing(target: unknown, source: unknown): unknown {
  if (Array.isArray(target) && Array.isArray(source)) {
    return target.map((item, index) => mergeMissing(item, source[index]));
  }
  if (!isObject(target) || !isObject(source)) return target;
  const merged: Json = { ...target };
  for (const [key, value] of Object.entries(source)) {
    if (!hasKeyIgnoringCase(merged, key)) merged[key] = value;
    else {
      const actual = matchingKey(merged, key);
      merged[actual] = mergeMissing(merged[actual], value);
    }
  }
  return merged;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function hasKeyIgnoringCase(object: Json, key: string): boolean {
  return matchingKey(object, key) !== "";
}

function matchingKey(object: Json, key: string): string {
  if (key in object) return key;
  const lower = key.toLowerCase();
  return Object.keys(object).find((candidate) => candidate.toLowerCase() === lower) ?? "";
}

/** A read-only view of a JSON value in which object keys are found whatever their case. */
function caseInsensitive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(caseInsensitive);
  if (!isObject(value)) return value;
  return new Proxy(value, {
    get(target, key) {
      if (typeof key !== "string") return Reflect.get(target, key);
      const actual = matchingKey(target, key);
      return actual === "" ? undefined : caseInsensitive(target[actual]);
    },
    has(target, key) {
      return typeof key === "string" ? hasKeyIgnoringCase(target, key) : Reflect.has(target, key);
    },
  });
}
