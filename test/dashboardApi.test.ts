/**
 * The dashboard served and written: GET /api/dashboard through @azure/functions' own HttpRequest and
 * InvocationContext against an in-process Azurite, and `aksmon report --html` as a process after
 * `aksmon sweep --fleet examples/fleet` (the embedded Azurite under a temporary AKSMON_HOME).
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dashboardHandler } from "../functions/dashboard.js";
import { resetApiRuntime } from "../shared/api/instance.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { embeddedDashboardModel } from "../shared/dashboard/page.js";
import { monitorCluster } from "../shared/monitor/pipeline.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startAzurite } from "./support/azurite.js";
import { clusterWith, compliantCluster, snapshotOf, type Json } from "./support/clusters.js";
import { runAksmon } from "./support/aksmonProcess.js";

const ROOT = join(import.meta.dirname, "..");
const SUB = "1c0ffee0-0000-4000-8000-00000000da5b";
const OTHER_SUB = "2c0ffee0-0000-4000-8000-00000000da5b";
const ENV = ["STORAGE_CONNECTION_STRING", "AzureWebJobsStorage", "AZURE_ACCESS_TOKEN", "MONITOR_SUBSCRIPTIONS", "AKSMON_PROFILE"] as const;

let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;
const saved: Record<string, string | undefined> = {};

function placed(body: Json, name: string, subscriptionId: string): Json {
  const copy = structuredClone(body);
  copy.id = `/subscriptions/${subscriptionId}/resourceGroups/rg-dash/providers/Microsoft.ContainerService/managedClusters/${name}`;
  copy.name = name;
  return copy;
}

function get(query: Record<string, string> = {}, method = "GET"): Promise<HttpResponseInit> {
  const url = `http://localhost/api/dashboard?${new URLSearchParams(query)}`;
  const context = new InvocationContext({ functionName: "dashboard", invocationId: "00000000-0000-4000-8000-0000000da5b0" });
  return dashboardHandler(new HttpRequest({ method, url, query }), context);
}

const header = (response: HttpResponseInit, name: string) => (response.headers as Record<string, string> | undefined)?.[name];

/** The model the page embeds. */
const modelOf = embeddedDashboardModel;

beforeAll(async () => {
  azurite = await startAzurite();
  // The function's own store is built from the settings: the default table prefix on this file's Azurite.
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
  const monitor = { profile: defaultProfile, minSeverity: "medium" as const, cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };
  const bodies = [
    placed(compliantCluster(), "aks-dash-good", SUB),
    placed(clusterWith((b) => (b.properties.disableLocalAccounts = false)), "aks-dash-weak", SUB),
    placed(clusterWith((b) => (b.properties.enableRBAC = false)), "aks-dash-hidden", OTHER_SUB),
  ];
  for (const body of bodies) await monitorCluster(await snapshotOf(body), { kind: "sweep", id: "s1" }, store, monitor);
  for (const name of ENV) saved[name] = process.env[name];
});

afterAll(async () => {
  await store?.close();
  await azurite?.close();
});

beforeEach(() => {
  for (const name of ENV) delete process.env[name];
  process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.AZURE_ACCESS_TOKEN = "test-token";
  process.env.MONITOR_SUBSCRIPTIONS = SUB;
  resetApiRuntime();
});

afterEach(() => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetApiRuntime();
});

