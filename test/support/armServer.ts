/**
 * A local HTTPS server that speaks Azure Resource Manager's wire format for what aksmon reads: managed
 * clusters and their children, kubernetesVersions, diagnostic settings, Defender pricing and assessments,
 * Application Gateway and WAF policy, listClusterUserCredential and Resource Graph queries. The real SDK
 * clients talk to it with `endpoint`/`baseUri` set to `server.url`; the certificate is trusted through
 * NODE_EXTRA_CA_CERTS (see globalSetup.ts).
 *
 * Every request: bearer token (401 otherwise), `api-version` (400 otherwise), the read bucket (429 with
 * Retry-After when empty), injected faults, then the route. Every answer carries x-ms-request-id and
 * x-ms-correlation-request-id, reads the remaining-reads header.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Answer, faultAnswer, invalidToken, missingApiVersion, missingAuthorization, subscriptionThrottled } from "./armErrors.js";
import { answerRoute, type HandlerContext } from "./armHandlers.js";
import {
  clusterId,
  defaultKubernetesVersions,
  normaliseLocation,
  parseClusterIdParts,
  type ClusterCredential,
  type ClusterIdParts,
  type LatestNodeImage,
} from "./armResources.js";
import { matchRoute, subscriptionOfPath, type RequestKind, type RouteMatch } from "./armRoutes.js";
import { ArmStore } from "./armStore.js";
import { FaultList, type Fault } from "./faults.js";
import { bearerTokenOf, listenHttps, readBody, sendJson, type Json } from "./httpsServer.js";
import { TokenBuckets, type BucketSettings } from "./tokenBucket.js";

export const ARM_TEST_TOKEN = "aksmon-arm-test-token";
const UNKNOWN_ROUTE: RouteMatch = { kind: "unknown", params: {}, isRead: false };
/** What the remaining-reads header says when the server has no read bucket. */
const UNTHROTTLED_REMAINING = 249;

export interface ArmServerOptions {
  /** The bearer token every request must carry. Default ARM_TEST_TOKEN. */
  token?: string;
  /** Items per page of a list before a nextLink. Default 100. */
  pageSize?: number;
  /**
   * Rows per Resource Graph page at most, whatever `$top` the client asks (the product asks 1,000, the
   * service's maximum): set it small to make the product follow `$skipToken` pages. Default: `$top`.
   */
  graphPageSize?: number;
  /** ARM's read throttling, e.g. `{ capacity: 250, refillPerSecond: 25 }`. Default: none. */
  readBucket?: BucketSettings;
  /** Added to every answer. */
  latencyMs?: number;
  /**
   * When set, a pool upgrade profile the test did not store is derived from the pool, with this latest
   * node image for its region and image SKU (see latestNodeImagesBySku). When unset it is a 404.
   */
  latestNodeImage?: LatestNodeImage;
  /** kubernetesVersions of a region (lower-case, no spaces) unless set with setKubernetesVersions. */
  kubernetesVersions?: (location: string) => Json;
  /** Milliseconds, for the read bucket. Default performance.now. */
  clock?: () => number;
}

export interface RecordedRequest {
  method: string;
  /** Decoded path, no query. */
  path: string;
  query: Record<string, string>;
  kind: RequestKind;
  /** Lower-cased subscription id, when the path has one. */
  subscription?: string;
  /** The status answered; 0 until the answer is sent. */
  status: number;
  /** When it arrived (Date.now()). */
  time: number;
}

export interface ArmServer {
  /** `https://127.0.0.1:<port>`: the `endpoint` of the SDK clients. */
  url: string;
  /** The certificate's PEM. */
  ca: string;
  token: string;
  readonly requests: RecordedRequest[];
  /** How many 429s were sent (bucket and faults). */
  readonly throttled: number;
  /** Adds or replaces a resource by its id (case-insensitive). Returns the body. */
  put(body: Json): Json;
  /** A copy of a cluster body under another id (any part left out is kept). Returns the stored copy. */
  putCluster(body: Json, where?: Partial<ClusterIdParts>): Json;
  /** Removes a resource and everything under it. */
  remove(id: string): boolean;
  get(id: string): Json | undefined;
  setKubernetesVersions(location: string, body: Json): void;
  /** Where the kubeconfig of listClusterUserCredential points for this cluster. */
  setClusterCredential(clusterId: string, credential: ClusterCredential): void;
  /** Resource Graph answers 403 AuthorizationFailed while denied. */
  denyResourceGraph(denied?: boolean): void;
  fault(fault: Fault): void;
  clearFaults(): void;
  countsByKind(): Partial<Record<RequestKind, number>>;
  /** Forgets the recorded requests, the 429 count and the faults, and refills the buckets; the store stays. */
  reset(): void;
  /** Empties the store and forgets kubernetesVersions, cluster credentials and the Resource Graph switch. */
  clear(): void;
  close(): Promise<void>;
}

