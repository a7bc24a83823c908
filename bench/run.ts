/** `npm run bench`: every benchmark, figures merged into bench/results.json and printed. */
import { join } from "node:path";
import { benchEvaluate } from "./evaluate.js";
import { recordResults } from "./results.js";

const root = join(import.meta.dirname, "..", "..");
recordResults(join(root, "bench", "results.json"), await benchEvaluate(root));
