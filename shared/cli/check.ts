import { BASELINE_VERSION } from "../baseline/catalogue.js";
import { evaluate } from "../baseline/evaluate.js";
import { defaultProfile, loadProfile, type Profile } from "../baseline/profile.js";
import { SEVERITIES, type ClusterEvaluation, type Severity } from "../baseline/types.js";
import type { ClusterSnapshot } from "../model/snapshot.js";
import { render } from "../report/index.js";
import type { Format, Report } from "../report/report.js";
import { readClusterFiles } from "../sources/clusterFiles.js";
import type { LiveScope } from "./scope.js";

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
 * `aksmon check <files...>` or `aksmon check --subscription ...`: evaluates and prints, writes nothing.
 * Exit code: 2 when any input (a file, a cluster that could not be read) is unusable, the usable ones
 * still reported; else 1 when a non-exempt failure is at or above `failOn`; else 0.
 */
export async function runCheck(input: { files: readonly string[] } | { live: LiveScope }, options: CheckOptions): Promise<CommandResult> {
  let profile: Profile = defaultProfile;
  if (options.profile) profile = await loadProfile(options.profile);
  const now = new Date();
  const { snapshots, problems } =
    "files" in input ? await fromFiles(input.files, now) : await (await import("./live.js")).readLive(input.live);
  if (snapshots.length === 0) return { exitCode: 2, stdout: "", stderr: problems };

  const clusters = snapshots.map((snapshot) => evaluate(snapshot, profile, now));
  const report: Report = { baseline: BASELINE_VERSION, profile, clusters };
  const stdout = render(report, options.format, { color: options.color, width: options.width });
  if (problems.length > 0) return { exitCode: 2, stdout, stderr: problems };
  return { exitCode: failsAtOrAbove(clusters, options.failOn) ? 1 : 0, stdout, stderr: [] };
}

async function fromFiles(files: readonly string[], now: Date): Promise<{ snapshots: ClusterSnapshot[]; problems: string[] }> {
  const { snapshots, problems } = await readClusterFiles(files, now);
  return { snapshots, problems: problems.map((problem) => `${problem.file}: ${problem.message}`) };
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
