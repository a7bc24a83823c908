/** The answers of the ARM test server's routes, from its store and settings. */
import {
  agentPoolUpgradeProfile,
  agentPoolsOfCluster,
  clusterId,
  clusterUserKubeconfig,
  normaliseLocation,
  type ClusterCredential,
  type LatestNodeImage,
} from "./armResources.js";
import { armError, authorizationFailed, childNotFound, resourceNotFound, type Answer } from "./armErrors.js";
import type { RouteMatch } from "./armRoutes.js";
import type { ArmStore } from "./armStore.js";
import type { Json } from "./httpsServer.js";
import { answerGraphQuery } from "./resourceGraph.js";

export interface HandlerContext {
  store: ArmStore;
  /** The server's base URL, for nextLinks. */
  url: string;
  pageSize: number;
  /** Rows per Resource Graph page at most (below the request's `$top`); undefined: `$top` alone. */
  graphPageSize?: number;
  latestNodeImage?: LatestNodeImage;
  kubernetesVersionsFor(location: string): Json;
  credentials: Map<string, ClusterCredential>;
  resourceGraphDenied: boolean;
}

export interface RouteRequest {
  route: RouteMatch;
  path: string;
  query: URLSearchParams;
  body: string;
}

export function answerRoute(context: HandlerContext, request: RouteRequest): Answer {
  const { route, path } = request;
  const { store } = context;
  const p = route.params;
  switch (route.kind) {
    case "managedClusterList":
      return paged(context, request, p.resourceGroup ? store.children(path) : store.ofType(p.subscription!, "microsoft.containerservice/managedclusters"));
    case "kubernetesVersions":
      return ok(context.kubernetesVersionsFor(normaliseLocation(p.location!)));
    case "pricing":
      return ok(store.get(path) ?? freePricing(p.subscription!, p.pricing!));
    case "applicationGateway":
      return found(store.get(path), () => resourceNotFound("Microsoft.Network/applicationGateways", p.name!, p.resourceGroup!));
    case "wafPolicy":
      return found(store.get(path), () =>
        resourceNotFound("Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies", p.name!, p.resourceGroup!),
      );
    case "resourceGraph":
      return answerResourceGraph(context, request.body);
    case "unknown":
      return armError(404, "InvalidResourceType", `The test server does not serve ${path}.`);
    default:
      return answerClusterChild(context, request);
  }
}

/** Routes under one managed cluster: the cluster itself first (ARM answers 404 for a missing parent). */
function answerClusterChild(context: HandlerContext, request: RouteRequest): Answer {
  const { route, path } = request;
  const { store } = context;
  const p = route.params;
  const id = clusterId({ subscriptionId: p.subscription!, resourceGroup: p.resourceGroup!, name: p.cluster! });
  const cluster = store.get(id);
  if (!cluster) return resourceNotFound("Microsoft.ContainerService/managedClusters", p.cluster!, p.resourceGroup!);
  switch (route.kind) {
    case "managedCluster":
      return ok(cluster);
    case "agentPoolList":
      return paged(context, request, agentPools(store, cluster));
    case "agentPool":
      return found(agentPool(store, cluster, p.pool!), () => childNotFound(`Agent pool '${p.pool}' in managed cluster '${p.cluster}'`));
    case "agentPoolUpgradeProfile": {
      const pool = agentPool(store, cluster, p.pool!);
      if (!pool) return childNotFound(`Agent pool '${p.pool}' in managed cluster '${p.cluster}'`);
      const stored = store.get(path);
      if (stored) return ok(stored);
      if (!context.latestNodeImage) return childNotFound(`The upgrade profile of agent pool '${p.pool}'`);
      const location = normaliseLocation(String(cluster.location ?? ""));
      return ok(
        agentPoolUpgradeProfile(pool, {
          location,
          latestNodeImage: context.latestNodeImage,
          kubernetesVersions: context.kubernetesVersionsFor(location),
        }),
      );
    }
    case "clusterUpgradeProfile":
      return found(store.get(path), () => childNotFound(`The upgrade profile of managed cluster '${p.cluster}'`));
    case "maintenanceConfigurations":
      return paged(context, request, store.children(path));
    case "maintenanceConfiguration":
      return found(store.get(path), () => childNotFound(`Maintenance configuration '${p.config}'`));
    case "diagnosticSettings":
      return ok({ value: store.children(path) });
    case "assessments":
      return paged(context, request, store.children(path));
    case "listClusterUserCredential": {
      const fqdn = cluster.properties?.fqdn ?? cluster.properties?.privateFQDN ?? `${p.cluster}.invalid`;
      const credential = context.credentials.get(id.toLowerCase()) ?? { server: `https://${fqdn}:443` };
      const kubeconfig = Buffer.from(clusterUserKubeconfig(cluster, credential)).toString("base64");
      return ok({ kubeconfigs: [{ name: "clusterUser", value: kubeconfig }] });
    }
    default:
      return armError(404, "InvalidResourceType", `The test server does not serve ${path}.`);
  }
}

