/**
 * Cluster files: ARM REST JSON (one resource, a `{ "value": [...] }` list, a JSON array, an ARM
 * template's `resources`, or a REST example whose bodies sit under `responses`) and `az aks show -o json`
 * output. Child resources beside a cluster (agent pools, their upgrade profiles, the cluster upgrade
 * profile, maintenance configurations) are attached to it by id, across files.
 */
import { readFile, stat } from "node:fs/promises";
import type { AgentPool, AgentPoolUpgradeProfile, MaintenanceConfiguration } from "@azure/arm-containerservice";
import { clusterKey, parseClusterId } from "../model/clusterRef.js";
import type { ClusterRef, ClusterSnapshot, ReadResult } from "../model/snapshot.js";
import {
  agentPoolFromRest,
  agentPoolUpgradeProfileFromRest,
  clusterUpgradeProfileFromRest,
  maintenanceConfigurationFromRest,
  managedClusterFromRest,
  restFromAzCliAgentPool,
  restFromAzCliCluster,
} from "./sdkModel.js";

type Json = Record<string, unknown>;

export const MAX_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_NESTING = 64;

/** A file that could not be used, with a one-line reason. */
export interface InputProblem {
  file: string;
  message: string;
}

class InputError extends Error {}

type ResourceKind =
  | "cluster"
  | "agentPool"
  | "poolUpgradeProfile"
  | "clusterUpgradeProfile"
  | "maintenanceConfiguration";

interface FoundResource {
  kind: ResourceKind;
  shape: "rest" | "azcli";
  body: Json;
  file: string;
}

const KIND_NAMES: Record<ResourceKind, string> = {
  cluster: "a managed cluster",
  agentPool: "an agent pool",
  poolUpgradeProfile: "an agent pool upgrade profile",
  clusterUpgradeProfile: "a cluster upgrade profile",
  maintenanceConfiguration: "a maintenance configuration",
};

const TYPES: Record<string, ResourceKind> = {
  "microsoft.containerservice/managedclusters": "cluster",
  "microsoft.containerservice/managedclusters/agentpools": "agentPool",
  "microsoft.containerservice/managedclusters/agentpools/upgradeprofiles": "poolUpgradeProfile",
  "microsoft.containerservice/managedclusters/upgradeprofiles": "clusterUpgradeProfile",
  "microsoft.containerservice/managedclusters/maintenanceconfigurations": "maintenanceConfiguration",
};

/**
 * Reads cluster files into snapshots. A bad file becomes a problem and does not hide the others.
 * `readAt` is the time the snapshots are stamped with.
 */
export async function readClusterFiles(
  paths: readonly string[],
  readAt: Date = new Date(),
): Promise<{ snapshots: ClusterSnapshot[]; problems: InputProblem[] }> {
  const problems: InputProblem[] = [];
  const resources: FoundResource[] = [];
  for (const file of paths) {
    try {
      const document = await readJsonFile(file);
      resources.push(...findResources(document, file));
    } catch (error) {
      problems.push({ file, message: describe(error) });
    }
  }
  const { snapshots, problems: assemblyProblems } = await assembleSnapshots(resources, readAt);
  return { snapshots, problems: [...problems, ...assemblyProblems] };
}

/** Snapshots from one already-parsed JSON document (an ARM response, an event's resource, a test body). */
export async function snapshotsFromDocument(
  document: unknown,
  origin: string,
  readAt: Date = new Date(),
): Promise<ClusterSnapshot[]> {
  const { snapshots, problems } = await assembleSnapshots(findResources(document, origin), readAt);
  if (problems[0]) throw new Error(`${problems[0].file}: ${problems[0].message}`);
  return snapshots;
}

