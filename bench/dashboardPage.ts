/**
 * The fleet dashboard for 2,000 badly configured clusters (`heavyFleet`: about 30 failures each with
 * evidence, 20 history entries): the model's JSON size, the page's size, its server-side render time, and
 * the time headless Chromium (Debian's, else @sparticuz/chromium's: bench/chromium.ts) takes from navigation
 * to an interactive overview (data decoded, clusters table drawn, load complete). The browser's path and
 * version go in that figure's note.
 */
import { performance } from "node:perf_hooks";
import { renderDashboardPage } from "../shared/dashboard/page.js";
import { type BrowserUsed, describeBrowser, launchChromium, startPageServer } from "./chromium.js";
import { heavyFleet } from "./dashboardFleet.js";
import { type BenchFigure, BenchIncomplete } from "./results.js";

const CLUSTERS = 2_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const tenths = (n: number) => Math.round(n * 10) / 10;

export async function benchDashboardPage(): Promise<Record<string, BenchFigure>> {
  const model = heavyFleet(CLUSTERS);
  const renders: number[] = [];
  let rendered = renderDashboardPage(model);
  for (let run = 0; run < 5; run++) {
    const start = performance.now();
    rendered = renderDashboardPage(model, { nonce: `bench-nonce-${run}-0123456789` });
    renders.push(performance.now() - start);
  }
  const note = `${CLUSTERS} synthetic clusters, ~30 failures each with evidence, 20 history entries`;
  const serverSide: Record<string, BenchFigure> = {
    "dashboard.modelSize": { value: Math.round(Buffer.byteLength(JSON.stringify(model)) / 102.4) / 10, unit: "KB", note: `${note}, the model as JSON` },
    "dashboard.htmlSize": { value: Math.round(Buffer.byteLength(rendered.html) / 102.4) / 10, unit: "KB", note },
    "dashboard.renderMs": { value: tenths(median(renders)), unit: "ms", note: `${note}, server side, median of 5` },
  };

  // The browser part: when it fails, the server-side figures above still stand.
  const server = await startPageServer();
  server.serve(rendered.html, rendered.contentSecurityPolicy);
  const loads: number[] = [];
  let used: BrowserUsed;
  try {
    const launched = await launchChromium();
    used = launched.used;
    try {
      for (let run = 0; run < 3; run++) {
        const page = await launched.browser.newPage();
        const start = performance.now();
        await page.goto(server.url);
        await page.waitForSelector("#clusters-table tbody tr");
        await page.waitForFunction("document.readyState === 'complete'");
        loads.push(performance.now() - start);
        await page.close();
      }
    } finally {
      await launched.browser.close();
    }
  } catch (error) {
    throw new BenchIncomplete(error instanceof Error ? error.message : String(error), serverSide);
  } finally {
    await server.close();
  }
  return {
    ...serverSide,
    "dashboard.interactiveMs": { value: tenths(median(loads)), unit: "ms", note: `${note}, navigation to an interactive overview in ${describeBrowser(used)}, median of 3` },
  };
}
