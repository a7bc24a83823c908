/**
 * Cold start of the deployed function app: the median time for a fresh Node process to import every
 * file the app's `main` matches, as the Functions host's worker does (scripts/functionsHost.mjs, which
 * also answers @azure/functions-core so that every function really registers). "bundled" is the
 * deployment package itself (dist/package, built by scripts/package.mjs, the script azd's prepackage
 * hook runs); "unbundled" is the tsc build under the repository's package.json, side by side in the
 * same run. The bot stack and the node reader are loaded lazily, so they are part of neither figure.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BenchFigure } from "./results.js";

const RUNS = 7;

function importMs(root: string, appDir: string): { ms: number; functions: number } {
  const output = execFileSync(process.execPath, [join(root, "scripts", "functionsHost.mjs"), appDir], {
    env: { ...process.env, FUNCTIONS_WORKER_RUNTIME: "node" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const listing = JSON.parse(output) as { importMs: number; functions: unknown[] };
  return { ms: listing.importMs, functions: listing.functions.length };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

export function benchColdStart(root: string): Record<string, BenchFigure> {
  execFileSync(process.execPath, [join(root, "scripts", "package.mjs")], { stdio: "ignore" });
  const deployed = join(root, "dist", "package");
  const times = { bundled: [] as number[], unbundled: [] as number[] };
  let registered = 0;
  for (let run = 0; run < RUNS; run++) {
    const bundled = importMs(root, deployed);
    registered = bundled.functions;
    times.bundled.push(bundled.ms);
    times.unbundled.push(importMs(root, root).ms);
  }
  const files = filesUnder(deployed);
  const bytes = files.reduce((sum, file) => sum + statSync(file).size, 0);
  const note = `median of ${RUNS} fresh processes importing what package.json's main matches and registering all ${registered} functions with a stand-in host, alternating`;
  return {
    "coldStart.bundled": { value: Number(median(times.bundled).toFixed(1)), unit: "ms", note: `the deployment package (dist/package); ${note}; target under 200 ms` },
    "coldStart.unbundled": { value: Number(median(times.unbundled).toFixed(1)), unit: "ms", note: `the tsc build with node_modules; ${note}` },
    "package.size": { value: Number((bytes / 1024 / 1024).toFixed(1)), unit: "MB", note: `dist/package as azd uploads it (before zipping): ${files.length} files, no node_modules` },
  };
}