/** `-` stands for standard input (`az aks show ... | aksmon check -`). */
export const STDIN = "-";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_FILE_BYTES) {
      throw new InputError(`standard input exceeds ${MAX_FILE_BYTES / 1024 / 1024} MB, the limit for cluster files`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readJsonFile(file: string): Promise<unknown> {
  if (file === STDIN) return parseJsonText(await readStdin());
  let size: number;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new InputError("is a directory, not a file");
    size = info.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(code === "ENOENT" ? "no such file" : `cannot read the file (${code ?? String(error)})`);
  }
  if (size > MAX_FILE_BYTES) {
    throw new InputError(
      `the file is ${(size / 1024 / 1024).toFixed(1)} MB; cluster files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MB`,
    );
  }
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseJsonText(text);
}

/** JSON.parse with the limits and one-line messages a command line needs. */
export function parseJsonText(text: string): unknown {
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new InputError("the file is empty");
  const depth = nestingDepth(body);
  if (depth > MAX_NESTING) throw new InputError(`JSON nested ${depth} levels deep; at most ${MAX_NESTING} are accepted`);
  try {
    return JSON.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new InputError(`not valid JSON: ${message}`);
  }
}

/** The deepest nesting of objects and arrays, counted on the text so that nothing recurses. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return deepest;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every AKS resource in a document; a document with none is an error naming what it is instead. */
export function findResources(document: unknown, file: string): FoundResource[] {
  const candidates = unwrap(document);
  const found: FoundResource[] = [];
  let firstStranger: string | undefined;
  for (const candidate of candidates) {
    const resource = classify(candidate, file);
    if (typeof resource === "string") firstStranger ??= resource;
    else found.push(resource);
  }
  if (found.length === 0) {
    throw new InputError(
      candidates.length === 0 ? "holds no resources" : (firstStranger ?? "is not a managed cluster"),
    );
  }
  return found;
}

function unwrap(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (!isObject(document)) return [document];
  if (isObject(document.responses)) {
    const responses = document.responses;
    const response = [responses["200"], responses["201"], ...Object.values(responses)].find(
      (candidate) => isObject(candidate) && candidate.body !== undefined,
    ) as Json | undefined;
    if (!response) throw new InputError("is a REST example with no response body");
    return unwrap(response.body);
  }
  if (Array.isArray(document.value) && document.properties === undefined) return document.value;
  if (Array.isArray(document.resources) && typeof document.$schema === "string") return document.resources;
  return [document];
}

/** A found resource, or a sentence saying what the value is instead. */
function classify(value: unknown, file: string): FoundResource | string {
  if (!isObject(value)) return `is ${value === null ? "null" : `a JSON ${Array.isArray(value) ? "array" : typeof value}`}, not a managed cluster`;
  const type = typeof value.type === "string" ? value.type : undefined;
  const hasProperties = isObject(value.properties);
  let kind = type ? TYPES[type.toLowerCase()] : undefined;
  if (type && !kind) return `is a ${type} resource, not a managed cluster`;
  if (!kind && typeof value.id === "string") kind = kindFromId(value.id);
  if (!kind) {
    const pools = hasProperties ? (value.properties as Json).agentPoolProfiles : value.agentPoolProfiles;
    if (!Array.isArray(pools)) return "is not a managed cluster (no resource type and no agentPoolProfiles)";
    kind = "cluster";
  }
  const azCliShape = !hasProperties && (kind === "cluster" || kind === "agentPool");
  return { kind, shape: azCliShape ? "azcli" : "rest", body: value, file };
}

/** REST list and example bodies often omit `type`; the id says what the resource is. */
function kindFromId(id: string): ResourceKind | undefined {
  const ref = parseClusterId(id);
  if (!ref) return undefined;
  const child = ref.childPath.toLowerCase();
  if (child === "" || child === "/") return "cluster";
  if (/^\/agentpools\/[^/]+\/?$/.test(child)) return "agentPool";
  if (/^\/agentpools\/[^/]+\/upgradeprofiles\/[^/]+$/.test(child)) return "poolUpgradeProfile";
  if (/^\/upgradeprofiles\/[^/]+$/.test(child)) return "clusterUpgradeProfile";
  if (/^\/maintenanceconfigurations\/[^/]+$/.test(child)) return "maintenanceConfiguration";
  return undefined;
}

async function assembleSnapshots(
  resources: readonly FoundResource[],
  readAt: Date,
): Promise<{ snapshots: ClusterSnapshot[]; problems: InputProblem[] }> {
  const problems: InputProblem[] = [];
  const clusters = new Map<string, ClusterSnapshot>();
  const order: string[] = [];
  const failedFiles = new Set<string>();

  for (const resource of resources.filter((r) => r.kind === "cluster")) {
    try {
      const rest = resource.shape === "azcli" ? await restFromAzCliCluster(resource.body) : resource.body;
      const cluster = await managedClusterFromRest(rest);
      const ref = refOf(resource.body);
      const key = clusterKey(ref);
      const earlier = clusters.get(key);
      if (earlier) {
        problems.push({ file: resource.file, message: `repeats cluster ${ref.id}, already read from ${earlier.origin}; the first is used` });
        continue;
      }
      order.push(key);
      clusters.set(key, {
        ref,
        cluster,
        agentPools: [],
        extras: {},
        source: "file",
        origin: resource.file,
        readAt: readAt.toISOString(),
      });
    } catch (error) {
      failedFiles.add(resource.file);
      problems.push({ file: resource.file, message: `is not a readable managed cluster: ${describe(error)}` });
    }
  }

  for (const resource of resources.filter((r) => r.kind !== "cluster")) {
    const owner = ownerOf(resource, clusters);
    if (!owner) {
      if (!failedFiles.has(resource.file)) {
        const id = typeof resource.body.id === "string" ? resource.body.id : "(no id)";
        problems.push({
          file: resource.file,
          message: `holds ${KIND_NAMES[resource.kind]} ${id} whose managed cluster is not among the inputs (give the cluster's file too)`,
        });
        failedFiles.add(resource.file);
      }
      continue;
    }
    try {
      await attach(owner, resource);
    } catch (error) {
      problems.push({ file: resource.file, message: `is not a readable ${KIND_NAMES[resource.kind].replace(/^an? /, "")}: ${describe(error)}` });
    }
  }
  return { snapshots: order.map((key) => clusters.get(key)!), problems };
}

function ownerOf(resource: FoundResource, clusters: Map<string, ClusterSnapshot>): ClusterSnapshot | undefined {
  const id = typeof resource.body.id === "string" ? parseClusterId(resource.body.id) : undefined;
  if (id) return clusters.get(clusterKey(id));
  const inSameFile = [...clusters.values()].filter((snapshot) => snapshot.origin === resource.file);
  return inSameFile.length === 1 ? inSameFile[0] : undefined;
}

async function attach(snapshot: ClusterSnapshot, resource: FoundResource): Promise<void> {
  const childPath = typeof resource.body.id === "string" ? (parseClusterId(resource.body.id)?.childPath ?? "") : "";
  switch (resource.kind) {
    case "agentPool": {
      const rest = resource.shape === "azcli" ? await restFromAzCliAgentPool(resource.body) : resource.body;
      const pool: AgentPool = await agentPoolFromRest(rest);
      const name = (pool.name ?? "").toLowerCase();
      snapshot.agentPools = [...snapshot.agentPools.filter((p) => (p.name ?? "").toLowerCase() !== name), pool];
      return;
    }
    case "poolUpgradeProfile": {
      const profile: AgentPoolUpgradeProfile = await agentPoolUpgradeProfileFromRest(resource.body);
      const pool = (/\/agentpools\/([^/]+)/i.exec(childPath)?.[1] ?? "").toLowerCase();
      if (!pool) throw new InputError("the upgrade profile's id does not name its agent pool");
      const ok: ReadResult<AgentPoolUpgradeProfile> = { ok: true, value: profile };
      snapshot.extras.poolUpgradeProfiles = { ...snapshot.extras.poolUpgradeProfiles, [pool]: ok };
      return;
    }
    case "clusterUpgradeProfile":
      snapshot.extras.clusterUpgradeProfile = { ok: true, value: await clusterUpgradeProfileFromRest(resource.body) };
      return;
    case "maintenanceConfiguration": {
      const config: MaintenanceConfiguration = await maintenanceConfigurationFromRest(resource.body);
      const existing = snapshot.extras.maintenanceConfigurations;
      const list = existing?.ok ? existing.value : [];
      snapshot.extras.maintenanceConfigurations = { ok: true, value: [...list, config] };
      return;
    }
    case "cluster":
      return;
  }
}

function refOf(body: Json): ClusterRef {
  const id = typeof body.id === "string" ? parseClusterId(body.id) : undefined;
  if (id) return { id: id.id, subscriptionId: id.subscriptionId, resourceGroup: id.resourceGroup, name: id.name };
  const name = typeof body.name === "string" && body.name !== "" ? body.name : "unnamed-cluster";
  const resourceGroup = typeof body.resourceGroup === "string" ? body.resourceGroup : "";
  return { id: name, subscriptionId: "", resourceGroup, name };
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
