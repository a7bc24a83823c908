/**
 * The HTTP and timer functions of issue 5 (recheck, clusters, teamsMessages, alertDelivery), invoked
 * through @azure/functions' own HttpRequest and InvocationContext against an in-process Azurite and the
 * local ARM and Teams servers; the route validation fuzzed; the recheck cooldown row of the store.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit, type Timer } from "@azure/functions";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertDeliveryHandler } from "../functions/alertDelivery.js";
import { clusterHandler, listClustersHandler } from "../functions/clusters.js";
import { recheckHandler, recheckTiming } from "../functions/recheck.js";
import { teamsMessagesHandler } from "../functions/teamsMessages.js";
import { botRecheck } from "../shared/api/bot.js";
import { apiRuntime, resetApiRuntime } from "../shared/api/instance.js";
import { parsePrincipal } from "../shared/api/principal.js";
import { RECHECK_WAIT_MS } from "../shared/api/recheck.js";
import { clusterRouteRef } from "../shared/api/routeParams.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import { ClusterReader } from "../shared/sources/arm/clusterReader.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startArmServer, type ArmServer } from "./support/armServer.js";
import { startAzurite } from "./support/azurite.js";
import { clusterWith, compliantCluster } from "./support/clusters.js";
import { SUBSCRIPTIONS, connectTo } from "./support/liveReads.js";
import { startTeamsReceiver, type TeamsReceiver } from "./support/teamsReceiver.js";

const SUB = SUBSCRIPTIONS[0];
const OTHER_SUB = SUBSCRIPTIONS[1];
const RG = "rg-api";
const MONITOR: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };
const ENV = [
  "STORAGE_CONNECTION_STRING",
  "AzureWebJobsStorage",
  "AZURE_RESOURCE_MANAGER_ENDPOINT",
  "AZURE_ACCESS_TOKEN",
  "ALERT_COOLDOWN_MINUTES",
  "MONITOR_SUBSCRIPTIONS",
  "RECHECK_REQUIRED_ROLE",
  "TEAMS_WEBHOOK_URL",
  "MicrosoftAppId",
] as const;

let arm: ArmServer;
let azurite: { connectionString: string; close(): Promise<void> };
let teams: TeamsReceiver;
let store: TableStore;
const saved: Record<string, string | undefined> = {};

function refOf(name: string, resourceGroup = RG, subscriptionId: string = SUB): ClusterRef {
  return { id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId, resourceGroup, name };
}

function putCluster(name: string, weak = false): ClusterRef {
  const body = weak ? clusterWith((b) => (b.properties.disableLocalAccounts = false)) : compliantCluster();
  arm.putCluster(body, { subscriptionId: SUB, resourceGroup: RG, name });
  return refOf(name);
}

/** An evaluation as a sweep would make it, so that the next change is a drift. */
async function baseline(ref: ClusterRef): Promise<void> {
  const read = await new ClusterReader(await connectTo(arm)).read(ref);
  if (!read.ok) throw new Error(read.error.message);
  await monitorCluster(read.snapshot, { kind: "sweep", id: "baseline" }, store, MONITOR, new Date(Date.now() - 60_000));
}

