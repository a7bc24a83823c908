/**
 * `npm run bench`: every benchmark, one after the other; figures merged into bench/results.json and printed.
 *
 * A benchmark that throws does not stop the others. bench/results.json is written after each benchmark (so
 * that a run cut short keeps what it measured), the table is printed at the end, and only then does the run
 * exit, non-zero when any benchmark could not be measured.
 *
 * How an unmeasured benchmark is recorded: its figures from earlier runs are removed from results.json, and
 * `<bench>.unmeasured` says why (`{ value: 0, unit: "n/a", note: "not measured: <reason> ..." }`). Keeping
 * the old values with a "stale" note was rejected: results.json is read as "what this code measures", by
 * people and by scripts that look at `value` only, and a stale figure reads as a current one (an old
 * interactive time would survive a change to the page that made it slower). The unmeasured entry's note
 * names the figures it stands for; git history still holds their last values. A measured benchmark drops
 * its `.unmeasured` entry again.
 *
 * `run.node` and `run.wallTime` record which Node ran the benchmarks and how long the whole run took; the
 * browser (path and version) is in the note of `dashboard.interactiveMs`.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { benchBurst } from "./burst.js";
import { benchColdStart } from "./coldStart.js";
import { benchDashboardLoad } from "./dashboardLoad.js";
import { benchDashboardPage } from "./dashboardPage.js";
import { benchEvaluate } from "./evaluate.js";
import { benchLatency } from "./latency.js";
import { BenchIncomplete, type BenchFigures, mergeResults, printFigures } from "./results.js";
import { benchSweep } from "./sweep.js";

interface Bench {
  name: string;
  /** Every figure the benchmark writes: the ones dropped from results.json when it is not measured. */
  figures: readonly string[];
  run(): BenchFigures | Promise<BenchFigures>;
}

const root = join(import.meta.dirname, "..", "..");
const resultsPath = join(root, "bench", "results.json");

const sweepFigures = (name: string) => ["wallTime", "armCallsPerCluster", "throttled", "peakRss", "leastTime", "wallToLeastRatio"].map((f) => `${name}.${f}`);

const benches: Bench[] = [
  { name: "evaluate", figures: ["evaluate.clustersPerSecond", "evaluate.peakRss", "read.filesPerSecond"], run: () => benchEvaluate(root) },
  { name: "sweep", figures: [...sweepFigures("sweep"), ...sweepFigures("sweepDense")], run: () => benchSweep(root) },
  {
    name: "latency",
    figures: ["pipeline.eventToCardP50", "pipeline.eventToCardP99", "pipeline.storageOpsPerEvaluation", "pipeline.storageOpsPerCard"],
    run: () => benchLatency(root),
  },
  {
    name: "burst",
    figures: ["events.burstTimeToQuiet", "events.burstEvaluations", "events.burstTimeToQuietNoSettle", "events.burstEvaluationsNoSettle"],
    run: () => benchBurst(root),
  },
  { name: "dashboardLoad", figures: ["dashboard.load2000Clusters", "dashboard.model2000Clusters"], run: () => benchDashboardLoad() },
  {
    name: "dashboardPage",
    figures: ["dashboard.modelSize", "dashboard.htmlSize", "dashboard.renderMs", "dashboard.interactiveMs"],
    run: () => benchDashboardPage(),
  },
  { name: "coldStart", figures: ["coldStart.bundled", "coldStart.unbundled", "package.size"], run: () => benchColdStart(root) },
];

/** One line: a failure's reason goes in a note, and the note in one table row. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").map((line) => line.trim()).filter(Boolean).join(" ") || "unknown error";
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

const unhandled: string[] = [];
process.on("unhandledRejection", (error) => {
  // A stray promise of a failed benchmark must not end the run before the others and the table.
  unhandled.push(reasonOf(error));
  process.stderr.write(`bench: unhandled rejection: ${reasonOf(error)}\n`);
});

/** `npm run bench -- --only coldStart,sweep`: some benchmarks (their figures merge into the results file). */
const onlyArgument = process.argv.indexOf("--only");
const only = onlyArgument >= 0 ? (process.argv[onlyArgument + 1] ?? "").split(",").filter(Boolean) : undefined;
const unknown = (only ?? []).filter((name) => !benches.some((bench) => bench.name === name));
if (only?.length === 0 || unknown.length > 0) {
  process.stderr.write(`bench: --only takes benchmark names among ${benches.map((bench) => bench.name).join(", ")}${unknown.length ? `; unknown: ${unknown.join(", ")}` : ""}\n`);
  process.exit(2);
}
const selected = only ? benches.filter((bench) => only.includes(bench.name)) : benches;

const started = performance.now();
const printed: BenchFigures = {};
const unmeasured: string[] = [];
for (const bench of selected) {
  process.stderr.write(`== bench ${bench.name}\n`);
  const benchStart = performance.now();
  let figures: BenchFigures;
  let failure: string | undefined;
  try {
    figures = await bench.run();
  } catch (error) {
    figures = error instanceof BenchIncomplete ? error.figures : {};
    failure = reasonOf(error);
  }
  for (const name of Object.keys(figures)) {
    if (!bench.figures.includes(name)) process.stderr.write(`bench ${bench.name}: figure ${name} is not in its list in bench/run.ts\n`);
  }
  const marker = `${bench.name}.unmeasured`;
  if (failure === undefined) {
    mergeResults(resultsPath, figures, [...bench.figures, marker]);
  } else {
    const missing = bench.figures.filter((name) => !(name in figures));
    const entry = { value: 0, unit: "n/a", note: `not measured: ${failure} (figures left out: ${missing.join(", ")})` };
    figures = { ...figures, [marker]: entry };
    mergeResults(resultsPath, figures, bench.figures);
    unmeasured.push(bench.name);
  }
  Object.assign(printed, figures);
  process.stderr.write(`== bench ${bench.name}: ${failure === undefined ? "measured" : `NOT MEASURED: ${failure}`} (${seconds(performance.now() - benchStart)} s)\n`);
}

const cpu = cpus();
const meta: BenchFigures = {
  "run.node": {
    value: Number(process.versions.node.split(".")[0]),
    unit: "Node major",
    note: `node ${process.version} on ${process.platform} ${process.arch}, ${cpu.length} CPU(s) ${cpu[0]?.model.trim() ?? ""}`.trim(),
  },
  "run.wallTime": {
    value: seconds(performance.now() - started),
    unit: "s",
    note: `the whole run: ${selected.length - unmeasured.length} of ${selected.length} benchmarks measured${only ? ` (--only ${only.join(",")})` : ""}${unmeasured.length ? `, not ${unmeasured.join(", ")}` : ""}`,
  },
};
// A partial run keeps the whole run's wall time of the file.
mergeResults(resultsPath, only ? { "run.node": meta["run.node"]! } : meta);
Object.assign(printed, meta);

process.stdout.write("\n");
printFigures(printed);
if (unmeasured.length > 0) process.stdout.write(`\nnot measured: ${unmeasured.join(", ")} (see the .unmeasured entries above)\n`);
if (unhandled.length > 0) process.stdout.write(`\n${unhandled.length} unhandled rejection(s) during the run: ${unhandled.join("; ")}\n`);
// Exit now, even if a failed benchmark left a server or a child's pipe open.
process.exit(unmeasured.length > 0 || unhandled.length > 0 ? 1 : 0);
