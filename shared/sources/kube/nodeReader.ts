/**
 * Reads a cluster's nodes from its Kubernetes API: which pool and node image each runs, its kernel and
 * kubelet, whether it is cordoned since when, and whether it waits for a reboot since when.
 *
 * Access, with least privilege: the cluster user kubeconfig from ARM (`listClusterUserCredential`, granted
 * by "Azure Kubernetes Service Cluster User Role") gives the API server address and its CA; the monitor
 * then authenticates with its own Entra ID token for the AKS server application (reading nodes needs only
 * a read role such as "Azure Kubernetes Service RBAC Reader"). A cluster without Entra ID integration
 * keeps the credentials of its kubeconfig. Private clusters the monitor cannot reach are reported as such.
 */
import type { V1Node } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import type { ClusterSnapshot, NodeFacts, ReadError, ReadResult } from "../../model/snapshot.js";
import type { ArmConnection } from "../arm/armConnection.js";
import type { NodeReader } from "../arm/clusterReader.js";
import { readErrorOf } from "../arm/readError.js";

/** The Entra ID application every AKS-managed Entra ID cluster's API server accepts tokens for. */
export const AKS_SERVER_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

export const KURED_REBOOT_IN_PROGRESS = "weave.works/kured-reboot-in-progress";
const NODE_IMAGE_LABEL = "kubernetes.azure.com/node-image-version";
const UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

interface KubeconfigAccess {
  server: string;
  caData?: string;
  /** Present when the kubeconfig authenticates by itself (clusters without Entra ID integration). */
  user?: { token?: string; certData?: string; keyData?: string };
}

export class KubeNodeReader implements NodeReader {
  constructor(
    private readonly connection: ArmConnection,
    private readonly options: { timeoutMs?: number; pageSize?: number } = {},
  ) {}

  async read(snapshot: ClusterSnapshot): Promise<ReadResult<NodeFacts[]>> {
    const { ref, cluster } = snapshot;
    let access: KubeconfigAccess;
    try {
      const credentials = await this.connection
        .containerService(ref.subscriptionId)
        .managedClusters.listClusterUserCredentials(ref.resourceGroup, ref.name);
      const value = credentials.kubeconfigs?.[0]?.value;
      if (!value) return failure({ kind: "invalid", message: "ARM returned no cluster user kubeconfig" });
      access = kubeconfigAccess(Buffer.from(value).toString("utf8"));
    } catch (error) {
      return { ok: false, error: readErrorOf(error) };
    }
    const usesEntraId = cluster.aadProfile?.managed === true || access.user === undefined;
    try {
      const token = usesEntraId ? (await this.connection.credential.getToken(AKS_SERVER_SCOPE))?.token : undefined;
      if (usesEntraId && !token) return failure({ kind: "forbidden", message: "no Entra ID token for the AKS server application" });
      const nodes = await withTimeout(this.listNodes(access, token), this.options.timeoutMs ?? 30_000);
      return { ok: true, value: nodes.map(nodeFacts) };
    } catch (error) {
      return { ok: false, error: kubeError(error, cluster.apiServerAccessProfile?.enablePrivateCluster === true) };
    }
  }

  private async listNodes(access: KubeconfigAccess, token: string | undefined): Promise<V1Node[]> {
    const { CoreV1Api, KubeConfig } = await import("@kubernetes/client-node");
    const config = new KubeConfig();
    const user = token ? { name: "aksmon", token } : { name: "aksmon", ...access.user };
    config.loadFromOptions({
      clusters: [{ name: "cluster", server: access.server, ...(access.caData ? { caData: access.caData } : {}), skipTLSVerify: false }],
      users: [user],
      contexts: [{ name: "aksmon", cluster: "cluster", user: "aksmon" }],
      currentContext: "aksmon",
    });
    const api = config.makeApiClient(CoreV1Api);
    const nodes: V1Node[] = [];
    let next: string | undefined;
    do {
      const page = await api.listNode({ limit: this.options.pageSize ?? 500, ...(next ? { _continue: next } : {}) });
      nodes.push(...page.items);
      next = page.metadata?._continue || undefined;
    } while (next);
    return nodes;
  }
}

