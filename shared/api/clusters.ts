/**
 * The posture API: a page of cluster summaries (filtered by subscription, by status, or by the lowest
 * severity of a failing finding), and one cluster's summary, findings, active suppressions and last
 * evaluations, from the store only (no ARM read). Only the subscriptions in scope (MONITOR_SUBSCRIPTIONS,
 * when set) are shown: another's clusters are left out of pages and answered 403 when asked for.
 */
import { SEVERITIES, type Severity } from "../baseline/types.js";
import type { ClusterRef } from "../model/snapshot.js";
import type { SummaryPage } from "../store/clusterSummaries.js";
import type { ClusterState, ClusterSummaryRecord, EvaluationRecord, Suppression } from "../store/types.js";
import { json, problem, type ApiResponse } from "./responses.js";
import { inScope, outOfScope, routeParam, type Parsed } from "./routeParams.js";

export interface ClustersStore {
  listClusterSummaries(options?: { subscriptionId?: string; continuation?: string; pageSize?: number }): Promise<SummaryPage>;
  getClusterSummary(ref: ClusterRef): Promise<ClusterSummaryRecord | undefined>;
  loadClusterState(ref: ClusterRef): Promise<ClusterState>;
  listSuppressions(ref: ClusterRef, now: string): Promise<Suppression[]>;
  listEvaluations(ref: ClusterRef, options?: { limit?: number }): Promise<EvaluationRecord[]>;
}

export interface ListQuery {
  subscriptionId?: string;
  continuation?: string;
  pageSize: number;
  /** Only clusters with a failing finding at or above this severity (read from the findings). */
  minSeverity?: Severity;
  /** `failing`: a failure or an error in the summary; `passing`: neither. */
  status?: "failing" | "passing";
}

const MAX_PAGE = 100;
const MAX_CONTINUATION = 2_048;
const CONTINUATION = /^[A-Za-z0-9+/=_\-.~%!*'()]+$/;

/** The query of GET /api/clusters, validated; a bad one is answered 400 naming the parameter. */
export function parseListQuery(query: URLSearchParams): Parsed<ListQuery> {
  const out: ListQuery = { pageSize: 50 };
  const subscription = query.get("subscriptionId");
  if (subscription !== null) {
    const parsed = routeParam({ subscriptionId: subscription }, "subscriptionId");
    if (!parsed.ok) return parsed;
    out.subscriptionId = parsed.value;
  }
  const continuation = query.get("continuation");
  if (continuation !== null) {
    if (continuation.length === 0 || continuation.length > MAX_CONTINUATION || !CONTINUATION.test(continuation) || !isTableToken(continuation)) {
      return { ok: false, response: problem(400, "InvalidParameter", "Query parameter 'continuation' is invalid: pass back the value of a previous page", { parameter: "continuation" }) };
    }
    out.continuation = continuation;
  }
  const size = query.get("pageSize");
  if (size !== null) {
    const n = Number(size);
    if (!/^\d{1,3}$/.test(size) || n < 1 || n > MAX_PAGE) {
      return { ok: false, response: problem(400, "InvalidParameter", `Query parameter 'pageSize' is invalid: it must be a whole number from 1 to ${MAX_PAGE}`, { parameter: "pageSize" }) };
    }
    out.pageSize = n;
  }
  const severity = query.get("minSeverity");
  if (severity !== null) {
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      return { ok: false, response: problem(400, "InvalidParameter", `Query parameter 'minSeverity' is invalid: it must be one of ${SEVERITIES.join(", ")}`, { parameter: "minSeverity" }) };
    }
    out.minSeverity = severity as Severity;
  }
  const status = query.get("status");
  if (status !== null) {
    if (status !== "failing" && status !== "passing") {
      return { ok: false, response: problem(400, "InvalidParameter", "Query parameter 'status' is invalid: it must be failing or passing", { parameter: "status" }) };
    }
    out.status = status;
  }
  return { ok: true, value: out };
}

/**
 * One page of the store. Filters apply to the page read (a filtered page may hold fewer items than
 * `pageSize`, even none, and still have a continuation): paging stays the store's, so it never skips.
 */
