/**
 * Real headless Chromium for the dashboard tests: Debian's /usr/bin/chromium through playwright-core.
 * CI installs chromium, so a missing binary fails the suite, unless AKSMON_SKIP_BROWSER=1 says to skip it.
 */
import { existsSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CHROMIUM_PATH, launchChromium } from "../../bench/chromium.js";

export { startPageServer, type PageServer } from "../../bench/chromium.js";

/** Why the browser tests are skipped (chromium missing and AKSMON_SKIP_BROWSER=1), or undefined when they run. */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env.AKSMON_SKIP_BROWSER !== "1") return undefined;
  return `${CHROMIUM_PATH} is missing and AKSMON_SKIP_BROWSER=1: the browser tests are skipped`;
}

/** Launches Debian's chromium, failing with a clear message when it is missing. */
export function launchTestBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install chromium), or set AKSMON_SKIP_BROWSER=1 to skip the browser tests`);
  }
  return launchChromium();
}

/** What a page did that a test may want to forbid: console errors, CSP violations, dialogs, requests. */
export interface PageWatch {
  page: Page;
  consoleErrors: string[];
  dialogs: string[];
  requests: string[];
  /** CSP violations the document reported (`securitypolicyviolation` events), as `directive blocked-uri`. */
  violations(): Promise<string[]>;
}

export async function watchedPage(context: BrowserContext): Promise<PageWatch> {
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(`pageerror: ${error.message}`));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("request", (request) => requests.push(request.url()));
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    (globalThis as unknown as { addEventListener(type: string, listener: (event: { violatedDirective: string; blockedURI: string }) => void): void }).addEventListener(
      "securitypolicyviolation",
      (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return {
    page,
    consoleErrors,
    dialogs,
    requests,
    violations: () => page.evaluate(() => (globalThis as unknown as { __cspViolations?: string[] }).__cspViolations ?? []),
  };
}