/** The API server, its CA and any self-contained user credentials of a kubeconfig. */
export function kubeconfigAccess(text: string): KubeconfigAccess {
  const document = parseYaml(text) as {
    clusters?: Array<{ cluster?: Record<string, string> }>;
    users?: Array<{ user?: Record<string, unknown> }>;
  };
  const cluster = document.clusters?.[0]?.cluster;
  if (!cluster?.server) throw new Error("the cluster user kubeconfig names no API server");
  const access: KubeconfigAccess = { server: cluster.server };
  if (cluster["certificate-authority-data"]) access.caData = cluster["certificate-authority-data"];
  const user = document.users?.[0]?.user ?? {};
  if (typeof user.token === "string") access.user = { token: user.token };
  else if (typeof user["client-certificate-data"] === "string" && typeof user["client-key-data"] === "string") {
    access.user = { certData: user["client-certificate-data"], keyData: user["client-key-data"] };
  }
  return access;
}

/** What the monitor keeps of a Node. */
export function nodeFacts(node: V1Node): NodeFacts {
  const labels = node.metadata?.labels ?? {};
  const annotations = node.metadata?.annotations ?? {};
  const info = node.status?.nodeInfo;
  const facts: NodeFacts = { name: node.metadata?.name ?? "", unschedulable: node.spec?.unschedulable === true };
  const pool = labels["kubernetes.azure.com/agentpool"] ?? labels.agentpool;
  if (pool) facts.pool = pool;
  if (labels[NODE_IMAGE_LABEL]) facts.nodeImageVersion = labels[NODE_IMAGE_LABEL];
  if (info?.kernelVersion) facts.kernelVersion = info.kernelVersion;
  if (info?.kubeletVersion) facts.kubeletVersion = info.kubeletVersion;
  if (info?.osImage) facts.osImage = info.osImage;
  const cordon = node.spec?.taints?.find((taint) => taint.key === UNSCHEDULABLE_TAINT);
  if (facts.unschedulable && cordon?.timeAdded) facts.unschedulableSince = isoTime(cordon.timeAdded);
  const kured = annotations[KURED_REBOOT_IN_PROGRESS];
  const condition = node.status?.conditions?.find((c) => /reboot/i.test(c.type) && c.status === "True");
  if (kured) {
    facts.rebootRequiredSince = isoTime(kured);
    facts.rebootSignal = `annotation ${KURED_REBOOT_IN_PROGRESS}`;
  } else if (condition) {
    if (condition.lastTransitionTime) facts.rebootRequiredSince = isoTime(condition.lastTransitionTime);
    facts.rebootSignal = `condition ${condition.type}`;
  }
  return facts;
}

function isoTime(value: Date | string): string {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
}

function failure(error: ReadError): ReadResult<never> {
  return { ok: false, error };
}

/** Kubernetes and network errors as read errors; an unreachable private cluster says so. */
function kubeError(error: unknown, privateCluster: boolean): ReadError {
  const { code: status, body, cause } = error as { code?: number; body?: unknown; cause?: { code?: string } };
  const network = (error as { code?: string }).code ?? cause?.code;
  if (typeof status === "number" && status >= 400) {
    const message = typeof body === "string" ? (safeJson(body)?.message ?? body) : String((error as Error).message);
    if (status === 401 || status === 403) return { kind: "forbidden", status, message: `Kubernetes API: ${firstLine(message)}` };
    return { ...readErrorOf({ statusCode: status, message: `Kubernetes API: ${firstLine(message)}` }) };
  }
  if (error instanceof TimeoutError || /ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|EHOSTUNREACH/.test(String(network))) {
    const where = privateCluster
      ? "the private cluster's API server is not reachable from the monitor's network"
      : "the API server did not answer";
    return { kind: error instanceof TimeoutError ? "timeout" : "unavailable", message: `${where} (${network ?? "timeout"})` };
  }
  return readErrorOf(error);
}

class TimeoutError extends Error {}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function safeJson(text: string): { message?: string } | undefined {
  try {
    return JSON.parse(text) as { message?: string };
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? text).slice(0, 300);
}