function context(name: string, lines: string[] = []): InvocationContext {
  return new InvocationContext({ functionName: name, invocationId: "00000000-0000-4000-8000-0000000a0001", logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(" ")}`) });
}

function recheck(params: Record<string, string>, init: { method?: string; headers?: Record<string, string> } = {}): Promise<HttpResponseInit> {
  const url = `http://localhost/api/clusters/${encodeURIComponent(params.subscriptionId ?? "")}/${encodeURIComponent(params.resourceGroup ?? "")}/${encodeURIComponent(params.clusterName ?? "")}/recheck`;
  return recheckHandler(new HttpRequest({ method: init.method ?? "POST", url, params, ...(init.headers ? { headers: init.headers } : {}) }), context("recheck"));
}

function paramsOf(ref: ClusterRef): Record<string, string> {
  return { subscriptionId: ref.subscriptionId, resourceGroup: ref.resourceGroup, clusterName: ref.name };
}

function errorOf(response: HttpResponseInit): { code: string; message: string; parameter?: string } {
  return (response.jsonBody as { error: { code: string; message: string; parameter?: string } }).error;
}

function header(response: HttpResponseInit, name: string): string | undefined {
  return (response.headers as Record<string, string> | undefined)?.[name];
}

function principal(roles: string[]): string {
  return Buffer.from(JSON.stringify({ auth_typ: "aad", name_typ: "name", role_typ: "roles", claims: [{ typ: "name", val: "Alice" }, ...roles.map((val) => ({ typ: "roles", val }))] })).toString("base64");
}

beforeAll(async () => {
  [arm, azurite, teams] = await Promise.all([startArmServer(), startAzurite(), startTeamsReceiver()]);
  // The functions' own store is built from the settings (default table prefix, this file's own Azurite).
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
  for (const name of ENV) saved[name] = process.env[name];
});

afterAll(async () => {
  await store?.close();
  await Promise.all([arm?.close(), azurite?.close(), teams?.close()]);
});

beforeEach(() => {
  for (const name of ENV) delete process.env[name];
  process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.AZURE_RESOURCE_MANAGER_ENDPOINT = arm.url;
  process.env.AZURE_ACCESS_TOKEN = arm.token;
  process.env.ALERT_COOLDOWN_MINUTES = "0";
  process.env.MONITOR_SUBSCRIPTIONS = SUB;
  resetApiRuntime();
  recheckTiming.waitMs = RECHECK_WAIT_MS;
});

afterEach(() => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetApiRuntime();
});

