import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packDashboardModel, unpackDashboardModel } from "../shared/dashboard/client.js";
import { renderDashboardPage } from "../shared/dashboard/page.js";
import { launchTestBrowser, type PageServer, startPageServer, watchedPage } from "./support/browser.js";
import { heavyFleet } from "../bench/dashboardFleet.js";
import { BREAKOUT, emptyFleet, HOSTILE, hostileFleet, PAYMENTS_SUB, smallFleet, syntheticFleet } from "./support/dashboardModels.js";

const ARTIFACTS = join(import.meta.dirname, "artifacts");
const NONCE = "dGVzdC1ub25jZS0wMTIzNDU2Nzg5";
const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** The text of each `<tag ...>...</tag>` element of the document, in order. */
function elements(html: string, tag: string): Array<{ attrs: string; text: string }> {
  return [...html.matchAll(new RegExp(`<${tag}([^>]*)>([\\s\\S]*?)</${tag}>`, "g"))].map((m) => ({ attrs: m[1]!, text: m[2]! }));
}

describe("renderDashboardPage: the document", () => {
  it("embeds the model gzipped in base64, so that no user text can close the script element, and it round-trips", () => {
    const model = hostileFleet();
    const { html } = renderDashboardPage(model);
    const scripts = elements(html, "script");
    expect(scripts.map((s) => s.attrs)).toEqual([
      ' type="application/octet-stream" id="aksmon-data" data-encoding="gzip-base64"',
      ' type="application/json" id="aksmon-categories"',
      "",
    ]);
    const data = scripts[0]!.text;
    expect(data).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const json = gunzipSync(Buffer.from(data, "base64")).toString("utf8");
    expect(unpackDashboardModel(JSON.parse(json))).toEqual(model);
    // The hostile strings are in the data, verbatim, and nowhere in the document.
    for (const text of [BREAKOUT, HOSTILE, "<script>alert(5)</script>", "<a href=javascript:alert(6)>click</a>"]) {
      expect(json).toContain(JSON.stringify(text).slice(1, -1));
      expect(html).not.toContain(text);
    }
    expect(elements(html, "script")[1]!.text).not.toMatch(/[<>&]/);
  });

  it("packs findings and history by check, and unpacks them exactly, for every fleet", () => {
    for (const model of [smallFleet(), hostileFleet(), emptyFleet(), syntheticFleet(300), heavyFleet(40)]) {
      const packed = JSON.parse(JSON.stringify(packDashboardModel(model)));
      expect(unpackDashboardModel(packed)).toEqual(model);
      expect(JSON.stringify(unpackDashboardModel(packed))).toBe(JSON.stringify(model));
    }
    const packed = packDashboardModel(smallFleet());
    packed.findings[0]![1].pop();
    expect(() => unpackDashboardModel(packed)).toThrow(/incomplete/);
    expect(() => unpackDashboardModel({ v: 2 } as never)).toThrow(/not a fleet dashboard model/);
  });

  it("embeds a heavy fleet (30 failures a cluster, 20 history entries) at an eighth of its JSON size or less", () => {
    const model = heavyFleet(300);
    const { html } = renderDashboardPage(model);
    const json = Buffer.byteLength(JSON.stringify(model));
    expect(Buffer.byteLength(html)).toBeLessThan(json / 8);
  });

  it("without a nonce, allows exactly its inline script and style by hash, in a meta CSP and the header", () => {
    const { html, contentSecurityPolicy } = renderDashboardPage(smallFleet());
    const script = elements(html, "script").at(-1)!.text;
    const style = elements(html, "style")[0]!.text;
    expect(contentSecurityPolicy).toBe(
      `default-src 'none'; script-src ${sha256(script)}; style-src ${sha256(style)}; img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy.replace("; frame-ancestors 'none'", ""));
    expect(html).not.toContain("unsafe-inline");
    expect(html).not.toContain("nonce");
  });

  it("with a nonce, puts it on the script and the style and in the policy", () => {
    const { html, contentSecurityPolicy } = renderDashboardPage(smallFleet(), { nonce: NONCE });
    expect(contentSecurityPolicy).toContain(`script-src 'nonce-${NONCE}'; style-src 'nonce-${NONCE}'`);
    expect(contentSecurityPolicy).not.toContain("sha256");
    expect(elements(html, "script").at(-1)!.attrs).toBe(` nonce="${NONCE}"`);
    expect(elements(html, "style")[0]!.attrs).toBe(` nonce="${NONCE}"`);
    expect(() => renderDashboardPage(smallFleet(), { nonce: `x" onload="alert(1)` })).toThrow(/nonce/);
  });

  it("holds no URL at all, for a small and a 2,000-cluster fleet", () => {
    for (const model of [smallFleet(), syntheticFleet(2_000), emptyFleet()]) {
      const { html } = renderDashboardPage(model);
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    }
  });
});

// Never skipped: Debian's chromium or @sparticuz/chromium's, else every test below fails with the one line
// launchTestBrowser throws ("no browser could start: ...").
describe("the dashboard in headless Chromium", () => {
  let browser: Browser;
  let server: PageServer;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startPageServer();
    ({ browser } = await launchTestBrowser());
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Serves the model (CSP header with a nonce, as GET /api/dashboard does) and opens it in a fresh page. */
  async function open(model = smallFleet(), { hashOnly = false, bypassCSP = false } = {}) {
    const rendered = renderDashboardPage(model, hashOnly ? {} : { nonce: NONCE });
    server.serve(rendered.html, hashOnly ? undefined : rendered.contentSecurityPolicy);
    const context = await browser.newContext({ bypassCSP, viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(5_000);
    const watch = await watchedPage(context);
    await watch.page.goto(server.url);
    await watch.page.locator("#main h2").first().waitFor();
    return { ...watch, close: () => context.close() };
  }
  const clusterRows = (page: Page) => page.locator("#clusters-table tbody tr");
  const clusterNames = (page: Page) => page.locator("#clusters-table tbody th").allTextContents();

  for (const [name, hashOnly] of [
    ["served with a nonce and the CSP header", false],
    ["written as a file: hashes in a meta CSP", true],
  ] as const) {
    it(`loads ${name}: no console error, no CSP violation, no request but the document`, async () => {
      const { page, consoleErrors, violations, requests, dialogs, close } = await open(smallFleet(), { hashOnly });
      try {
        await expect.poll(() => clusterRows(page).count()).toBe(5);
        expect(await page.locator("h1").allTextContents()).toEqual(["AKS fleet posture"]);
        expect(await page.title()).toBe("AKS fleet posture · aksmon");
        expect(await page.locator("#filter-status").textContent()).toBe("Showing all 5 clusters");
        expect(await page.locator("#count-failing").textContent()).toBe("4");
        expect(await page.locator("#heatmap tbody tr").count()).toBe(5);
        expect(await page.locator("svg.chart").count()).toBe(2);
        await page.waitForLoadState("load");
        expect(consoleErrors).toEqual([]);
        expect(await violations()).toEqual([]);
        expect(dialogs).toEqual([]);
        expect(requests).toEqual([server.url]);
      } finally {
        await close();
      }
    });
  }

  it("filters by subscription, severity, tag and name, in every panel", async () => {
    const { page, consoleErrors, close } = await open();
    try {
      await page.getByLabel("Subscription").selectOption(PAYMENTS_SUB);
      expect(await clusterNames(page)).toEqual(["prod-weu-payments", "prod-neu-api"]);
      expect(await page.locator("#heatmap tbody tr").count()).toBe(2);
      expect(await page.locator("#filter-status").textContent()).toBe("Showing 2 of 5 clusters");
      expect(page.url()).toContain(`sub=${PAYMENTS_SUB}`);

      await page.getByLabel("Subscription").selectOption("");
      await page.getByLabel("Failing at or above").selectOption("high");
      expect(await clusterNames(page)).toEqual(["prod-weu-payments", "prod-neu-api"]);
      await page.getByLabel("Failing at or above").selectOption("medium");
      expect(await clusterNames(page)).toEqual(["prod-weu-payments", "prod-neu-api", "stg-neu-web"]);
      expect(await page.getByRole("region", { name: "Clusters table" }).getByText("dev-eus-batch").count()).toBe(0);

      await page.getByLabel("Failing at or above").selectOption("");
      await page.getByLabel("Tag (key or key=value)").fill("env=dev");
      expect(await clusterNames(page)).toEqual(["dev-eus-batch", "dev-weu-sandbox"]);
      await page.getByLabel("Tag (key or key=value)").fill("owner");
      expect(await clusterNames(page)).toEqual(["dev-weu-sandbox"]);
      expect(await page.locator("#count-failing").textContent()).toBe("0");
      await page.getByLabel("Tag (key or key=value)").fill("env=qa");
      expect(await page.locator("#no-match").textContent()).toBe("No cluster matches the filters.");

      await page.getByRole("button", { name: "Clear filters" }).click();
      await page.getByLabel("Cluster name contains").fill("WEB");
      expect(await clusterNames(page)).toEqual(["stg-neu-web"]);
      // The checks failing most follow the filters too.
      expect(await page.locator("#top-checks-title + table tbody th").allTextContents()).toEqual(["azure-rbac-authz", "ingress-waf", "uptime-sla-tier"]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("drills down to a cluster by keyboard and by click, and comes back with the filters kept", async () => {
    const { page, consoleErrors, violations, requests, close } = await open();
    try {
      await page.getByLabel("Subscription").selectOption(PAYMENTS_SUB);
      await page.getByLabel("Subscription").press("Tab");
      const link = page.getByRole("region", { name: "Clusters table" }).getByRole("link", { name: "prod-weu-payments" });
      await link.focus();
      await page.keyboard.press("Enter");

      const title = page.locator("#cluster-title");
      await expect.poll(() => title.textContent()).toBe("prod-weu-payments");
      expect(await page.evaluate("document.activeElement && document.activeElement.id")).toBe("cluster-title");
      expect(await page.title()).toBe("prod-weu-payments · AKS fleet posture");
      const findings = page.locator("#findings-table");
      expect(await page.locator("#findings-table > tbody > tr:not(.detail) > th").allTextContents()).toEqual([
        "api-authorized-ip-ranges",
        "local-accounts-disabled",
        "node-image-current",
        "container-insights",
        "private-cluster",
      ]);
      expect(await findings.getByText("Snoozed until 2026-12-31 00:00 UTC", { exact: true }).count()).toBe(1);
      expect(await findings.getByText("Snoozed until 2026-12-31 00:00 UTC by secops@contoso.com: Private cluster migration planned for Q1", { exact: true }).count()).toBe(1);
      // Titles come from the catalogue's checks.
      expect(await page.locator("#findings-table > tbody > tr:not(.detail)").first().locator("td").first().textContent()).toBe(
        "The public API server is limited to authorized IP ranges",
      );
      const details = page.getByText("Evidence and remediation for api-authorized-ip-ranges");
      await details.focus();
      await page.keyboard.press("Enter");
      const opened = page.locator("details[open]");
      expect(await opened.locator("tbody th").allTextContents()).toEqual(["properties.apiServerAccessProfile.authorizedIPRanges"]);
      expect(await opened.locator("tbody td").first().textContent()).toBe("[]");
      expect(await opened.locator("pre code").textContent()).toBe("az aks update -g aks-prod -n prod-weu-payments --api-server-authorized-ip-ranges <comma-separated-cidrs>");

      const history = page.getByRole("region", { name: "Change history" });
      expect(await history.getByText("alice@contoso.com").count()).toBe(1);
      expect(await history.locator("code").allTextContents()).toEqual([
        'properties.apiServerAccessProfile.authorizedIPRanges: ["10.0.0.0/8","192.168.0.0/16","172.16.0.0/12"] → []',
        "properties.disableLocalAccounts: true → false",
      ]);
      expect(await history.getByText("New failure: api-authorized-ip-ranges (high) The public API server is limited to authorized IP ranges", { exact: false }).count()).toBe(1);
      expect(await history.getByText("Regressed: local-accounts-disabled (high) Local accounts are disabled", { exact: false }).count()).toBe(1);
      const suppressions = page.locator("section[aria-labelledby=suppressions-title] tbody tr");
      expect(await suppressions.locator("th, td").allTextContents()).toEqual([
        "private-cluster",
        "2026-12-31 00:00 UTC",
        "secops@contoso.com",
        "Private cluster migration planned for Q1",
        "2026-11-16 12:00 UTC",
      ]);
      expect(await page.locator("section[aria-labelledby=node-health-title]").getByText("aks-nodepool1-31718369-vmss000002").count()).toBe(1);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-cluster.png"), fullPage: true });

      // History back: the overview, still filtered, focus on the cluster we came from.
      await page.goBack();
      await expect.poll(() => clusterNames(page)).toEqual(["prod-weu-payments", "prod-neu-api"]);
      expect(await page.getByLabel("Subscription").inputValue()).toBe(PAYMENTS_SUB);
      expect(await page.evaluate("document.activeElement && document.activeElement.textContent")).toBe("prod-weu-payments");

      // By click, then the back link.
      await page.getByRole("region", { name: "Clusters table" }).getByRole("link", { name: "prod-neu-api" }).click();
      await expect.poll(() => title.textContent()).toBe("prod-neu-api");
      // Exemptions the cluster's tags declare: with and without an end, never "until" with nothing after it.
      expect(await findings.locator(".badge").allTextContents()).toEqual(["Exempt (accepted risk)", "Exempt (accepted risk) until 2027-03-31 00:00 UTC"]);
      expect((await findings.locator("details p").allTextContents()).filter((text) => text.startsWith("Exempt"))).toEqual([
        "Exempt (accepted risk) by tag aksmon-exempt: Break-glass SSH for the vendor's appliance",
        "Exempt (accepted risk) by tag aksmon-exempt until 2027-03-31 00:00 UTC: Images are pinned until the migration",
      ]);
      expect(await findings.textContent()).not.toMatch(/until(:| by|$)/);
      await page.getByRole("link", { name: "Back to the fleet overview" }).click();
      await expect.poll(() => clusterNames(page)).toEqual(["prod-weu-payments", "prod-neu-api"]);
      expect(await page.getByLabel("Subscription").inputValue()).toBe(PAYMENTS_SUB);

      // The back link is a navigation too: back and forward walk through it.
      await page.goBack();
      await expect.poll(() => title.textContent()).toBe("prod-neu-api");
      await page.goForward();
      await expect.poll(() => clusterNames(page)).toEqual(["prod-weu-payments", "prod-neu-api"]);
      expect(consoleErrors).toEqual([]);
      expect(await violations()).toEqual([]);
      expect(requests).toEqual([server.url]);
    } finally {
      await close();
    }
  });

  it("shows the undelivered and dead alerts on the overview, and a cluster's audit trail on its page (user text as text)", async () => {
    const model = smallFleet();
    model.delivery = { pending: 3, dead: 2, oldestPendingAt: new Date(Date.parse(model.generatedAt) - 5 * 3_600_000).toISOString() };
    const payments = model.clusters.find((c) => c.name === "prod-weu-payments")!;
    payments.audit = [
      { at: "2026-11-25T10:00:00.000Z", action: "recheck", actor: "Alice (aad 1111)", via: "http" },
      { at: "2026-11-24T09:00:00.000Z", action: "snooze", actor: "<img src=y onerror=alert(1)>", via: "bot", check: "private-cluster", until: "2026-12-31T00:00:00.000Z", reason: "<b>Q1</b> migration" },
    ];
    const { page, consoleErrors, dialogs, close } = await open(model);
    try {
      const delivery = page.locator("#alert-delivery");
      expect(await delivery.locator("h3").textContent()).toBe("Alert delivery");
      expect(await page.locator("#outbox-pending").textContent()).toBe("3");
      expect(await page.locator("#outbox-dead").textContent()).toBe("2");
      expect(await page.locator("#outbox-note").textContent()).toMatch(/^3 alert\(s\) not delivered yet, the oldest since .* UTC \(5 h old\); 2 given up on\. List them with aksmon outbox; re-queue the dead with aksmon outbox --redrive\.$/);

      await page.getByRole("region", { name: "Clusters table" }).getByRole("link", { name: "prod-weu-payments" }).click();
      await expect.poll(() => page.locator("#cluster-title").textContent()).toBe("prod-weu-payments");
      const rows = page.locator("section[aria-labelledby=audit-title] tbody tr");
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).locator("td").allTextContents()).toEqual(["2026-11-25 10:00 UTC", "Recheck", "", "Alice (aad 1111)", "http", "", ""]);
      expect(await rows.nth(1).locator("td").allTextContents()).toEqual([
        "2026-11-24 09:00 UTC",
        "Snoozed",
        "private-cluster",
        "<img src=y onerror=alert(1)>",
        "bot",
        "2026-12-31 00:00 UTC",
        "<b>Q1</b> migration",
      ]);
      expect(await page.locator("section[aria-labelledby=audit-title] img, section[aria-labelledby=audit-title] b").count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await close();
    }
  });

  it("saves a screenshot of the overview", async () => {
    const { page, close } = await open();
    try {
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-overview.png"), fullPage: true });
    } finally {
      await close();
    }
  });

  it("has no serious or critical accessibility violation (axe-core) on the overview and a cluster page", async () => {
    const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
    // bypassCSP only so that axe can be injected; the other tests run under the page's real policy.
    const { page, close } = await open(smallFleet(), { bypassCSP: true });
    const scan = async () => {
      await page.addScriptTag({ content: axeSource });
      const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as {
        violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
      };
      return result.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    };
    try {
      await page.locator("details").first().click();
      expect(await scan()).toEqual([]);
      await page.getByRole("region", { name: "Clusters table" }).getByRole("link", { name: "prod-weu-payments" }).click();
      await page.locator("#cluster-title").waitFor();
      await page.getByText("Evidence and remediation for api-authorized-ip-ranges").click();
      expect(await scan()).toEqual([]);
    } finally {
      await close();
    }
  });

  it("renders hostile names and values as text, even with no CSP at all", async () => {
    const { html } = renderDashboardPage(hostileFleet());
    // Strip the policy: the escaping alone must hold.
    server.serve(html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, ""));
    const context = await browser.newContext();
    context.setDefaultTimeout(5_000);
    const { page, dialogs, requests, consoleErrors } = await watchedPage(context);
    try {
      await page.goto(server.url);
      const table = page.getByRole("region", { name: "Clusters table" });
      await table.getByRole("link", { name: HOSTILE }).waitFor();
      expect(await table.getByRole("link", { name: BREAKOUT }).count()).toBe(1);
      expect(await page.locator("img, iframe, svg:not(.chart), script:not([type])").count()).toBe(1);
      await table.getByRole("link", { name: HOSTILE }).click();
      await page.locator("#cluster-title").waitFor();
      expect(await page.locator("#cluster-title").textContent()).toBe(HOSTILE);
      expect(await page.locator("#cluster-tags li").allTextContents()).toEqual([`${HOSTILE}=${BREAKOUT}`, "env=prod"]);
      await page.getByText("Evidence and remediation for api-authorized-ip-ranges").click();
      for (const text of ["tags.<iframe src=javascript:alert(4)>", "<a href=javascript:alert(6)>click</a>", "<img src=y onerror=alert(7)>@contoso.com", "<p>: <b> → </td>"]) {
        expect(await page.getByText(text, { exact: false }).count(), text).toBeGreaterThan(0);
      }
      expect(await page.locator("img, iframe, a[href^=javascript], b, u, p > a").count()).toBe(0);
      await page.waitForTimeout(100);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([server.url]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("says so when the fleet is empty, and when a cluster id is unknown", async () => {
    const { page, consoleErrors, close } = await open(emptyFleet());
    try {
      expect(await page.getByText("No clusters have been evaluated yet", { exact: false }).count()).toBe(1);
      await page.evaluate("location.hash = '#/cluster/' + encodeURIComponent('/subscriptions/x/nope')");
      await expect.poll(() => page.locator("#main h2").textContent()).toBe("Cluster not found");
      expect(await page.locator("#main pre").textContent()).toBe("/subscriptions/x/nope");
      expect(consoleErrors).toEqual([]);
    } finally {
      await close();
    }
  });

  /** Serves `html` under the page's CSP (nonce) and opens it, with `init` run before the page's own script. */
  async function openRaw(html: string, contentSecurityPolicy: string, init?: string) {
    server.serve(html, contentSecurityPolicy);
    const context = await browser.newContext();
    context.setDefaultTimeout(5_000);
    const watch = await watchedPage(context);
    if (init) await watch.page.addInitScript({ content: init });
    await watch.page.goto(server.url);
    return { ...watch, close: () => context.close() };
  }

  it("says it is loading while the data inflates, and why it failed when the data cannot be decoded", async () => {
    const { html, contentSecurityPolicy } = renderDashboardPage(smallFleet(), { nonce: NONCE });
    const data = elements(html, "script")[0]!.text;
    // A DecompressionStream that never ends: the page stays on its loading state.
    const stalled = await openRaw(html, contentSecurityPolicy, "globalThis.DecompressionStream = class { constructor() { return new TransformStream({ transform() {}, flush() { return new Promise(() => {}); } }); } };");
    try {
      await expect.poll(() => stalled.page.locator("#loading").textContent()).toBe("Loading the fleet data…");
      expect(await stalled.page.locator("#loading").getAttribute("role")).toBe("status");
      expect(await stalled.violations()).toEqual([]);
    } finally {
      await stalled.close();
    }
    for (const [name, page, init, reason] of [
      ["truncated", html.replace(data, data.slice(0, Math.floor(data.length / 2) & ~3)), undefined, "the data is not valid gzip (truncated or damaged)"],
      ["not base64", html.replace(data, `${data.slice(0, 40)}*${data.slice(40)}`), undefined, "the data is not valid base64"],
      ["no DecompressionStream", html, "delete globalThis.DecompressionStream;", "this browser cannot decompress data"],
    ] as const) {
      const { page: tab, consoleErrors, violations, requests, close } = await openRaw(page, contentSecurityPolicy, init);
      try {
        await expect.poll(() => tab.locator("#load-error").textContent(), { message: name }).toBe("The dashboard could not be loaded");
        expect(await tab.getByRole("alert").textContent(), name).toContain(reason);
        expect(await tab.locator("#loading").count()).toBe(0);
        expect(await tab.title()).toBe("Dashboard not loaded · aksmon");
        expect(consoleErrors, name).toEqual([]);
        expect(await violations(), name).toEqual([]);
        expect(requests, name).toEqual([server.url]);
      } finally {
        await close();
      }
    }
  });

  it("stays fast with 2,000 clusters: one page of rows in the DOM, paging, sorting and filtering", async () => {
    const model = syntheticFleet(2_000);
    const start = performance.now();
    const { page, consoleErrors, violations, close } = await open(model);
    try {
      await clusterRows(page).first().waitFor();
      expect(performance.now() - start).toBeLessThan(10_000);
      expect(await clusterRows(page).count()).toBe(50);
      expect(await page.locator("tr").count()).toBeLessThan(200);
      expect(await page.locator("#page-status").textContent()).toBe("Page 1 of 40");
      expect(await clusterNames(page)).toEqual(model.clusters.slice(0, 50).map((c) => c.name));

      await page.getByRole("button", { name: "Next page" }).click();
      expect(await page.locator("#page-status").textContent()).toBe("Page 2 of 40");
      expect(await clusterNames(page)).toEqual(model.clusters.slice(50, 100).map((c) => c.name));
      expect(page.url()).toContain("page=2");
      expect(await page.evaluate("document.activeElement.id")).toBe("page-next");

      await page.getByRole("button", { name: "Cluster", exact: true }).click();
      const byName = model.clusters.map((c) => c.name).sort();
      expect(await clusterNames(page)).toEqual(byName.slice(0, 50));
      expect(await page.locator("th[aria-sort=ascending]").textContent()).toBe("Cluster");

      await page.getByLabel("Subscription").selectOption(model.clusters[0]!.subscriptionId);
      const inSub = model.clusters.filter((c) => c.subscriptionId === model.clusters[0]!.subscriptionId);
      expect(await page.locator("#filter-status").textContent()).toBe(`Showing ${inSub.length} of 2,000 clusters`);
      expect(await page.locator("#page-status").textContent()).toBe(`Page 1 of ${Math.ceil(inSub.length / 50)}`);

      await page.getByLabel("Subscription").selectOption("");
      await page.getByLabel("Failing at or above").selectOption("high");
      const high = model.clusters.filter((c) => c.worstSeverity === "critical" || c.worstSeverity === "high");
      expect(high.length).toBeGreaterThan(50);
      expect(high.length).toBeLessThan(model.clusters.length);
      expect(await page.locator("#count-clusters").textContent()).toBe(high.length.toLocaleString("en-US"));
      expect(await page.locator("#heatmap tbody tr").count()).toBe(50);
      expect(await page.locator("#heatmap caption").textContent()).toBe(`The 50 worst of ${high.length.toLocaleString("en-US")} clusters`);
      expect(consoleErrors).toEqual([]);
      expect(await violations()).toEqual([]);
    } finally {
      await close();
    }
  });
});
