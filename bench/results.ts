import { existsSync, readFileSync, writeFileSync } from "node:fs";

/** One measured figure, as DESIGN.md's bench contract has it. */
export interface BenchFigure {
  value: number;
  unit: string;
  note?: string;
}

/** Merges figures into bench/results.json (other benchmarks' figures are kept) and prints a table. */
export function recordResults(path: string, figures: Record<string, BenchFigure>): void {
  const existing: Record<string, BenchFigure> = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  writeFileSync(path, `${JSON.stringify({ ...existing, ...figures }, null, 2)}\n`);
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  for (const [name, figure] of Object.entries(figures)) {
    const value = Number.isInteger(figure.value) ? String(figure.value) : figure.value.toFixed(2);
    process.stdout.write(`${name.padEnd(width)}  ${value.padStart(12)} ${figure.unit}${figure.note ? `  (${figure.note})` : ""}\n`);
  }
}
