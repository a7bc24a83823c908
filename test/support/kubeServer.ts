/**
 * A local HTTPS server speaking the Kubernetes API for what aksmon reads: GET /api/v1/nodes (a v1
 * NodeList, with `limit`/`continue` paging), GET /api/v1/nodes/{name} and GET /version. A missing or wrong
 * bearer token gets the API server's 401 Status; `forbid()` makes node reads answer 403 Forbidden.
 * /version answers without a token, as for anonymous callers on a default cluster; a wrong token is
 * still a 401 there.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bearerTokenOf, listenHttps, sendJson, type Json } from "./httpsServer.js";

export interface KubeServerOptions {
  nodes: Json[];
  /** The bearer token of the cluster user. */
  token: string;
  /** /version's gitVersion, e.g. `v1.33.2`. */
  version?: string;
}

export interface KubeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  time: number;
}

export interface KubeServer {
  url: string;
  /** The server certificate's PEM (the cluster CA). */
  ca: string;
  /** The CA as kubeconfig's certificate-authority-data (base64 of the PEM). */
  caData: string;
  token: string;
  readonly requests: KubeRequest[];
  setNodes(nodes: Json[]): void;
  /** While forbidden, node reads answer 403 Forbidden. */
  forbid(forbidden?: boolean): void;
  close(): Promise<void>;
}

export async function startKubeServer(options: KubeServerOptions): Promise<KubeServer> {
  let nodes = sortByName(options.nodes);
  let resourceVersion = 1000;
  let forbidden = false;
  const requests: KubeRequest[] = [];
  const gitVersion = options.version ?? "v1.33.2";

  function answer(req: IncomingMessage, url: URL): { status: number; body: Json } {
    const path = url.pathname.replace(/\/+$/, "") || "/";
    if (req.method !== "GET") return status(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
    const presented = req.headers.authorization !== undefined;
    const authenticated = bearerTokenOf(req) === options.token;
    if (path === "/version" && (!presented || authenticated)) return { status: 200, body: versionInfo(gitVersion) };
    if (!authenticated) return status(401, "Unauthorized", "Unauthorized");
    if (path === "/api/v1/nodes") {
      if (forbidden) return forbiddenNodes("list");
      return listNodes(url.searchParams);
    }
    const single = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
    if (single) {
      if (forbidden) return forbiddenNodes("get");
      const node = nodes.find((n) => n.metadata?.name === decodeURIComponent(single[1]!));
      if (!node) return status(404, "NotFound", `nodes "${single[1]}" not found`, { name: single[1], kind: "nodes" });
      return { status: 200, body: node };
    }
    return status(404, "NotFound", "the server could not find the requested resource");
  }

  function listNodes(query: URLSearchParams): { status: number; body: Json } {
    const limit = Number(query.get("limit") ?? 0);
    const token = query.get("continue");
    let offset = 0;
    if (token) {
      const decoded = decodeContinue(token);
      if (decoded === undefined) return status(400, "BadRequest", "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
      offset = decoded;
    }
    const end = limit > 0 ? offset + limit : nodes.length;
    // List items carry no kind/apiVersion on the wire; the list does.
    const items = nodes.slice(offset, end).map(({ kind: _kind, apiVersion: _apiVersion, ...node }) => node);
    const metadata: Json = { resourceVersion: String(resourceVersion) };
    if (end < nodes.length) {
      metadata.continue = Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: resourceVersion, start: end })).toString("base64url");
      metadata.remainingItemCount = nodes.length - end;
    }
    return { status: 200, body: { kind: "NodeList", apiVersion: "v1", metadata, items } };
  }

  const listening = await listenHttps((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "https://kube.invalid");
    const { status: code, body } = answer(req, url);
    requests.push({ method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), status: code, time: Date.now() });
    req.resume();
    sendJson(res, code, body);
  });

  return {
    url: listening.url,
    ca: listening.ca,
    caData: Buffer.from(listening.ca).toString("base64"),
    token: options.token,
    requests,
    setNodes(next) {
      nodes = sortByName(next);
      resourceVersion += 1;
    },
    forbid(value = true) {
      forbidden = value;
    },
    close: () => listening.close(),
  };
}

/** The API server's `Status` object for a failure. */
function status(code: number, reason: string, message: string, details?: Json): { status: number; body: Json } {
  return {
    status: code,
    body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details ? { details } : {}), code },
  };
}

function forbiddenNodes(verb: "list" | "get"): { status: number; body: Json } {
  return status(403, "Forbidden", `nodes is forbidden: User "clusterUser" cannot ${verb} resource "nodes" in API group "" at the cluster scope`, {
    kind: "nodes",
  });
}

function versionInfo(gitVersion: string): Json {
  const [major = "1", minor = "0"] = gitVersion.replace(/^v/, "").split(".");
  return {
    major,
    minor,
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-10-01T00:00:00Z",
    goVersion: "go1.24.4",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

function decodeContinue(token: string): number | undefined {
  try {
    const start = JSON.parse(Buffer.from(token, "base64url").toString("utf8"))?.start;
    return Number.isInteger(start) && start >= 0 ? start : undefined;
  } catch {
    return undefined;
  }
}

function sortByName(nodes: Json[]): Json[] {
  return [...nodes].sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)));
}
