import type { ClusterSnapshot } from "../model/snapshot.js";
import { findCheck } from "./catalogue.js";
import { poolsOf } from "./clusterFields.js";
import { defaultProfile, type Profile } from "./profile.js";
import type { Check, CheckContext, CheckOutcome, ClusterEvaluation, Exemption, Finding, Summary } from "./types.js";

/**
 * Evaluates one snapshot against a profile: pure, no I/O, deterministic for a given `now`.
 * A check that throws is reported as `error` (checkFailed); it never stops the others.
 */
export function evaluate(
  snapshot: ClusterSnapshot,
  profile: Profile = defaultProfile,
  now: Date = new Date(),
): ClusterEvaluation {
  const context: CheckContext = {
    snapshot,
    cluster: snapshot.cluster,
    pools: poolsOf(snapshot),
    params: profile.params,
    now,
  };
  const { exemptions, warnings } = exemptionsFromTags(snapshot.cluster.tags, profile.exemptionTag, now);
  const names = {
    resourceGroup: shellWord(snapshot.ref.resourceGroup, "<resource-group>"),
    name: shellWord(snapshot.ref.name, "<cluster>"),
  };
  const findings = profile.checks.map(({ check, severity }): Finding => {
    const outcome = runCheck(check, context);
    const finding: Finding = {
      check: check.id,
      status: outcome.status,
      severity,
      title: check.title,
      category: check.category,
      message: outcome.message,
      evidence: outcome.evidence,
    };
    if (outcome.errorKind) finding.errorKind = outcome.errorKind;
    if (check.remediation.command && outcome.status === "fail") {
      finding.remediation = renderCommand(check.remediation.command, names, outcome);
    }
    const exemption = exemptions.get(check.id);
    if (exemption) finding.exemption = exemption;
    return finding;
  });
  return {
    id: snapshot.ref.id,
    name: snapshot.ref.name,
    subscriptionId: snapshot.ref.subscriptionId,
    resourceGroup: snapshot.ref.resourceGroup,
    origin: snapshot.origin,
    findings,
    summary: summarise(findings),
    warnings,
  };
}

function runCheck(check: Check, context: CheckContext): CheckOutcome {
  try {
    return check.evaluate(context);
  } catch (error) {
    return {
      status: "error",
      errorKind: "checkFailed",
      message: `The check failed: ${error instanceof Error ? error.message : String(error)}`,
      evidence: [],
    };
  }
}

export function summarise(findings: readonly Finding[]): Summary {
  const summary: Summary = { pass: 0, fail: 0, error: 0, notApplicable: 0, exempt: 0 };
  for (const finding of findings) {
    if (finding.exemption) summary.exempt += 1;
    else summary[finding.status] += 1;
  }
  return summary;
}

/**
 * Exemptions a cluster declares on itself: the tag (default `aksmon-exempt`) lists check ids,
 * separated by commas, semicolons or spaces; `<tag>-reason`, `<tag>-until` (a date) and `<tag>-by`
 * describe them. Tag names are case-insensitive in Azure. An expired or unknown entry is a warning.
 */
export function exemptionsFromTags(
  tags: Record<string, string> | undefined,
  tagName: string,
  now: Date,
): { exemptions: Map<string, Exemption>; warnings: string[] } {
  const exemptions = new Map<string, Exemption>();
  const warnings: string[] = [];
  const tag = (name: string): string | undefined => {
    const lower = name.toLowerCase();
    for (const [key, value] of Object.entries(tags ?? {})) {
      if (key.toLowerCase() === lower) return typeof value === "string" ? value : undefined;
    }
    return undefined;
  };
  const list = tag(tagName);
  if (list === undefined || list.trim() === "") return { exemptions, warnings };
  const reason = tag(`${tagName}-reason`)?.trim();
  const by = tag(`${tagName}-by`)?.trim();
  const untilText = tag(`${tagName}-until`)?.trim();
  let until: string | undefined;
  if (untilText) {
    const date = new Date(untilText);
    if (Number.isNaN(date.getTime())) {
      warnings.push(`Tag ${tagName}-until is not a date (${JSON.stringify(untilText)}): the exemptions are not applied.`);
      return { exemptions, warnings };
    }
    if (date.getTime() < now.getTime()) {
      warnings.push(`The exemptions in tag ${tagName} expired on ${date.toISOString()} and are not applied.`);
      return { exemptions, warnings };
    }
    until = date.toISOString();
  }
  for (const id of list.split(/[\s,;]+/).filter(Boolean)) {
    const known = findCheck(id.toLowerCase());
    if (!known) {
      warnings.push(`Tag ${tagName} names an unknown check ${JSON.stringify(id)}: ignored.`);
      continue;
    }
    const exemption: Exemption = { reason: reason || `Listed in the cluster tag ${tagName}.`, source: `tag ${tagName}` };
    if (until) exemption.until = until;
    if (by) exemption.by = by;
    exemptions.set(known.id, exemption);
  }
  return { exemptions, warnings };
}

type Placeholder = "resourceGroup" | "name" | "pool";
/** A command template split once into literal text and placeholders. */
const compiledTemplates = new Map<string, Array<string | { placeholder: Placeholder }>>();

function compile(template: string): Array<string | { placeholder: Placeholder }> {
  let parts = compiledTemplates.get(template);
  if (!parts) {
    parts = template
      .split(/(\{resourceGroup\}|\{name\}|\{pool\})/)
      .filter((part) => part !== "")
      .map((part) => (/^\{(resourceGroup|name|pool)\}$/.test(part) ? { placeholder: part.slice(1, -1) as Placeholder } : part));
    compiledTemplates.set(template, parts);
  }
  return parts;
}

/** Fills `{resourceGroup}`, `{name}` and `{pool}` (one line per failing pool) of a remediation command. */
function renderCommand(template: string, names: { resourceGroup: string; name: string }, outcome: CheckOutcome): string {
  const parts = compile(template);
  const fill = (pool: string) =>
    parts.map((part) => (typeof part === "string" ? part : part.placeholder === "pool" ? pool : names[part.placeholder])).join("");
  if (!template.includes("{pool}")) return fill("<pool>");
  const pools = [...new Set(outcome.evidence.map((row) => poolInPath(row.path)).filter((p) => p !== undefined))];
  if (pools.length === 0) return fill("<pool>");
  return pools.map((pool) => fill(shellWord(pool, "<pool>"))).join("\n");
}

function poolInPath(path: string): string | undefined {
  return /agentPoolProfiles\[([^\]]+)\]/.exec(path)?.[1] ?? /^agentPools\/([^.]+)/.exec(path)?.[1];
}

/** A name as one shell word: quoted unless it is plainly safe. */
export function shellWord(value: string, placeholder: string): string {
  if (value === "") return placeholder;
  return /^[\w.-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export { findCheck };
