/**
 * Debian's chromium driven by playwright-core, and a local origin serving one page: shared by the dashboard
 * benchmark and its browser tests (test/support/browser.ts).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface PageServer {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  url: string;
  /** Every request the server received, as `METHOD path`. */
  requests: string[];
  /** Replaces the page served at `/`. */
  serve(html: string, contentSecurityPolicy?: string): void;
  close(): Promise<void>;
}

/** Serves one HTML page at `/` (with its CSP as a response header when given); anything else is a 404. */
export async function startPageServer(): Promise<PageServer> {
  let page = { html: "", csp: undefined as string | undefined };
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method !== "GET" || req.url !== "/") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...(page.csp ? { "content-security-policy": page.csp } : {}),
    });
    res.end(page.html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    serve(html, contentSecurityPolicy) {
      page = { html, csp: contentSecurityPolicy };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
