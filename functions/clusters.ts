import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { clusterDetail, listClusters, parseListQuery } from "../shared/api/clusters.js";
import { apiRuntime } from "../shared/api/instance.js";
import { methodNotAllowed } from "../shared/api/responses.js";
import { clusterRouteRef } from "../shared/api/routeParams.js";

/** GET /api/clusters?subscriptionId=&status=failing|passing&minSeverity=&pageSize=&continuation= */
export async function listClustersHandler(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "GET") return methodNotAllowed(request.method, ["GET"]);
  const query = parseListQuery(request.query);
  if (!query.ok) return query.response;
  const runtime = await apiRuntime();
  return listClusters(runtime.store, query.value, runtime.settings.MONITOR_SUBSCRIPTIONS);
}

/** GET /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}: posture, findings, suppressions, evaluations. */
export async function clusterHandler(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "GET") return methodNotAllowed(request.method, ["GET"]);
  const ref = clusterRouteRef(request.params);
  if (!ref.ok) return ref.response;
  const runtime = await apiRuntime();
  return clusterDetail(runtime.store, ref.value, runtime.settings.MONITOR_SUBSCRIPTIONS);
}

app.http("clusters", { methods: ["GET"], authLevel: "function", route: "clusters", handler: listClustersHandler });
app.http("cluster", { methods: ["GET"], authLevel: "function", route: "clusters/{subscriptionId}/{resourceGroup}/{clusterName}", handler: clusterHandler });
