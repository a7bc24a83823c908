/**
 * Real headless Chromium for the dashboard tests through playwright-core: Debian's /usr/bin/chromium when it
 * is there, else the one inside the @sparticuz/chromium dev dependency (bench/chromium.ts). The tests never
 * skip: when no browser starts, they fail with one line naming what was tried.
 */
import type { BrowserContext, Page } from "playwright-core";
import { describeBrowser, launchChromium, type LaunchedChromium } from "../../bench/chromium.js";

export { describeBrowser, startPageServer, type BrowserUsed, type PageServer } from "../../bench/chromium.js";

/** Launches the test browser and says on stdout which one it is (path and version). */
export async function launchTestBrowser(): Promise<LaunchedChromium> {
  const launched = await launchChromium();
  console.log(`browser tests on ${describeBrowser(launched.used)}`);
  return launched;
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
