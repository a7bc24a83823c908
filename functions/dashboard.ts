import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { dashboardResponse } from "../shared/api/dashboard.js";
import { apiRuntime } from "../shared/api/instance.js";
import { methodNotAllowed } from "../shared/api/responses.js";

/** GET /api/dashboard?subscriptionId=: the fleet dashboard page (clusters of MONITOR_SUBSCRIPTIONS when set). */
export async function dashboardHandler(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method.toUpperCase() !== "GET") return methodNotAllowed(request.method, ["GET"]);
  const runtime = await apiRuntime();
  return dashboardResponse(
    runtime.store,
    { scope: runtime.settings.MONITOR_SUBSCRIPTIONS, exemptionTag: runtime.monitorSettings.profile.exemptionTag },
    { query: request.query },
  );
}

app.http("dashboard", { methods: ["GET"], authLevel: "function", route: "dashboard", handler: dashboardHandler });
