import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** One measured figure, as DESIGN.md's bench contract has it. */
export interface BenchFigure {
  value: number;
  unit: string;
  note?: string;
}

export type BenchFigures = Record<string, BenchFigure>;

/**
 * Thrown by a benchmark that measured some of its figures and then could not go on (the dashboard page's
 * server-side figures, say, when no browser starts): run.ts records `figures` and marks the rest unmeasured.
 */
export class BenchIncomplete extends Error {
  constructor(
    message: string,
    readonly figures: BenchFigures,
  ) {
    super(message);
    this.name = "BenchIncomplete";
  }
}

/**
 * Merges figures into bench/results.json: other benchmarks' figures are kept, `figures` replace theirs, and
 * the names in `remove` (figures this run did not measure) are dropped. Returns the file's new content.
 */
export function mergeResults(path: string, figures: BenchFigures, remove: readonly string[] = []): BenchFigures {
  const merged: BenchFigures = { ...(existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as BenchFigures) : {}), ...figures };
  for (const name of remove) if (!(name in figures)) delete merged[name];
  writeFileSync(path, `${JSON.stringify(merged, null, 2)}\n`);
  return merged;
}

/** The readable table: one figure a line, value right-aligned, its note in parentheses. */
export function printFigures(figures: BenchFigures, out: NodeJS.WritableStream = process.stdout): void {
  const names = Object.keys(figures);
  if (names.length === 0) return;
  const width = Math.max(...names.map((name) => name.length));
  for (const [name, figure] of Object.entries(figures)) {
    const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(2);
    out.write(`${name.padEnd(width)}  ${value.padStart(12)} ${figure.unit}${figure.note ? `  (${figure.note})` : ""}\n`);
  }
}
