/** `npm run bench`: every benchmark, figures merged into bench/results.json and printed. */
import { join } from "node:path";
import { benchBurst } from "./burst.js";
import { benchColdStart } from "./coldStart.js";
import { benchDashboardLoad } from "./dashboardLoad.js";
import { benchDashboardPage } from "./dashboardPage.js";
import { benchEvaluate } from "./evaluate.js";
import { benchLatency } from "./latency.js";
import { recordResults } from "./results.js";
import { benchSweep } from "./sweep.js";

const root = join(import.meta.dirname, "..", "..");
const results = join(root, "bench", "results.json");
recordResults(results, await benchEvaluate(root));
recordResults(results, await benchSweep(root));
recordResults(results, await benchLatency(root));
recordResults(results, await benchBurst(root));
recordResults(results, await benchDashboardLoad());
recordResults(results, await benchDashboardPage());
recordResults(results, benchColdStart(root));
