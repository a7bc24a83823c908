import { BASELINE_VERSION, catalogue } from "../baseline/catalogue.js";
import { defaultParameters } from "../baseline/parameters.js";
import { CATEGORIES } from "../baseline/types.js";
import { severityLabel } from "./severity.js";

/** docs/checks.md: the catalogue as a reference page, generated so that it never drifts from the code. */
export function catalogueMarkdown(): string {
  const lines = [
    "# The checks",
    "",
    `Generated from the catalogue (\`${BASELINE_VERSION}\`, ${catalogue.length} checks) by \`npm run docs\`; do not edit by hand.`,
    "Ids are a public contract. *Data*: `cluster` checks need only the managed cluster JSON; `external` checks",
    "need data read beyond it and say `error` (never `pass`) when a snapshot lacks it. *Opt-in* checks run only",
    "when a profile enables them.",
  ];
  for (const [category, title] of Object.entries(CATEGORIES)) {
    const checks = catalogue.filter((check) => check.category === category);
    lines.push("", `## ${title}`, "", "| id | title | severity | data | fix | references |", "| --- | --- | --- | --- | --- | --- |");
    for (const check of checks) {
      const fix = check.remediation.command ? `\`${check.remediation.command.replaceAll("|", "\\|")}\`` : check.remediation.text;
      const references = check.references.map((ref) => `${ref.source} ${ref.id}`).join("; ") || "–";
      const data = `${check.data}${check.optIn ? ", opt-in" : ""}`;
      lines.push(`| \`${check.id}\` | ${check.title} | ${severityLabel(check.severity)} | ${data} | ${fix} | ${references.replaceAll("|", "\\|")} |`);
    }
  }
  lines.push("", "## Parameters (profile `parameters:`) and their defaults", "", "| parameter | default |", "| --- | --- |");
  for (const [name, value] of Object.entries(defaultParameters)) lines.push(`| \`${name}\` | \`${JSON.stringify(value)}\` |`);
  return `${lines.join("\n")}\n`;
}
