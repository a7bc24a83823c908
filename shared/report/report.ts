import type { Profile } from "../baseline/profile.js";
import type { ClusterEvaluation } from "../baseline/types.js";

/** What every output format renders: the evaluations of one run of `aksmon check`. */
export interface Report {
  baseline: string;
  /** The profile the checks ran with (its checks and severities give SARIF its rules). */
  profile: Profile;
  clusters: ClusterEvaluation[];
}

export const FORMATS = ["table", "json", "sarif", "markdown", "junit"] as const;
export type Format = (typeof FORMATS)[number];