describe("POST /api/clusters/{sub}/{rg}/{name}/recheck", () => {
  it("answers 200 with the evaluation, and puts the drift's alert in the outbox", async () => {
    const ref = putCluster("aks-recheck");
    await baseline(ref);
    putCluster("aks-recheck", true);
    const response = await recheck(paramsOf(ref));
    expect(response.status).toBe(200);
    const body = response.jsonBody as { summary: { fail: number }; findings: Array<{ check: string; status: string }>; transitions: Array<{ check: string; kind: string }>; alertId?: string };
    expect(body.summary.fail).toBeGreaterThan(0);
    expect(body.findings.find((f) => f.check === "local-accounts-disabled")?.status ?? body.findings.some((f) => f.status === "fail")).toBeTruthy();
    expect(body.transitions.some((t) => t.kind !== "unchanged")).toBe(true);
    expect(body.alertId).toBeTruthy();
    const pending = (await store.listOutbox("pending")).filter((entry) => entry.clusterKey === ref.id.toLowerCase());
    expect(pending.map((entry) => entry.alertId)).toContain(body.alertId);
    const summary = await store.getClusterSummary(ref);
    expect(summary?.lastTrigger).toBe("recheck");
  });

  it("answers 429 with Retry-After within the cooldown, across instances (the row is in the store)", async () => {
    const ref = putCluster("aks-cooldown");
    expect((await recheck(paramsOf(ref))).status).toBe(200);
    resetApiRuntime(); // another instance: nothing in memory
    const again = await recheck(paramsOf(ref));
    expect(again.status).toBe(429);
    expect(errorOf(again).code).toBe("RecheckCooldown");
    const retryAfter = Number(header(again, "retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("answers 202 with the status URL when the evaluation takes longer than the wait, and finishes it", async () => {
    const ref = putCluster("aks-slow");
    recheckTiming.waitMs = 0;
    const response = await recheck(paramsOf(ref));
    expect(response.status).toBe(202);
    const location = `/api/clusters/${SUB}/${RG}/aks-slow`;
    expect(header(response, "location")).toBe(location);
    expect(response.jsonBody).toMatchObject({ status: "accepted", statusUrl: location });
    await expect.poll(async () => (await store.getClusterSummary(ref))?.lastTrigger, { timeout: 10_000 }).toBe("recheck");
  });

  it("answers 404 when ARM has no such cluster", async () => {
    const response = await recheck(paramsOf(refOf("aks-missing")));
    expect(response.status).toBe(404);
    expect(errorOf(response)).toMatchObject({ code: "ClusterNotFound" });
    expect(await store.getClusterSummary(refOf("aks-missing"))).toBeUndefined();
  });

  it("answers 403 for a subscription out of scope, and when MONITOR_SUBSCRIPTIONS is empty", async () => {
    const before = arm.requests.length;
    const out = await recheck({ subscriptionId: OTHER_SUB, resourceGroup: RG, clusterName: "aks-x" });
    expect(out.status).toBe(403);
    expect(errorOf(out)).toMatchObject({ code: "SubscriptionOutOfScope", parameter: "subscriptionId" });
    delete process.env.MONITOR_SUBSCRIPTIONS;
    expect((await recheck({ subscriptionId: SUB, resourceGroup: RG, clusterName: "aks-x" })).status).toBe(403);
    expect(arm.requests.length).toBe(before);
  });

  it("checks the app role of the Easy Auth principal when RECHECK_REQUIRED_ROLE is set", async () => {
    process.env.RECHECK_REQUIRED_ROLE = "Aksmon.Recheck";
    const ref = putCluster("aks-role");
    expect(errorOf(await recheck(paramsOf(ref))).code).toBe("PrincipalRequired");
    const wrong = await recheck(paramsOf(ref), { headers: { "x-ms-client-principal": principal(["Other"]) } });
    expect(wrong.status).toBe(403);
    expect(errorOf(wrong).code).toBe("RoleRequired");
    expect((await recheck(paramsOf(ref), { headers: { "x-ms-client-principal": "%%%not base64 json" } })).status).toBe(403);
    const ok = await recheck(paramsOf(ref), { headers: { "x-ms-client-principal": principal(["Aksmon.Recheck"]) } });
    expect(ok.status).toBe(200);
    expect(parsePrincipal(principal(["a", "b"]))).toEqual({ roles: ["a", "b"], name: "Alice" });
  });

  it("answers another method with 405 and Allow: POST", async () => {
    const response = await recheck(paramsOf(refOf("aks-any")), { method: "GET" });
    expect(response.status).toBe(405);
    expect(header(response, "allow")).toBe("POST");
  });

  const BAD: Array<[label: string, params: Record<string, string>, parameter: string]> = [
    ["path traversal in the resource group", { subscriptionId: SUB, resourceGroup: "..%2F..", clusterName: "aks" }, "resourceGroup"],
    ["path traversal, decoded", { subscriptionId: SUB, resourceGroup: RG, clusterName: "../../providers" }, "clusterName"],
    ["another provider's id pieces", { subscriptionId: SUB, resourceGroup: "rg/providers/Microsoft.Storage/storageAccounts", clusterName: "aks" }, "resourceGroup"],
    ["another provider's id in the name", { subscriptionId: SUB, resourceGroup: RG, clusterName: "Microsoft.Storage/storageAccounts/x" }, "clusterName"],
    ["OData injection", { subscriptionId: SUB, resourceGroup: RG, clusterName: "x' or PartitionKey ne '" }, "clusterName"],
    ["OData injection in the subscription", { subscriptionId: `${SUB}' or PartitionKey ne '`, resourceGroup: RG, clusterName: "aks" }, "subscriptionId"],
    ["an overlong cluster name (64)", { subscriptionId: SUB, resourceGroup: RG, clusterName: "a".repeat(64) }, "clusterName"],
    ["an overlong resource group (91)", { subscriptionId: SUB, resourceGroup: "r".repeat(91), clusterName: "aks" }, "resourceGroup"],
    ["an empty cluster name", { subscriptionId: SUB, resourceGroup: RG, clusterName: "" }, "clusterName"],
    ["an empty resource group", { subscriptionId: SUB, resourceGroup: "", clusterName: "aks" }, "resourceGroup"],
    ["a resource group ending in a period", { subscriptionId: SUB, resourceGroup: "rg.", clusterName: "aks" }, "resourceGroup"],
    ["a non-GUID subscription", { subscriptionId: "not-a-guid", resourceGroup: RG, clusterName: "aks" }, "subscriptionId"],
    ["an empty subscription", { subscriptionId: "", resourceGroup: RG, clusterName: "aks" }, "subscriptionId"],
  ];

  it.each(BAD)("answers 400 naming the parameter and writes nothing: %s", async (_label, params, parameter) => {
    const armBefore = arm.requests.length;
    const clustersBefore = (await store.listClusterSummaries()).items.length;
    const outboxBefore = (await store.listOutbox("pending")).length;
    const response = await recheck(params);
    expect(response.status).toBe(400);
    const error = errorOf(response);
    expect(error.code).toBe("InvalidParameter");
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain(`'${parameter}'`);
    expect(arm.requests.length).toBe(armBefore);
    expect((await store.listClusterSummaries()).items.length).toBe(clustersBefore);
    expect((await store.listOutbox("pending")).length).toBe(outboxBefore);
  });
});

describe("route validation (fast-check)", () => {
  const SAFE = /^[A-Za-z0-9._()-]+$/;
  it("never throws, and accepts only names that keep the ARM naming rules", () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.string({ unit: "grapheme", maxLength: 100 }),
      fc.constantFrom("..", "../..", "..%2F..", "x' or PartitionKey ne '", "rg/providers/Microsoft.Storage", SUB, "aks", "a".repeat(63), "a".repeat(64), " aks", "aks\n"),
    );
    fc.assert(
      fc.property(piece, piece, piece, (subscriptionId, resourceGroup, clusterName) => {
        const parsed = clusterRouteRef({ subscriptionId, resourceGroup, clusterName });
        if (!parsed.ok) {
          expect(parsed.response.status).toBe(400);
          return;
        }
        expect(subscriptionId).toMatch(/^[0-9a-f-]{36}$/i);
        expect(resourceGroup.length).toBeLessThanOrEqual(90);
        expect(resourceGroup.endsWith(".")).toBe(false);
        expect(clusterName.length).toBeLessThanOrEqual(63);
        for (const value of [resourceGroup, clusterName]) {
          expect(value).toMatch(SAFE);
          expect(value).not.toContain("/");
          expect(value).not.toContain("'");
        }
        expect(parsed.value.id).toBe(`/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${clusterName}`);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe("the recheck cooldown row of the store", () => {
  it("admits one recheck per cooldown, whoever asks, and again once it has passed", async () => {
    const ref = refOf("aks-lease");
    const t0 = "2026-11-26T12:00:00.000Z";
    expect(await store.admitRecheck(ref, 60_000, t0, "alice")).toEqual({ admitted: true });
    expect(await store.admitRecheck(ref, 60_000, "2026-11-26T12:00:20.000Z")).toMatchObject({ admitted: false, retryAfterSeconds: 40, by: "alice" });
    expect(await store.admitRecheck(ref, 60_000, "2026-11-26T12:01:00.000Z")).toEqual({ admitted: true });
  });

  it("admits one of two concurrent callers (ETag-guarded)", async () => {
    const ref = refOf("aks-race");
    await store.admitRecheck(ref, 60_000, "2026-11-26T10:00:00.000Z");
    const other = TableStore.connect({ connectionString: azurite.connectionString });
    try {
      const results = await Promise.all([store.admitRecheck(ref, 60_000, "2026-11-26T12:00:00.000Z"), other.admitRecheck(ref, 60_000, "2026-11-26T12:00:00.000Z")]);
      expect(results.filter((r) => r.admitted)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe("GET /api/clusters and /api/clusters/{sub}/{rg}/{name}", () => {
  function get(url: string, params: Record<string, string> = {}, query: Record<string, string> = {}): HttpRequest {
    return new HttpRequest({ method: "GET", url, params, query });
  }

  it("pages the summaries with a continuation token, and filters", async () => {
    const names = ["aks-page-1", "aks-page-2", "aks-page-3"];
    for (const name of names) {
      putCluster(name, name === "aks-page-2");
      await baseline(refOf(name));
    }
    const seen: string[] = [];
    let continuation: string | undefined;
    let pages = 0;
    do {
      const response = await listClustersHandler(get("http://localhost/api/clusters", {}, { subscriptionId: SUB, pageSize: "2", ...(continuation ? { continuation } : {}) }), context("clusters"));
      expect(response.status).toBe(200);
      const body = response.jsonBody as { items: Array<{ name: string }>; continuation?: string };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((item) => item.name));
      continuation = body.continuation;
      pages++;
    } while (continuation && pages < 50);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(seen).size).toBe(seen.length);
    for (const name of names) expect(seen).toContain(name);

    const failing = await listClustersHandler(get("http://localhost/api/clusters", {}, { subscriptionId: SUB, minSeverity: "high", pageSize: "100" }), context("clusters"));
    const failingNames = (failing.jsonBody as { items: Array<{ name: string }> }).items.map((item) => item.name);
    expect(failingNames).toContain("aks-page-2");

    const bad = await listClustersHandler(get("http://localhost/api/clusters", {}, { continuation: "x' or 1 eq 1" }), context("clusters"));
    expect(bad.status).toBe(400);
    expect(errorOf(bad).parameter).toBe("continuation");
    expect(errorOf(await listClustersHandler(get("http://localhost/api/clusters", {}, { subscriptionId: "nope" }), context("clusters"))).parameter).toBe("subscriptionId");
    expect((await listClustersHandler(get("http://localhost/api/clusters", {}, { pageSize: "0" }), context("clusters"))).status).toBe(400);
  });

  it("shows only the subscriptions in scope: another's clusters are left out of pages and answered 403", async () => {
    const other: ClusterRef = {
      id: `/subscriptions/${OTHER_SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/aks-elsewhere`,
      subscriptionId: OTHER_SUB,
      resourceGroup: RG,
      name: "aks-elsewhere",
    };
    arm.putCluster(compliantCluster(), { subscriptionId: OTHER_SUB, resourceGroup: RG, name: "aks-elsewhere" });
    const read = await new ClusterReader(await connectTo(arm)).read(other);
    if (!read.ok) throw new Error(read.error.message);
    await monitorCluster(read.snapshot, { kind: "sweep", id: "elsewhere" }, store, MONITOR);
    expect(await store.getClusterSummary(other)).toBeDefined();

    const seen: string[] = [];
    let continuation: string | undefined;
    do {
      const response = await listClustersHandler(get("http://localhost/api/clusters", {}, { pageSize: "100", ...(continuation ? { continuation } : {}) }), context("clusters"));
      const body = response.jsonBody as { items: Array<{ subscriptionId: string }>; continuation?: string };
      seen.push(...body.items.map((item) => item.subscriptionId));
      continuation = body.continuation;
    } while (continuation);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((id) => id === SUB)).toBe(true);
    const asked = await listClustersHandler(get("http://localhost/api/clusters", {}, { subscriptionId: OTHER_SUB }), context("clusters"));
    expect(asked.status).toBe(403);
    expect(errorOf(asked).code).toBe("SubscriptionOutOfScope");
    const detail = await clusterHandler(get("http://localhost/api/clusters/x", paramsOf(other)), context("cluster"));
    expect(detail.status).toBe(403);
  });

  it("returns one cluster's posture, findings, suppressions and evaluations; 404 when unknown; 400 when invalid", async () => {
    const ref = putCluster("aks-detail", true);
    await baseline(ref);
    await store.setSuppression(ref, { check: "local-accounts-disabled", until: "2099-01-01T00:00:00.000Z", by: "alice", reason: "migration", createdAt: "2026-11-26T00:00:00.000Z" });
    const response = await clusterHandler(get("http://localhost/api/clusters/x", paramsOf(ref)), context("cluster"));
    expect(response.status).toBe(200);
    const body = response.jsonBody as { name: string; summary: { fail: number }; findings: Array<{ check: string; status: string }>; suppressions: unknown[]; evaluations: unknown[] };
    expect(body.name).toBe("aks-detail");
    expect(body.findings.length).toBeGreaterThan(10);
    expect(body.findings.some((f) => f.status === "fail")).toBe(true);
    expect(body.suppressions).toHaveLength(1);
    expect(body.evaluations.length).toBeGreaterThan(0);

    const missing = await clusterHandler(get("http://localhost/api/clusters/x", paramsOf(refOf("aks-never"))), context("cluster"));
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe("ClusterNotFound");
    const bad = await clusterHandler(get("http://localhost/api/clusters/x", { subscriptionId: SUB, resourceGroup: RG, clusterName: "x' or PartitionKey ne '" }), context("cluster"));
    expect(bad.status).toBe(400);
    expect(errorOf(bad).parameter).toBe("clusterName");
  });
});

describe("POST /api/messages", () => {
  it("answers a body that is not a JSON object with 400, without loading the bot", async () => {
    for (const body of ["not json", "[1,2]", "42", ""]) {
      const response = await teamsMessagesHandler(new HttpRequest({ method: "POST", url: "http://localhost/api/messages", body: { string: body }, headers: { "content-type": "application/json" } }), context("teamsMessages"));
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe("InvalidBody");
    }
  });

  it("answers 503 when no bot is configured", async () => {
    const response = await teamsMessagesHandler(new HttpRequest({ method: "POST", url: "http://localhost/api/messages", body: { string: JSON.stringify({ type: "message" }) } }), context("teamsMessages"));
    expect(response.status).toBe(503);
  });
});

describe("the bot's recheck callback", () => {
  it("uses the same validation, scope, cooldown and pipeline as the HTTP endpoint", async () => {
    const recheckFor = botRecheck(await apiRuntime());
    const ref = putCluster("aks-bot", true);
    const first = await recheckFor(ref.id, "Alice");
    expect(first).toMatchObject({ summary: expect.stringMatching(/[1-9]\d* failing/) });
    expect((await store.getClusterSummary(ref))?.lastTrigger).toBe("recheck");
    expect(await recheckFor(ref.id, "Bob")).toMatchObject({ error: expect.stringContaining("moments ago") });
    expect(await recheckFor(`/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/x`, "Alice")).toMatchObject({ error: expect.any(String) });
    expect(await recheckFor(`${ref.id}/agentPools/pool1`, "Alice")).toMatchObject({ error: expect.stringContaining("not the id") });
    expect(await recheckFor(refOf("aks-x", RG, OTHER_SUB).id, "Alice")).toMatchObject({ error: expect.stringContaining("not monitored") });
    expect(await recheckFor(refOf("aks-gone").id, "Alice")).toMatchObject({ error: expect.stringContaining("no such cluster") });
  });
});

describe("alertDelivery (timer)", () => {
  const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

  it("delivers an enqueued alert to the Teams webhook", async () => {
    process.env.TEAMS_WEBHOOK_URL = teams.url;
    teams.reset();
    const ref = putCluster("aks-deliver");
    await baseline(ref);
    putCluster("aks-deliver", true);
    const response = await recheck(paramsOf(ref));
    expect(response.status).toBe(200);
    const lines: string[] = [];
    await alertDeliveryHandler(timer, context("alertDelivery", lines));
    expect(teams.received.length).toBeGreaterThan(0);
    expect(JSON.stringify(teams.received.map((r) => r.card))).toContain("aks-deliver");
    expect((await store.listOutbox("pending")).filter((entry) => entry.clusterKey === ref.id.toLowerCase())).toEqual([]);
    expect(lines.join("\n")).toMatch(/alertDelivery: webhook: [1-9]\d* sent/);
    expect(lines.join("\n")).not.toContain(teams.secret);
    // The metrics an SRE charts (shared/logging/metrics.ts): what the round sent and what still waits.
    expect(lines.join("\n")).toMatch(/metric aksmon\.alerts\.sent=[1-9]\d* channel=webhook/);
    expect(lines.join("\n")).toMatch(/metric aksmon\.alerts\.dead=0 channel=webhook/);
    const waiting = (await store.listOutbox("pending")).length;
    expect(lines.join("\n")).toContain(`metric aksmon.alerts.waiting=${waiting} channel=webhook`);
  });

  it("leaves the outbox alone when no channel is configured", async () => {
    const lines: string[] = [];
    await alertDeliveryHandler(timer, context("alertDelivery", lines));
    expect(lines.join("\n")).toContain("no channel configured");
    expect(lines.join("\n")).toMatch(/metric aksmon\.alerts\.waiting=\d+ channel=none/);
    expect(lines.join("\n")).not.toContain("aksmon.alerts.sent");
  });
});