describe("GET /api/dashboard", () => {
  it("answers the page with a strict CSP whose nonce is the inline scripts' and styles', new per response", async () => {
    const response = await get();
    expect(response.status).toBe(200);
    expect(header(response, "content-type")).toBe("text/html; charset=utf-8");
    expect(header(response, "cache-control")).toBe("no-store");
    expect(header(response, "x-content-type-options")).toBe("nosniff");
    expect(header(response, "referrer-policy")).toBe("no-referrer");
    expect(header(response, "x-frame-options")).toBe("DENY");
    const csp = header(response, "content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{24}$/);

    const html = String(response.body);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    // Every executable script and every style carries the nonce; the JSON data blocks do not execute.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((match) => match[1]!);
    const executable = scripts.filter((attributes) => !/type="application\/(json|octet-stream)"/.test(attributes));
    expect(executable.length).toBeGreaterThan(0);
    for (const attributes of executable) expect(attributes).toContain(`nonce="${nonce}"`);
    for (const match of html.matchAll(/<style([^>]*)>/g)) expect(match[1]).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//);

    const again = await get();
    const nonceAgain = /script-src 'nonce-([^']+)'/.exec(header(again, "content-security-policy")!)?.[1];
    expect(nonceAgain).toBeDefined();
    expect(nonceAgain).not.toBe(nonce);
  });

  it("shows only the clusters of MONITOR_SUBSCRIPTIONS", async () => {
    const model = modelOf(String((await get()).body));
    expect(model.scope).toEqual([SUB]);
    expect(model.clusters.map((c) => c.name)).toEqual(["aks-dash-weak", "aks-dash-good"]);
    const weak = model.clusters[0]!;
    expect(weak.findings.find((f) => f.check === "local-accounts-disabled")).toMatchObject({
      lastStatus: "fail",
      remediation: "az aks update -g rg-dash -n aks-dash-weak --disable-local-accounts",
    });
    expect(String((await get()).body)).not.toContain("aks-dash-hidden");

    // No MONITOR_SUBSCRIPTIONS: every stored cluster, as the status API shows them.
    delete process.env.MONITOR_SUBSCRIPTIONS;
    resetApiRuntime();
    const all = modelOf(String((await get()).body));
    expect(all.scope).toBeUndefined();
    expect(all.clusters.map((c) => c.name).sort()).toEqual(["aks-dash-good", "aks-dash-hidden", "aks-dash-weak"]);
  });

  it("narrows to one subscription with ?subscriptionId=, refuses a bad one (400) and one outside the scope (403)", async () => {
    const narrowed = modelOf(String((await get({ subscriptionId: SUB.toUpperCase() })).body));
    expect(narrowed.clusters).toHaveLength(2);
    expect(narrowed.trend).toHaveLength(1);

    const bad = await get({ subscriptionId: "not-a-guid" });
    expect(bad.status).toBe(400);
    expect(bad.jsonBody).toMatchObject({ error: { code: "InvalidParameter", parameter: "subscriptionId" } });
    const empty = await get({ subscriptionId: "" });
    expect(empty.status).toBe(400);

    const outside = await get({ subscriptionId: OTHER_SUB });
    expect(outside.status).toBe(403);
    expect(outside.jsonBody).toMatchObject({ error: { code: "SubscriptionOutOfScope" } });
  });

  it("answers 405 to anything but GET", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await get({}, method);
      expect(response.status).toBe(405);
      expect(header(response, "allow")).toBe("GET");
    }
  });
});

describe("aksmon report --html, as a process", () => {
  let home: string;
  let out: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "aksmon-report-"));
    out = join(home, "out");
    mkdirSync(out);
    const sweep = await runAksmon({ AKSMON_HOME: home }, "sweep", "--fleet", join(ROOT, "examples", "fleet"));
    expect(sweep.code).toBe(0);
  }, 60_000);

  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("writes the sample fleet's dashboard as one self-contained page", async () => {
    const file = join(out, "fleet.html");
    const run = await runAksmon({ AKSMON_HOME: home }, "report", "--html", file);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`wrote ${file}: 3 clusters\n`);
    const html = readFileSync(file, "utf8");
    const model = modelOf(html);
    expect(model.clusters.map((c) => c.name).sort()).toEqual(["dev-eus-sandbox", "prod-weu-payments", "stg-neu-web"]);
    expect(model.trend.length).toBeGreaterThanOrEqual(2);
    // A file has no response header: its policy is a <meta>, with hashes, never a nonce.
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(policy).toContain("script-src 'sha256-");
    expect(policy).not.toContain("unsafe-inline");
    expect(html).not.toContain("nonce");
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(readdirSync(out)).toEqual(["fleet.html"]);
  });

  it("narrows to --subscription and refuses a bad one", async () => {
    const file = join(out, "sandbox.html");
    const run = await runAksmon({ AKSMON_HOME: home }, "report", "--html", file, "--subscription", "9A8B7C6D-5E4F-4A3B-8C2D-1E0F9A8B7C6D");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`wrote ${file}: 1 clusters\n`);
    expect(modelOf(readFileSync(file, "utf8")).clusters.map((c) => c.name)).toEqual(["dev-eus-sandbox"]);
    rmSync(file);

    const bad = await runAksmon({ AKSMON_HOME: home }, "report", "--html", file, "--subscription", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/--subscription "nope" is not a subscription id/)]);
    expect(existsSync(file)).toBe(false);
  });

  it("a path it cannot write: exit 2, one line on stderr, nothing written", async () => {
    for (const path of [join(home, "missing", "fleet.html"), out]) {
      const run = await runAksmon({ AKSMON_HOME: home }, "report", "--html", path);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^aksmon: --html .+: (the directory .+ does not exist|is a directory)/)]);
    }
    expect(existsSync(join(home, "missing"))).toBe(false);
    const missing = await runAksmon({ AKSMON_HOME: home }, "report");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--html/);
  });
});
