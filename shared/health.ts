import { BASELINE_VERSION, catalogue } from "./baseline/catalogue.js";
import { readSettings } from "./config/settings.js";

export interface Health {
  status: "ok" | "misconfigured";
  baseline: string;
  checks: number;
  /** The setting problem, when the settings do not validate (names the setting, never its value). */
  problem?: string;
}

/** What GET /api/health reports: the baseline in use and whether the settings validate. */
export function health(env: Record<string, string | undefined> = process.env): Health {
  const base = { baseline: BASELINE_VERSION, checks: catalogue.length };
  try {
    readSettings(env);
    return { status: "ok", ...base };
  } catch (error) {
    return { status: "misconfigured", ...base, problem: error instanceof Error ? error.message : String(error) };
  }
}
