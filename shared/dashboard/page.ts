/**
 * The fleet dashboard as one self-contained HTML document: the model embedded as gzipped JSON in base64,
 * the client script and the stylesheet inline, nothing loaded from anywhere. Served by GET /api/dashboard
 * (CSP as a header, with a nonce) and written by `aksmon report --html` (CSP in a <meta>, with hashes: a
 * file has no header).
 */
import { createHash } from "node:crypto";
import { constants, gunzipSync, gzipSync } from "node:zlib";
import { CATEGORIES } from "../baseline/types.js";
import { dashboardClient, packDashboardModel, unpackDashboardModel, type PackedDashboard } from "./client.js";
import type { DashboardModel } from "./model.js";
import { DASHBOARD_CSS } from "./styles.js";

export interface RenderedDashboard {
  html: string;
  /** The Content-Security-Policy response header (the document's <meta> holds the same minus frame-ancestors). */
  contentSecurityPolicy: string;
}

const CLIENT_SCRIPT = `(${dashboardClient.toString()})(${unpackDashboardModel.toString()});`;

/**
 * The gzip level of the embedded model. 2,000 badly configured clusters (bench/dashboardPage.ts: ~30
 * failures each, 20 history entries) are ~75 MB of packed JSON: level 6 takes ~0.4 s for 3.9 MB (5.2 MB as
 * base64), level 9 ~0.7 s for 3.6 MB, level 1 ~0.3 s for 5.4 MB. Packing and JSON cost another ~0.6 s.
 */
export const DASHBOARD_GZIP_LEVEL = 6;

/**
 * The model as base64 of the gzipped JSON of its packed form (`packDashboardModel`): only [A-Za-z0-9+/=],
 * so nothing in it can close the <script> element or start a comment, whatever the fleet's names and values hold.
 */
export function encodeDashboardData(model: DashboardModel): string {
  return gzipSync(Buffer.from(JSON.stringify(packDashboardModel(model)), "utf8"), { level: DASHBOARD_GZIP_LEVEL, strategy: constants.Z_DEFAULT_STRATEGY }).toString("base64");
}

/** The model a page embeds (the inverse of `encodeDashboardData`), for tests and tools reading a written page. */
export function embeddedDashboardModel(html: string): DashboardModel {
  const data = /<script type="application\/octet-stream" id="aksmon-data" data-encoding="gzip-base64">([A-Za-z0-9+/=]*)<\/script>/.exec(html)?.[1];
  if (data === undefined) throw new Error("the page embeds no dashboard data");
  return unpackDashboardModel(JSON.parse(gunzipSync(Buffer.from(data, "base64")).toString("utf8")) as PackedDashboard);
}

/** JSON that can sit inside a <script> element: nothing in it can close the element or start a comment. */
function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

export function renderDashboardPage(model: DashboardModel, options: { nonce?: string } = {}): RenderedDashboard {
  const { nonce } = options;
  if (nonce !== undefined && !/^[A-Za-z0-9+/_-]{16,}={0,2}$/.test(nonce)) throw new Error("renderDashboardPage: the nonce must be base64 of at least 16 characters");
  const scriptSource = nonce ? `'nonce-${nonce}'` : sha256(CLIENT_SCRIPT);
  const styleSource = nonce ? `'nonce-${nonce}'` : sha256(DASHBOARD_CSS);
  const policy = [
    "default-src 'none'",
    `script-src ${scriptSource}`,
    `style-src ${styleSource}`,
    "img-src data:",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  const nonceAttr = nonce ? ` nonce="${nonce}"` : "";
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy.join("; ")}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>AKS fleet posture · aksmon</title>
<link rel="icon" href="data:,">
<style${nonceAttr}>${DASHBOARD_CSS}</style>
</head>
<body>
<header class="top"><h1>AKS fleet posture</h1><p id="generated">Generated ${escapeText(utcMinute(model.generatedAt))} · baseline ${escapeText(model.baseline)}${
    model.scope?.length ? ` · ${model.scope.length} subscriptions in scope` : ""
  }</p></header>
<nav class="crumbs" id="nav" aria-label="Dashboard"></nav>
<main id="main"><noscript>The dashboard needs JavaScript.</noscript></main>
<script type="application/octet-stream" id="aksmon-data" data-encoding="gzip-base64">${encodeDashboardData(model)}</script>
<script type="application/json" id="aksmon-categories">${jsonForScript(CATEGORIES)}</script>
<script${nonceAttr}>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
  return { html, contentSecurityPolicy: [...policy, "frame-ancestors 'none'"].join("; ") };
}

function utcMinute(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function escapeText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
