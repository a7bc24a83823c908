/**
 * Headless Chromium driven by playwright-core, and a local origin serving one page: shared by the dashboard
 * benchmark and its browser tests (test/support/browser.ts).
 *
 * The browser is Debian's /usr/bin/chromium when it is there, else the one inside the `@sparticuz/chromium`
 * dev dependency (its binary ships as brotli archives that `executablePath()` unpacks under the temporary
 * directory, /tmp/chromium; later launches reuse it). That package is imported only when it is needed.
 * Nothing is ever skipped: when neither browser starts, `launchChromium` throws one line naming both tries.
 */
import { createServer } from "node:http";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";

export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

/**
 * The same flags for either browser, so that the benchmark's figures compare across machines. The closed
 * network of CI and of the bench machine wants no background traffic (component updates, sync, QUIC probes).
 *
 * `@sparticuz/chromium`'s own `chromium.args` are deliberately not used: they are tuned for AWS Lambda and
 * include `--disable-web-security`, `--allow-running-insecure-content`, `--disable-site-isolation-trials`
 * and `--single-process`, which would weaken the very policies the dashboard tests check (CSP, no request
 * but the document) and change the process model the benchmark measures. Its binary is a headless shell
 * (no GUI, the README's `headless: "shell"`): playwright's `headless: true` launches it, and with
 * `--no-sandbox` (we run as root in a container) it needs neither `--no-zygote` nor `--single-process` here.
 */
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Which browser a launch used, for the tests and the benchmark to print. */
export interface BrowserUsed {
  /** `Debian's chromium` or `@sparticuz/chromium`. */
  source: string;
  executablePath: string;
  /** The version the browser itself reports, e.g. `153.0.8010.0`. */
  version: string;
  /** Tries that failed before this one (Debian's binary present but not starting), one line each. */
  failures: string[];
}

export interface LaunchedChromium {
  browser: Browser;
  used: BrowserUsed;
}

/** `Chromium 153.0.8010.0 (/tmp/chromium, from @sparticuz/chromium)`, with any failed try before it. */
export function describeBrowser(used: BrowserUsed): string {
  const failed = used.failures.length ? `; after ${used.failures.join("; ")}` : "";
  return `Chromium ${used.version} (${used.executablePath}, from ${used.source}${failed})`;
}

/** The first line of an error's message, so that a failure reads as one line (playwright adds a call log). */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n").map((l) => l.trim()).find((l) => l.length > 0) ?? "unknown error";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function launch(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}

/**
 * Launches Debian's chromium, or else `@sparticuz/chromium`'s; throws
 * `no browser could start: /usr/bin/chromium missing; @sparticuz/chromium failed: <reason>` when neither starts.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  /** Launch failures, for `BrowserUsed.failures`; `tried` also says that Debian's binary is missing. */
  const failures: string[] = [];
  const tried: string[] = [];
  if (existsSync(DEBIAN_CHROMIUM)) {
    try {
      const browser = await launch(DEBIAN_CHROMIUM);
      return { browser, used: { source: "Debian's chromium", executablePath: DEBIAN_CHROMIUM, version: browser.version(), failures } };
    } catch (error) {
      failures.push(`${DEBIAN_CHROMIUM} failed: ${reason(error)}`);
      tried.push(failures.at(-1)!);
    }
  } else {
    tried.push(`${DEBIAN_CHROMIUM} missing`);
  }
  try {
    const { default: sparticuz } = await import("@sparticuz/chromium");
    const executablePath = await sparticuz.executablePath();
    const browser = await launch(executablePath);
    return { browser, used: { source: "@sparticuz/chromium", executablePath, version: browser.version(), failures } };
  } catch (error) {
    tried.push(`@sparticuz/chromium failed: ${reason(error)}`);
  }
  const failure = new Error(`no browser could start: ${tried.join("; ")}`);
  // The message is the whole story: no stack trace under it.
  failure.stack = `Error: ${failure.message}`;
  throw failure;
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