export async function startArmServer(options: ArmServerOptions = {}): Promise<ArmServer> {
  const store = new ArmStore();
  const faults = new FaultList();
  const buckets = options.readBucket ? new TokenBuckets(options.readBucket, options.clock) : undefined;
  const versionsByLocation = new Map<string, Json>();
  const token = options.token ?? ARM_TEST_TOKEN;
  const latencyMs = options.latencyMs ?? 0;
  const pending = new Set<NodeJS.Timeout>();
  const requests: RecordedRequest[] = [];
  let throttled = 0;

  const context: HandlerContext = {
    store,
    url: "",
    pageSize: options.pageSize ?? 100,
    ...(options.graphPageSize ? { graphPageSize: options.graphPageSize } : {}),
    ...(options.latestNodeImage ? { latestNodeImage: options.latestNodeImage } : {}),
    kubernetesVersionsFor: (location) =>
      versionsByLocation.get(location) ?? options.kubernetesVersions?.(location) ?? defaultKubernetesVersions(location),
    credentials: new Map(),
    resourceGraphDenied: false,
  };

  /** Everything before the route: an answer that stops the request there (or none), headers, the delay. */
  function gate(req: IncomingMessage, path: string, query: URLSearchParams, route: RouteMatch | undefined, record: RecordedRequest) {
    const headers: Record<string, string> = {};
    const reads = route ? route.isRead : req.method === "GET";
    const bucketKey = record.subscription ?? "tenant";
    const remainingHeader = record.subscription ? "x-ms-ratelimit-remaining-subscription-reads" : "x-ms-ratelimit-remaining-tenant-reads";
    let answer: Answer | undefined;
    if (!req.headers.authorization) answer = missingAuthorization();
    else if (bearerTokenOf(req) !== token) answer = invalidToken();
    else if (!query.get("api-version")) answer = missingApiVersion();
    if (reads) {
      const take = answer || !buckets ? undefined : buckets.take(bucketKey);
      headers[remainingHeader] = String(take?.remaining ?? buckets?.remaining(bucketKey) ?? UNTHROTTLED_REMAINING);
      if (take && !take.ok) answer = subscriptionThrottled(record.subscription ? `subscription '${record.subscription}'` : "tenant", take.retryAfterSeconds);
    }
    let delayMs = latencyMs;
    if (!answer) {
      const fault = faults.take({ method: req.method ?? "GET", path, query, kind: record.kind, ...(record.subscription ? { subscription: record.subscription } : {}) });
      delayMs += fault?.delayMs ?? 0;
      if (fault?.status !== undefined) {
        answer = faultAnswer(fault.status, { method: req.method ?? "GET", path }, fault);
        if (fault.retryAfterSeconds !== undefined) answer.headers = { ...answer.headers, "retry-after": String(fault.retryAfterSeconds) };
      }
    }
    return { answer, headers, delayMs };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "https://arm.invalid");
    const path = decodePath(url.pathname);
    const method = req.method ?? "GET";
    const route = matchRoute(method, path);
    const subscription = route?.subscription ?? subscriptionOfPath(path);
    const record: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      kind: route?.kind ?? "unknown",
      ...(subscription ? { subscription } : {}),
      status: 0,
      time: Date.now(),
    };
    requests.push(record);
    const body = method === "POST" ? await readBody(req) : (req.resume(), "");
    const gated = gate(req, path, url.searchParams, route, record);
    const answer = gated.answer ?? answerRoute(context, { route: route ?? UNKNOWN_ROUTE, path, query: url.searchParams, body });
    const correlation = req.headers["x-ms-correlation-request-id"];
    const headers = {
      ...gated.headers,
      ...answer.headers,
      "x-ms-request-id": randomUUID(),
      "x-ms-correlation-request-id": typeof correlation === "string" ? correlation : randomUUID(),
    };
    const send = () => {
      record.status = answer.status;
      if (answer.status === 429) throttled++;
      sendJson(res, answer.status, answer.body, headers);
    };
    if (gated.delayMs <= 0) return send();
    const timer = setTimeout(() => {
      pending.delete(timer);
      send();
    }, gated.delayMs);
    pending.add(timer);
  }

  const listening = await listenHttps((req, res) => {
    handle(req, res).catch((error: unknown) => sendJson(res, 500, { error: { code: "TestServerError", message: String(error) } }));
  });
  context.url = listening.url;

  return {
    url: listening.url,
    ca: listening.ca,
    token,
    requests,
    get throttled() {
      return throttled;
    },
    put(body) {
      store.put(body);
      return body;
    },
    putCluster(body, where = {}) {
      const copy = structuredClone(body);
      const current = parseClusterIdParts(String(copy.id ?? "")) ?? { subscriptionId: "", resourceGroup: "", name: String(copy.name ?? "") };
      const parts = { ...current, ...where };
      if (!parts.subscriptionId || !parts.resourceGroup || !parts.name) throw new Error("putCluster needs a subscription, resource group and name");
      copy.id = clusterId(parts);
      copy.name = parts.name;
      store.put(copy);
      return copy;
    },
    remove: (id) => store.remove(id),
    get: (id) => store.get(id),
    setKubernetesVersions(location, body) {
      versionsByLocation.set(normaliseLocation(location), body);
    },
    setClusterCredential(id, credential) {
      context.credentials.set(id.toLowerCase(), credential);
    },
    denyResourceGraph(denied = true) {
      context.resourceGraphDenied = denied;
    },
    fault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    countsByKind() {
      const counts: Partial<Record<RequestKind, number>> = {};
      for (const request of requests) counts[request.kind] = (counts[request.kind] ?? 0) + 1;
      return counts;
    },
    reset() {
      requests.length = 0;
      throttled = 0;
      faults.clear();
      buckets?.reset();
    },
    clear() {
      store.clear();
      versionsByLocation.clear();
      context.credentials.clear();
      context.resourceGraphDenied = false;
    },
    async close() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await listening.close();
    },
  };
}

function decodePath(pathname: string): string {
  let path = pathname;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    // keep it encoded: it will match no route
  }
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
