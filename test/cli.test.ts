/** The command line as a process: `node bin/aksmon.js check ...` on the built code, as a user runs it. */
import { execFile } from "node:child_process";
import { mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { clusterWith, compliantCluster } from "./support/clusters.js";

const ROOT = join(import.meta.dirname, "..");
const FLEET = ["prod-weu-payments.json", "stg-neu-web.json", "dev-eus-sandbox.az.json"].map((name) =>
  join(ROOT, "examples", "fleet", name),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function aksmon(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "aksmon.js"), ...args],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "" } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aksmon-cli-"));
  writeFileSync(file("compliant.json"), JSON.stringify(compliantCluster()));
  writeFileSync(
    file("rbac-off.json"),
    JSON.stringify(
      clusterWith((c) => {
        c.id = c.id.replace("aks-test", "aks-rbac-off");
        c.name = "aks-rbac-off";
        c.properties.enableRBAC = false;
      }),
    ),
  );
  writeFileSync(file("empty.json"), "");
  writeFileSync(file("not-json.json"), "apiVersion: v1\nkind: Node\n");
  writeFileSync(file("truncated.json"), JSON.stringify(compliantCluster()).slice(0, 700));
  writeFileSync(
    file("storage-account.json"),
    JSON.stringify({
      id: "/subscriptions/6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st1",
      name: "st1",
      type: "Microsoft.Storage/storageAccounts",
      properties: { supportsHttpsTrafficOnly: true },
    }),
  );
  writeFileSync(file("huge.json"), "");
  truncateSync(file("huge.json"), 50 * 1024 * 1024);
  writeFileSync(file("deep.json"), `${"[".repeat(200_000)}${"]".repeat(200_000)}`);
  writeFileSync(file("profile-bad.yaml"), "checks:\n  no-such-check: false\n");
  writeFileSync(file("profile-quiet.yaml"), "checks:\n  k8s-rbac-enabled: { severity: low }\n");
});

