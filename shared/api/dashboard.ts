/**
 * GET /api/dashboard: the fleet dashboard as one page, with the model inline and a strict
 * Content-Security-Policy whose nonce is new for every response.
 */
import { randomBytes } from "node:crypto";
import { loadDashboard, type DashboardStore } from "../dashboard/load.js";
import { renderDashboardPage } from "../dashboard/page.js";
import type { ApiResponse } from "./responses.js";
import { inScope, outOfScope, routeParam } from "./routeParams.js";

export interface DashboardOptions {
  /** MONITOR_SUBSCRIPTIONS: when set, only its clusters are shown. */
  scope: readonly string[];
  /** The profile's exemption tag. */
  exemptionTag?: string;
  now?: Date;
}

/** An HTML answer: `body` is what an `HttpResponseInit` sends as is. */
export interface HtmlResponse extends ApiResponse {
  body: string;
}

/** `?subscriptionId=` narrows the page to one subscription (400 when not a GUID, 403 outside the scope). */
export async function dashboardResponse(
  store: DashboardStore,
  options: DashboardOptions,
  request: { query: URLSearchParams },
): Promise<HtmlResponse | ApiResponse> {
  let subscriptions = options.scope;
  const wanted = request.query.get("subscriptionId");
  if (wanted !== null) {
    const parsed = routeParam({ subscriptionId: wanted }, "subscriptionId");
    if (!parsed.ok) return parsed.response;
    if (options.scope.length > 0 && !inScope(parsed.value, options.scope)) return outOfScope(parsed.value);
    subscriptions = [parsed.value];
  }
  const model = await loadDashboard(store, {
    subscriptions,
    // The stored fleet points count the whole monitored fleet, not one subscription of it.
    fleetTrend: wanted === null,
    ...(options.exemptionTag ? { exemptionTag: options.exemptionTag } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const page = renderDashboardPage(model, { nonce: randomBytes(18).toString("base64") });
  return {
    status: 200,
    body: page.html,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": page.contentSecurityPolicy,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // The function key is in the URL: never sent on to anywhere.
      "referrer-policy": "no-referrer",
      "x-frame-options": "DENY",
    },
  };
}