/** Stored `agentPools` children override the pools ARM derives from the cluster's agentPoolProfiles. */
function agentPools(store: ArmStore, cluster: Json): Json[] {
  const byName = new Map<string, Json>();
  for (const pool of agentPoolsOfCluster(cluster)) byName.set(String(pool.name).toLowerCase(), pool);
  for (const pool of store.children(`${cluster.id}/agentPools`)) byName.set(String(pool.name).toLowerCase(), pool);
  return [...byName.values()];
}

function agentPool(store: ArmStore, cluster: Json, name: string): Json | undefined {
  return agentPools(store, cluster).find((pool) => String(pool.name).toLowerCase() === name.toLowerCase());
}

/** Every subscription has every Defender plan; one nobody enabled is on the Free tier. */
function freePricing(subscriptionId: string, name: string): Json {
  return {
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Security/pricings/${name}`,
    name,
    type: "Microsoft.Security/pricings",
    properties: { pricingTier: "Free" },
  };
}

function answerResourceGraph(context: HandlerContext, body: string): Answer {
  if (context.resourceGraphDenied) {
    return authorizationFailed("Microsoft.ResourceGraph/resources/read", "/providers/Microsoft.ResourceGraph");
  }
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return armError(400, "BadRequest", "The request body is not valid JSON.");
  }
  if (typeof request !== "object" || request === null) return armError(400, "BadRequest", "The request body must be an object.");
  return answerGraphQuery(context.store, request, context.graphPageSize);
}

/**
 * A `{ value, nextLink }` page. The nextLink is absolute, on this server, keeps the api-version and adds
 * an opaque `$skipToken`, as ARM's do.
 */
function paged(context: HandlerContext, request: RouteRequest, items: Json[]): Answer {
  const token = request.query.get("$skipToken");
  let offset = 0;
  if (token !== null) {
    const decoded = Number.parseInt(Buffer.from(token, "base64url").toString("utf8").replace(/^o:/, ""), 10);
    if (!Number.isInteger(decoded) || decoded < 0) return armError(400, "InvalidSkipToken", "The $skipToken is not valid.");
    offset = decoded;
  }
  const value = items.slice(offset, offset + context.pageSize);
  const next = offset + value.length;
  if (next >= items.length) return ok({ value });
  const apiVersion = encodeURIComponent(request.query.get("api-version") ?? "");
  const skipToken = Buffer.from(`o:${next}`).toString("base64url");
  return ok({ value, nextLink: `${context.url}${encodeURI(request.path)}?api-version=${apiVersion}&$skipToken=${skipToken}` });
}

function ok(body: Json): Answer {
  return { status: 200, body };
}

function found(body: Json | undefined, otherwise: () => Answer): Answer {
  return body ? ok(body) : otherwise();
}
