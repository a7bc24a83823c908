import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { catalogue, findCheck } from "./catalogue.js";
import { baselineParametersSchema, type BaselineParameters } from "./parameters.js";
import { SEVERITIES, type Check, type Severity } from "./types.js";

const severitySchema = z.preprocess(
  (value) => (typeof value === "string" ? value.toLowerCase() : value),
  z.enum(SEVERITIES),
);

/** `true` / `false` is shorthand for `{ enabled }`. */
const checkSettingSchema = z.preprocess(
  (value) => (typeof value === "boolean" ? { enabled: value } : value),
  z.object({ enabled: z.boolean().optional(), severity: severitySchema.optional() }).strict(),
);

/** The file format of a profile (JSON or YAML). */
export const profileFileSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** Per check id: `false` / `true`, or `{ enabled, severity }`. */
    checks: z.record(z.string(), checkSettingSchema).default({}),
    parameters: baselineParametersSchema.default(baselineParametersSchema.parse({})),
    /** The cluster tag that lists exempted check ids. */
    exemptionTag: z.string().min(1).max(512).default("aksmon-exempt"),
  })
  .strict();

export interface Profile {
  name: string;
  /** The checks that run, in catalogue order, with their effective severity. */
  checks: Array<{ check: Check; severity: Severity }>;
  params: BaselineParameters;
  exemptionTag: string;
}

export class ProfileError extends Error {}

/** Validates a parsed profile document; throws a ProfileError naming the first problem. */
export function resolveProfile(document: unknown, origin = "profile"): Profile {
  const parsed = profileFileSchema.safeParse(document ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    throw new ProfileError(`${origin}: ${where}: ${issue?.message ?? "invalid profile"}`);
  }
  const file = parsed.data;
  for (const id of Object.keys(file.checks)) {
    if (!findCheck(id)) throw new ProfileError(`${origin}: checks.${id}: unknown check id`);
  }
  const checks = catalogue.flatMap((check) => {
    const setting = file.checks[check.id];
    const enabled = setting?.enabled ?? (setting?.severity ? true : !check.optIn);
    if (!enabled) return [];
    const severity = setting?.severity ?? check.severity;
    return [{ check, severity }];
  });
  return { name: file.name ?? origin, checks, params: file.parameters, exemptionTag: file.exemptionTag };
}

export const defaultProfile: Profile = resolveProfile({ name: "default" }, "default");

/** Reads a JSON or YAML profile file. */
export async function loadProfile(path: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ProfileError(`${path}: cannot read the profile: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`${path}: not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${firstLine(error)}`);
  }
  return resolveProfile(document, path);
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split("\n")[0] ?? "";
}