describe("aksmon check", () => {
  it("prints the contract JSON for the sample fleet and exits 1 on its high failures", async () => {
    const run = await aksmon("check", ...FLEET, "--format", "json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(typeof report.baseline).toBe("string");
    expect(report.clusters.map((cluster: { name: string }) => cluster.name)).toEqual([
      "prod-weu-payments",
      "stg-neu-web",
      "dev-eus-sandbox",
    ]);
    for (const cluster of report.clusters) {
      expect(Object.keys(cluster.summary)).toEqual(expect.arrayContaining(["pass", "fail", "error", "notApplicable"]));
      for (const finding of cluster.findings) {
        expect(Object.keys(finding)).toEqual(expect.arrayContaining(["check", "status", "severity", "title", "evidence"]));
        expect(["pass", "fail", "error", "notApplicable"]).toContain(finding.status);
        expect(["critical", "high", "medium", "low", "info"]).toContain(finding.severity);
      }
    }
    const [prod, staging, dev] = report.clusters;
    expect(dev.summary.fail).toBeGreaterThan(staging.summary.fail);
    expect(staging.summary.fail).toBeGreaterThan(prod.summary.fail);
    const devStatus = (id: string) => dev.findings.find((f: { check: string }) => f.check === id).status;
    expect(devStatus("api-authorized-ip-no-open-range")).toBe("fail");
    expect(devStatus("node-public-ip-disabled")).toBe("fail");
    expect(devStatus("managed-identity")).toBe("fail");
    const exempt = prod.findings.find((f: { check: string }) => f.check === "egress-controlled");
    expect(exempt.exemption.reason).toMatch(/hub firewall/);
    expect(prod.summary.exempt).toBe(1);
  });

  it("exits 0 for a compliant cluster, and 1 for a high failure unless --fail-on is raised", async () => {
    expect((await aksmon("check", file("compliant.json"))).code).toBe(0);
    expect((await aksmon("check", file("rbac-off.json"))).code).toBe(1);
    expect((await aksmon("check", file("rbac-off.json"), "--fail-on", "critical")).code).toBe(0);
    expect((await aksmon("check", file("rbac-off.json"), "--fail-on", "none")).code).toBe(0);
    expect((await aksmon("check", file("rbac-off.json"), "--profile", file("profile-quiet.yaml"))).code).toBe(0);
    expect(
      (await aksmon("check", file("rbac-off.json"), "--profile", file("profile-quiet.yaml"), "--fail-on", "low")).code,
    ).toBe(1);
  });

  it("renders every format", async () => {
    const table = await aksmon("check", ...FLEET);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain("dev-eus-sandbox");
    expect(table.stdout).not.toMatch(/\u001b\[/);
    for (const line of table.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(80);

    const sarif = JSON.parse((await aksmon("check", ...FLEET, "--format", "sarif")).stdout);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0].results.length).toBeGreaterThan(0);

    const markdown = await aksmon("check", ...FLEET, "--format", "markdown");
    expect(markdown.stdout).toContain("prod-weu-payments");

    const junit = await aksmon("check", ...FLEET, "--format", "junit");
    expect(junit.stdout).toMatch(/^<\?xml/);
    expect(junit.stdout).toContain("<testsuite");
  });

  it("applies a profile file: regulated.yaml turns on FIPS and raises private-cluster to high", async () => {
    const run = await aksmon("check", FLEET[0]!, "--format", "json", "--profile", join(ROOT, "examples/profiles/regulated.yaml"));
    const findings = JSON.parse(run.stdout).clusters[0].findings as Array<{ check: string; severity: string }>;
    expect(findings.find((f) => f.check === "private-cluster")?.severity).toBe("high");
    expect(findings.some((f) => f.check === "fips-node-pools")).toBe(true);
    expect(findings.some((f) => f.check === "node-pool-autoscaling")).toBe(false);
  });

  const badInputs: Array<[string, RegExp]> = [
    ["missing.json", /missing\.json: no such file/],
    ["empty.json", /empty\.json: the file is empty/],
    ["not-json.json", /not-json\.json: not valid JSON/],
    ["truncated.json", /truncated\.json: not valid JSON/],
    ["storage-account.json", /storage-account\.json: is a Microsoft\.Storage\/storageAccounts resource, not a managed cluster/],
    ["huge.json", /huge\.json: the file is 50\.0 MB/],
    ["deep.json", /deep\.json: JSON nested 200000 levels deep/],
  ];
  for (const [name, message] of badInputs) {
    it(`refuses ${name}: exit 2, one line on stderr naming the file, nothing on stdout`, async () => {
      const run = await aksmon("check", file(name), "--format", "json");
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it("reports the good files when one among them is bad, and still exits 2", async () => {
    const run = await aksmon("check", file("compliant.json"), file("truncated.json"), file("rbac-off.json"), "--format", "json");
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).clusters).toHaveLength(2);
    expect(run.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/truncated\.json: not valid JSON/)]);
  });

  it("reads a cluster from standard input with -", async () => {
    const run = await new Promise<Run>((resolve) => {
      const child = execFile(
        process.execPath,
        [join(ROOT, "bin", "aksmon.js"), "check", "-", "--format", "json"],
        { cwd: ROOT },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(JSON.stringify(compliantCluster()));
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).clusters[0]).toMatchObject({ name: "aks-test", origin: "-" });
  });

  it("ends quietly when its reader closes the pipe early", async () => {
    const run = await new Promise<Run>((resolve) => {
      execFile(
        "sh",
        ["-c", `"${process.execPath}" bin/aksmon.js check examples/fleet/*.json --format json | head -c 10`],
        { cwd: ROOT },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(run.stdout).toHaveLength(10);
    expect(run.stderr).toBe("");
  });

  it("refuses a bad profile, an unknown format and an unknown severity with exit 2 and one line", async () => {
    const profile = await aksmon("check", file("compliant.json"), "--profile", file("profile-bad.yaml"));
    expect(profile.code).toBe(2);
    expect(profile.stdout).toBe("");
    expect(profile.stderr.trimEnd()).toMatch(/profile-bad\.yaml: checks\.no-such-check: unknown check id$/);
    const format = await aksmon("check", file("compliant.json"), "--format", "xml");
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/format/);
    const severity = await aksmon("check", file("compliant.json"), "--fail-on", "severe");
    expect(severity.code).toBe(2);
  });
});