export async function listClusters(store: ClustersStore, query: ListQuery, scope: readonly string[] = []): Promise<ApiResponse> {
  if (query.subscriptionId && scope.length > 0 && !inScope(query.subscriptionId, scope)) return outOfScope(query.subscriptionId);
  let page: SummaryPage;
  try {
    page = await store.listClusterSummaries({
      pageSize: query.pageSize,
      ...(query.subscriptionId ? { subscriptionId: query.subscriptionId } : {}),
      ...(query.continuation ? { continuation: query.continuation } : {}),
    });
  } catch (error) {
    if (query.continuation && isBadContinuation(error)) {
      return problem(400, "InvalidParameter", "Query parameter 'continuation' is invalid: pass back the value of a previous page", { parameter: "continuation" });
    }
    throw error;
  }
  const items = [];
  for (const record of page.items) {
    if (record.deletedAt) continue;
    if (scope.length > 0 && !inScope(record.ref.subscriptionId, scope)) continue;
    const failing = record.summary.fail + record.summary.error > 0;
    if (query.status === "failing" && !failing) continue;
    if (query.status === "passing" && failing) continue;
    if (query.minSeverity) {
      const state = await store.loadClusterState(record.ref);
      if (!failsAtOrAbove(state, query.minSeverity)) continue;
    }
    items.push(summaryJson(record));
  }
  return json(200, { items, ...(page.continuation ? { continuation: page.continuation } : {}) });
}

/** One cluster: 404 when the store has never evaluated it (or it was deleted). */
export async function clusterDetail(store: ClustersStore, ref: ClusterRef, scope: readonly string[] = [], now: Date = new Date()): Promise<ApiResponse> {
  if (scope.length > 0 && !inScope(ref.subscriptionId, scope)) return outOfScope(ref.subscriptionId);
  const summary = await store.getClusterSummary(ref);
  if (!summary || summary.deletedAt) {
    return problem(404, "ClusterNotFound", `aksmon has no evaluation of ${ref.name} in resource group ${ref.resourceGroup} of subscription ${ref.subscriptionId}`);
  }
  const [state, suppressions, evaluations] = await Promise.all([
    store.loadClusterState(ref),
    store.listSuppressions(ref, now.toISOString()),
    store.listEvaluations(ref, { limit: 10 }),
  ]);
  const findings = [...state.findings.values()]
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.check.localeCompare(b.check))
    .map((f) => ({
      check: f.check,
      status: f.status,
      lastStatus: f.lastStatus,
      severity: f.severity,
      title: f.title,
      message: f.message,
      evidence: f.evidence,
      ...(f.firstSeen ? { firstSeen: f.firstSeen } : {}),
      lastSeen: f.lastSeen,
      ...(f.resolvedAt ? { resolvedAt: f.resolvedAt } : {}),
      suppressed: suppressions.some((s) => s.check === f.check),
    }));
  return json(200, { ...summaryJson(summary), findings, suppressions, evaluations });
}

function summaryJson(record: ClusterSummaryRecord): Record<string, unknown> {
  return {
    id: record.ref.id,
    subscriptionId: record.ref.subscriptionId,
    resourceGroup: record.ref.resourceGroup,
    name: record.ref.name,
    ...(record.location ? { location: record.location } : {}),
    ...(record.kubernetesVersion ? { kubernetesVersion: record.kubernetesVersion } : {}),
    summary: record.summary,
    lastEvaluatedAt: record.lastEvaluatedAt,
    lastTrigger: record.lastTrigger,
    ...(record.lastEventAt ? { lastEventAt: record.lastEventAt } : {}),
  };
}

function failsAtOrAbove(state: ClusterState, min: Severity): boolean {
  const limit = SEVERITIES.indexOf(min);
  return [...state.findings.values()].some((f) => (f.lastStatus === "fail" || f.status === "fail") && SEVERITIES.indexOf(f.severity) <= limit);
}

/** The Tables SDK's continuation: base64 of a JSON object of the next keys. */
function isTableToken(token: string): boolean {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

function isBadContinuation(error: unknown): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return status === 400;
}
