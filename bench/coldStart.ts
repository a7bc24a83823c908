/**
 * Cold start of the deployed function app: the median time for a fresh Node process to import every
 * function (as the host does), from the esbuild bundle and from the unbundled build, in the same run.
 * The bot stack is loaded lazily by the bot endpoint only, so it is not part of either figure.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { BenchFigure } from "./results.js";

const RUNS = 7;

function importMs(files: string[]): number {
  const script = `const t = performance.now(); for (const f of ${JSON.stringify(files)}) await import(f); process.stdout.write(String(performance.now() - t));`;
  const output = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    env: { ...process.env, FUNCTIONS_WORKER_RUNTIME: "node" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  return Number(output.toString());
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function benchColdStart(root: string): Record<string, BenchFigure> {
  execFileSync(process.execPath, [join(root, "scripts", "bundle.mjs")], { stdio: "ignore" });
  const names = readdirSync(join(root, "functions")).filter((name) => name.endsWith(".ts")).map((name) => name.replace(/\.ts$/, ".js"));
  const bundled = names.map((name) => join(root, "dist", "bundle", name));
  const unbundled = names.map((name) => join(root, "dist", "functions", name));
  const times = { bundled: [] as number[], unbundled: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    times.bundled.push(importMs(bundled));
    times.unbundled.push(importMs(unbundled));
  }
  const note = `median of ${RUNS} fresh processes importing all ${bundled.length} modules of functions/ (every function and the invocation hooks, without the lazily loaded bot stack), alternating`;
  return {
    "coldStart.bundled": { value: Number(median(times.bundled).toFixed(1)), unit: "ms", note: `${note}; target under 200 ms` },
    "coldStart.unbundled": { value: Number(median(times.unbundled).toFixed(1)), unit: "ms", note },
  };
}
