import { BASELINE_VERSION } from "../baseline/catalogue.js";
import { evaluate } from "../baseline/evaluate.js";
import { defaultProfile, loadProfile, type Profile } from "../baseline/profile.js";
import { SEVERITIES, type ClusterEvaluation, type Severity } from "../baseline/types.js";
import { render } from "../report/index.js";
import type { Format, Report } from "../report/report.js";
import { readClusterFiles } from "../sources/clusterFiles.js";

export interface CheckOptions {
  format: Format;
  profile?: string;
  failOn: Severity | "none";
  color: boolean;
  width: number;
}

export interface CommandResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  /** One line per unusable input. */
  stderr: string[];
}

/**
 * `aksmon check <files...>`: evaluates and prints, writes nothing.
 * Exit code: 2 when any input is unusable (the usable ones are still reported), else 1 when a
 * non-exempt failure is at or above `failOn`, else 0.
 */
export async function runCheck(files: readonly string[], options: CheckOptions): Promise<CommandResult> {
  let profile: Profile = defaultProfile;
  if (options.profile) profile = await loadProfile(options.profile);
  const now = new Date();
  const { snapshots, problems } = await readClusterFiles(files, now);
  const stderr = problems.map((problem) => `${problem.file}: ${problem.message}`);
  if (snapshots.length === 0) return { exitCode: 2, stdout: "", stderr };

  const clusters = snapshots.map((snapshot) => evaluate(snapshot, profile, now));
  const report: Report = { baseline: BASELINE_VERSION, profile, clusters };
  const stdout = render(report, options.format, { color: options.color, width: options.width });
  if (problems.length > 0) return { exitCode: 2, stdout, stderr };
  return { exitCode: failsAtOrAbove(clusters, options.failOn) ? 1 : 0, stdout, stderr };
}

export function failsAtOrAbove(clusters: readonly ClusterEvaluation[], failOn: Severity | "none"): boolean {
  if (failOn === "none") return false;
  const threshold = SEVERITIES.indexOf(failOn);
  return clusters.some((cluster) =>
    cluster.findings.some(
      (finding) => finding.status === "fail" && !finding.exemption && SEVERITIES.indexOf(finding.severity) <= threshold,
    ),
  );
}
