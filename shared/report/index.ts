import { formatJson } from "./json.js";
import { formatJunit } from "./junit.js";
import { formatMarkdown } from "./markdown.js";
import type { Format, Report } from "./report.js";
import { formatSarif } from "./sarif.js";
import { formatTable, type TableOptions } from "./table.js";

export type RenderOptions = TableOptions;

/** The text `aksmon check --format <format>` prints; options only shape the table. */
export function render(report: Report, format: Format, options: RenderOptions = { color: false }): string {
  switch (format) {
    case "table":
      return formatTable(report, options);
    case "json":
      return formatJson(report);
    case "sarif":
      return formatSarif(report);
    case "markdown":
      return formatMarkdown(report);
    case "junit":
      return formatJunit(report);
  }
}

export { formatJson, formatJunit, formatMarkdown, formatSarif, formatTable };
export type { Format, Report };
