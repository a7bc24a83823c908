import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { readSettings, SettingsError, type Settings } from "../shared/config/settings.js";
import { apiRuntime, recheckDeps } from "../shared/api/instance.js";
import { PRINCIPAL_HEADER, parsePrincipal, requireRole } from "../shared/api/principal.js";
import { recheckCluster, recheckResponse, RECHECK_WAIT_MS } from "../shared/api/recheck.js";
import { methodNotAllowed, problem } from "../shared/api/responses.js";
import { METRICS, metricLine } from "../shared/logging/metrics.js";
import { clusterRouteRef, inScope, outOfScope } from "../shared/api/routeParams.js";

/** How long the answer waits for the evaluation before a 202 (tests shorten it). */
export const recheckTiming = { waitMs: RECHECK_WAIT_MS };

/**
 * POST /api/clusters/{subscriptionId}/{resourceGroup}/{clusterName}/recheck (function key; plus an app
 * role when RECHECK_REQUIRED_ROLE is set). 200 with the evaluation, 202 with a status URL when it takes
 * longer, 400 bad route parameter, 403 out of scope or role missing, 404 no such cluster in ARM, 429
 * cooldown (Retry-After), 502 aksmon may not read the cluster, 503 ARM unavailable or bad settings.
 */
export async function recheckHandler(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "POST") return methodNotAllowed(request.method, ["POST"]);
  let settings: Settings;
  try {
    settings = readSettings();
  } catch (error) {
    if (error instanceof SettingsError) return problem(503, "SettingsInvalid", error.message);
    throw error;
  }
  const header = request.headers.get(PRINCIPAL_HEADER);
  const denied = requireRole(header, settings.RECHECK_REQUIRED_ROLE);
  if (denied) return denied;
  const ref = clusterRouteRef(request.params);
  if (!ref.ok) return ref.response;
  if (!inScope(ref.value.subscriptionId, settings.MONITOR_SUBSCRIPTIONS)) return outOfScope(ref.value.subscriptionId);

  const runtime = await apiRuntime();
  const by = parsePrincipal(header)?.name;
  const deps = recheckDeps(runtime, {
    waitMs: recheckTiming.waitMs,
    onBackgroundError: (error) => context.warn(`recheck: the background evaluation of ${ref.value.id} failed: ${String(error).split("\n")[0]}`),
  });
  const outcome = await recheckCluster(ref.value, deps, { id: context.invocationId, ...(by ? { by } : {}) });
  context.log(`recheck: ${ref.value.id} ${outcome.kind}`);
  if (outcome.kind === "evaluated" || outcome.kind === "unreadable") context.log(metricLine(METRICS.evaluations, 1, { source: "recheck", outcome: outcome.kind }));
  return recheckResponse(outcome);
}

app.http("recheck", {
  methods: ["POST"],
  authLevel: "function",
  route: "clusters/{subscriptionId}/{resourceGroup}/{clusterName}/recheck",
  handler: recheckHandler,
});
