/**
 * Every file of the handbook's ARM fixtures (REST examples and clusters recorded from live Azure) goes
 * through the real file reader and the SDK's mappers, and evaluates with every check enabled and no
 * `error` caused by the engine itself; the findings match reviewed snapshots in test/__snapshots__/fixtures.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { catalogue } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { resolveProfile } from "../shared/baseline/profile.js";
import type { ClusterEvaluation } from "../shared/baseline/types.js";
import { readClusterFiles } from "../shared/sources/clusterFiles.js";
import { NOW } from "./support/clusters.js";

const ROOT = join(import.meta.dirname, "fixtures", "arm");
const files = ["2026-06-01", "recorded"].flatMap((dir) =>
  readdirSync(join(ROOT, dir))
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => join(ROOT, dir, name)),
);
const everyCheck = resolveProfile({ checks: Object.fromEntries(catalogue.map((check) => [check.id, true])) }, "all");

function render(evaluation: ClusterEvaluation): string {
  const lines = [`# ${evaluation.id}`, `summary: ${JSON.stringify(evaluation.summary)}`];
  for (const finding of evaluation.findings) {
    const kind = finding.errorKind ? ` (${finding.errorKind})` : "";
    lines.push(`${finding.check}: ${finding.status}${kind}: ${finding.message}`);
  }
  for (const warning of evaluation.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}

describe("the handbook's ARM fixtures", () => {
  it("are an exact copy of ../shared/fixtures/arm when the handbook is present", () => {
    const shared = join(import.meta.dirname, "..", "..", "shared", "fixtures", "arm");
    if (!existsSync(shared)) return;
    for (const file of files) {
      const relative = file.slice(ROOT.length + 1);
      expect(readFileSync(file, "utf8"), relative).toBe(readFileSync(join(shared, relative), "utf8"));
    }
  });

  for (const file of files) {
    const name = basename(file, ".json");
    it(`${name} evaluates on its own, or is refused with a clear reason`, async () => {
      const { snapshots, problems } = await readClusterFiles([file], NOW);
      if (snapshots.length === 0) {
        expect(problems).toHaveLength(1);
        await expect(`${problems[0]!.message}\n`).toMatchFileSnapshot(`__snapshots__/fixtures/${name}.txt`);
        return;
      }
      expect(problems).toEqual([]);
      const evaluations = snapshots.map((snapshot) => evaluate(snapshot, everyCheck, NOW));
      for (const evaluation of evaluations) {
        expect(evaluation.findings).toHaveLength(catalogue.length);
        const engineErrors = evaluation.findings.filter((finding) => finding.errorKind === "checkFailed");
        expect(engineErrors, `${name}: ${engineErrors.map((f) => f.message).join("; ")}`).toEqual([]);
      }
      await expect(evaluations.map(render).join("\n")).toMatchFileSnapshot(`__snapshots__/fixtures/${name}.txt`);
    });
  }

  it("evaluates the external-data checks when the cluster's child resources sit beside it", async () => {
    const dir = join(ROOT, "2026-06-01");
    const companions = [
      "ManagedClustersGet.json",
      "AgentPoolsGet.json",
      "AgentPoolsGetUpgradeProfile.json",
      "ManagedClustersGetUpgradeProfile.json",
      "MaintenanceConfigurationsList_MaintenanceWindow.json",
    ].map((name) => join(dir, name));
    const { snapshots, problems } = await readClusterFiles(companions, NOW);
    expect(problems).toEqual([]);
    expect(snapshots).toHaveLength(1);
    const snapshot = snapshots[0]!;
    expect(snapshot.agentPools.map((pool) => pool.name)).toEqual(["agentpool1"]);
    expect(Object.keys(snapshot.extras.poolUpgradeProfiles ?? {})).toEqual(["agentpool1"]);
    expect(snapshot.extras.clusterUpgradeProfile?.ok).toBe(true);
    const maintenance = snapshot.extras.maintenanceConfigurations;
    expect(maintenance?.ok && maintenance.value.map((config) => config.name).sort()).toEqual([
      "aksManagedAutoUpgradeSchedule",
      "aksManagedNodeOSUpgradeSchedule",
    ]);
    const evaluation = evaluate(snapshot, everyCheck, NOW);
    const status = (id: string) => evaluation.findings.find((finding) => finding.check === id)?.status;
    expect(status("maintenance-windows")).toBe("pass");
    // The example set has an upgrade profile for agentpool1 only, so nodepool1's freshness is unknown: error, never pass.
    expect(status("node-image-current")).toBe("error");
    await expect(render(evaluation)).toMatchFileSnapshot("__snapshots__/fixtures/ManagedClustersGet+children.txt");
  });
});
