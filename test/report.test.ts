import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import ajvFormats from "ajv-formats";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { BASELINE_VERSION } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { missingData } from "../shared/baseline/outcome.js";
import { defaultProfile, type Profile } from "../shared/baseline/profile.js";
import { SEVERITIES, STATUSES, type Check, type ClusterEvaluation, type Finding } from "../shared/baseline/types.js";
import { render } from "../shared/report/index.js";
import { formatJson } from "../shared/report/json.js";
import { formatJunit } from "../shared/report/junit.js";
import { formatMarkdown } from "../shared/report/markdown.js";
import { FORMATS, type Report } from "../shared/report/report.js";
import { artifactUri, FINGERPRINT_KEY, formatSarif, pascalCase } from "../shared/report/sarif.js";
import { securitySeverity, sarifLevel, severityRank } from "../shared/report/severity.js";
import { formatTable } from "../shared/report/table.js";
import { snapshotsFromDocument } from "../shared/sources/clusterFiles.js";

const NOW = new Date("2026-11-26T12:00:00Z");
const RECORDED = fileURLToPath(new URL("./fixtures/arm/recorded/", import.meta.url));
const SARIF_SCHEMA = fileURLToPath(new URL("./schemas/sarif-schema-2.1.0.json", import.meta.url));
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * The identity checks never say `error` on a cluster file, so three checks that need live data and
 * one that throws stand in for the checks that do (the engine turns the throw into checkFailed).
 */
const unevaluable: Check[] = [
  ...["a", "b", "c"].map((suffix) => testCheck(`test-live-data-${suffix}`, () => missingData("Not evaluated: the snapshot does not include node data."))),
  testCheck("test-engine-defect", () => {
    throw new Error("boom <&>");
  }),
];

function testCheck(id: string, evaluateCheck: Check["evaluate"]): Check {
  return {
    id,
    title: `Test check ${id}`,
    category: "nodes",
    severity: "medium",
    rationale: "Stands in for a check that needs data beyond the cluster JSON.",
    remediation: { text: "Give the monitor read access to the data." },
    references: [],
    data: "external",
    evaluate: evaluateCheck,
  };
}

const profile: Profile = {
  ...defaultProfile,
  checks: [...defaultProfile.checks, ...unevaluable.map((check) => ({ check, severity: check.severity }))],
};

const SPECIAL_NAME = "evil<script>|*_[x]`&'\"";
const SPECIAL_REASON = "<img src=x onerror=alert(1)> | **bold** [link](http://x) `code` _u_ \u001b[31mred\u0001 ]]>";
const SPECIAL_ID = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg_(x)/providers/Microsoft.ContainerService/managedClusters/${SPECIAL_NAME}`;

let report: Report;
let recordedFiles: string[];

function readJson(file: string): any {
  return JSON.parse(readFileSync(file, "utf8"));
}

beforeAll(async () => {
  recordedFiles = readdirSync(RECORDED)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => path.join(RECORDED, name));
  const snapshots = [];
  for (const file of recordedFiles) snapshots.push(...(await snapshotsFromDocument(readJson(file), file, NOW)));

  const rbacOffFile = path.join(RECORDED, "test_aks_create_disable_rbac.json");
  const exempt = readJson(rbacOffFile);
  exempt.id = exempt.id.replace(/managedClusters\/[^/]+$/, "managedClusters/aks-exempt");
  exempt.name = "aks-exempt";
  exempt.tags = { "aksmon-exempt": "k8s-rbac-enabled", "aksmon-exempt-reason": "legacy" };
  snapshots.push(...(await snapshotsFromDocument(exempt, rbacOffFile, NOW)));

  const special = readJson(rbacOffFile);
  special.id = SPECIAL_ID;
  special.name = SPECIAL_NAME;
  special.tags = {
    "aksmon-exempt": "local-accounts-disabled <b>bad</b>",
    "aksmon-exempt-reason": SPECIAL_REASON,
    "aksmon-exempt-by": "mallory@contoso.com",
  };
  snapshots.push(...(await snapshotsFromDocument(special, `https://management.azure.com${SPECIAL_ID}`, NOW)));

  report = { baseline: BASELINE_VERSION, profile, clusters: snapshots.map((snapshot) => evaluate(snapshot, profile, NOW)) };
});

const clusterNamed = (name: string): ClusterEvaluation => {
  const cluster = report.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`no cluster ${name}`);
  return cluster;
};
const allFindings = (): Array<{ cluster: ClusterEvaluation; finding: Finding }> =>
  report.clusters.flatMap((cluster) => cluster.findings.map((finding) => ({ cluster, finding })));

describe("the test report", () => {
  it("holds every recorded cluster plus the exempt and the special one, with fails, errors and exemptions", () => {
    expect(recordedFiles.length).toBeGreaterThan(0);
    expect(report.clusters).toHaveLength(recordedFiles.length + 2);
    const statuses = new Set(allFindings().map(({ finding }) => finding.status));
    expect(statuses).toEqual(new Set(["pass", "fail", "error", "notApplicable"]));
    expect(clusterNamed("aks-exempt").findings.find((f) => f.check === "k8s-rbac-enabled")).toMatchObject({
      status: "fail",
      exemption: { reason: "legacy" },
    });
    expect(clusterNamed(SPECIAL_NAME).warnings.join(" ")).toContain("<b>bad</b>");
  });
});

describe("json", () => {
  const CONTRACT = {
    top: ["baseline", "clusters"],
    cluster: ["id", "name", "findings", "summary"],
    finding: ["check", "status", "severity", "title", "evidence"],
    summary: ["pass", "fail", "error", "notApplicable"],
  };
  const EXTRA = {
    top: ["profile"],
    cluster: ["subscriptionId", "resourceGroup", "origin", "warnings"],
    finding: ["message", "category", "remediation", "errorKind", "exemption"],
    summary: ["exempt"],
  };
  const keysFit = (value: object, level: keyof typeof CONTRACT) => {
    expect(Object.keys(value)).toEqual(expect.arrayContaining(CONTRACT[level]));
    for (const key of Object.keys(value)) expect([...CONTRACT[level], ...EXTRA[level]]).toContain(key);
  };

  it("has DESIGN.md's contract fields, typed, and only the documented extras; pretty-printed with a trailing newline", () => {
    const text = formatJson(report);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n  "clusters": [\n');
    const document = JSON.parse(text);
    keysFit(document, "top");
    expect(document.baseline).toBe(BASELINE_VERSION);
    expect(document.profile).toBe(profile.name);
    expect(document.clusters).toHaveLength(report.clusters.length);
    for (const [index, cluster] of document.clusters.entries()) {
      const source = report.clusters[index]!;
      keysFit(cluster, "cluster");
      expect([cluster.id, cluster.name]).toEqual([source.id, source.name]);
      keysFit(cluster.summary, "summary");
      expect(cluster.findings).toHaveLength(profile.checks.length);
      for (const finding of cluster.findings) {
        keysFit(finding, "finding");
        expect(STATUSES).toContain(finding.status);
        expect(SEVERITIES).toContain(finding.severity);
        expect(typeof finding.check).toBe("string");
        expect(typeof finding.title).toBe("string");
        expect(Array.isArray(finding.evidence)).toBe(true);
        for (const row of finding.evidence) expect(Object.keys(row)).toEqual(expect.arrayContaining(["path", "value"]));
      }
      const counted = cluster.findings.filter((finding: any) => !finding.exemption);
      for (const status of STATUSES) {
        expect(cluster.summary[status]).toBe(counted.filter((finding: any) => finding.status === status).length);
      }
    }
  });
});

describe("table", () => {
  const visible = (text: string) => text.replace(ANSI, "");
  const lines = (text: string) => text.replace(/\n$/, "").split("\n");

  it.each([80, 60, 24])("fits every line in %i characters", (width) => {
    for (const color of [false, true]) {
      const text = width === 80 ? formatTable(report, { color }) : formatTable(report, { color, width });
      for (const line of lines(text)) expect(Array.from(visible(line)).length).toBeLessThanOrEqual(width);
    }
  });

  it("has colour codes only when asked, and the same text either way", () => {
    const plain = formatTable(report, { color: false });
    const coloured = formatTable(report, { color: true });
    expect(plain).not.toContain("\u001b");
    expect(plain).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(coloured).toMatch(ANSI);
    expect(visible(coloured)).toBe(plain);
  });

  it("shows per cluster a header, fails then errors then exemptions by severity, and a pass tail", () => {
    const blocks = formatTable(report, { color: false }).split("\n\n");
    expect(blocks).toHaveLength(report.clusters.length + 1);
    expect(blocks.at(-1)).toMatch(/^\d+ clusters, \d+ with failures: /);
    for (const [index, cluster] of report.clusters.entries()) {
      const [header = "", ...rows] = lines(blocks[index]!);
      expect(header).toMatch(new RegExp(`: ${cluster.summary.fail} failed(, \\d+ errors?)?(, \\d+ need live data)?(, \\d+ exempt)?$`));
      expect(rows.filter((row) => !/^ {2}\S/.test(row)).every((row) => row.startsWith(" ".repeat(9)))).toBe(true);
      const kinds = rows.map((row) => /^ {2}(FAIL|ERROR|EXEMPT)/.exec(row)?.[1]).filter(Boolean);
      expect(kinds.join(" ")).toMatch(/^(FAIL ?)*(ERROR ?)*(EXEMPT ?)*$/);
      const failSeverities = rows.filter((row) => row.startsWith("  FAIL")).map((row) => row.split(/ +/)[2] as Finding["severity"]);
      expect(failSeverities.map(severityRank)).toEqual([...failSeverities.map(severityRank)].sort((a, b) => a - b));
      expect(rows.filter((row) => row.startsWith("  FAIL"))).toHaveLength(cluster.summary.fail);
      const passed = cluster.findings.filter((f) => !f.exemption && f.status === "pass").length;
      const notApplicable = cluster.findings.filter((f) => !f.exemption && f.status === "notApplicable").length;
      expect(rows.at(-1)).toBe(`  ${passed} passed, ${notApplicable} not applicable`);
    }
  });

  it("groups the checks that need live data into one line and lists the other errors", () => {
    const text = lines(formatTable(report, { color: false, width: 2000 }));
    const blocks = formatTable(report, { color: false, width: 2000 }).split("\n\n");
    for (const [index, cluster] of report.clusters.entries()) {
      const needLiveData = cluster.findings.filter((f) => !f.exemption && f.errorKind === "missingData").map((f) => f.check);
      const blockLines = lines(blocks[index]!);
      const at = blockLines.findIndex((line) => line.includes("checks need live data"));
      expect(blockLines[at]).toBe(`  ERROR  ${needLiveData.length} checks need live data (not in the file):`);
      expect(blockLines[at + 1]).toBe(`         ${needLiveData.join(", ")}`);
      expect(blockLines[at + 1]).toContain("test-live-data-a, test-live-data-b, test-live-data-c");
    }
    const defects = text.flatMap((line, index) => (/^ {2}ERROR +medium +test-engine-defect$/.test(line) ? [text[index + 1]] : []));
    expect(defects).toEqual(report.clusters.map(() => "         The check failed: boom <&>"));
  });

  it("shows an exemption with its reason, and keeps cluster text from reaching the terminal raw", () => {
    const text = formatTable(report, { color: false, width: 200 });
    expect(text).toMatch(/ {2}EXEMPT high +k8s-rbac-enabled\n {9}Exempt from a fail: legacy/);
    expect(text).toContain("Exempt from a fail: <img src=x onerror=alert(1)>");
    expect(text).not.toMatch(/\u001b|\u0001/);
  });
});

describe("sarif", () => {
  let validate: ReturnType<Ajv2020["compile"]>;
  let log: any;

  beforeAll(() => {
    const schema = readJson(SARIF_SCHEMA);
    // Two defects of the published schema, fixed in memory only (the file stays byte-for-byte):
    // region's `anyOf` sits inside `properties` (so it is not a schema at all) — move it where it was
    // meant to be, which is stricter; and two `pattern`s use `(?i)`, which JavaScript regular
    // expressions do not know — read it as the `i` flag.
    const region = schema.definitions.region;
    region.anyOf = region.properties.anyOf;
    delete region.properties.anyOf;
    const regExp = Object.assign(
      (pattern: string, flags: string) =>
        pattern.startsWith("^(?i)") ? new RegExp(`^${pattern.slice(5)}`, `${flags}i`) : new RegExp(pattern, flags),
      { code: "caseInsensitivePrefix" },
    );
    const ajv = new Ajv2020({ strict: false, allErrors: true, code: { regExp } });
    // ajv-formats is CommonJS: under NodeNext its function is the module's `default`.
    ajvFormats.default(ajv);
    validate = ajv.compile(schema);
    log = JSON.parse(formatSarif(report));
  });

  it("validates against the official SARIF 2.1.0 schema", () => {
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(log.version).toBe("2.1.0");
    expect(log.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(log.runs).toHaveLength(1);
  });

  it("the schema catches a broken log (the validator is not a no-op)", () => {
    const broken = structuredClone(log);
    broken.runs[0].results[0].level = "critical";
    delete broken.runs[0].results[0].locations[0].physicalLocation.region.startLine;
    expect(validate(broken)).toBe(false);
  });

  it("has one rule per enabled check, with PascalCase name, help, level and security-severity", () => {
    const { driver } = log.runs[0].tool;
    expect(driver.name).toBe("aksmon");
    expect(driver.version).toBe(BASELINE_VERSION);
    expect(driver.rules.map((rule: any) => rule.id)).toEqual(profile.checks.map(({ check }) => check.id));
    for (const [index, rule] of driver.rules.entries()) {
      const { check, severity } = profile.checks[index]!;
      expect(rule.name).toBe(pascalCase(check.id));
      expect(rule.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(rule.shortDescription.text).toBe(check.title);
      expect(rule.fullDescription.text).toBe(check.rationale);
      expect(rule.help.text).toContain(check.remediation.text);
      if (check.remediation.command) {
        const command = check.remediation.command.replaceAll("{resourceGroup}", "<resource-group>").replaceAll("{name}", "<cluster>");
        expect(rule.help.markdown).toContain(`\`\`\`sh\n${command.replaceAll("{pool}", "<pool>")}\n\`\`\``);
      }
      expect(rule.defaultConfiguration.level).toBe(sarifLevel(severity));
      expect(rule.properties["security-severity"]).toBe(securitySeverity(severity));
      expect(rule.properties.tags).toEqual([check.category, "security"]);
      expect(rule.helpUri).toBeUndefined();
    }
    expect(pascalCase("k8s-rbac-enabled")).toBe("K8sRbacEnabled");
    expect(SEVERITIES.map(securitySeverity)).toEqual(["9.5", "8.0", "5.5", "3.0", "1.0"]);
    expect(SEVERITIES.map(sarifLevel)).toEqual(["error", "error", "warning", "note", "note"]);
  });

  it("has one result per failing finding, pointing at its rule, file and cluster", () => {
    const { results, tool } = log.runs[0];
    const fails = allFindings().filter(({ finding }) => finding.status === "fail");
    expect(results).toHaveLength(fails.length);
    for (const [index, result] of results.entries()) {
      const { cluster, finding } = fails[index]!;
      expect(result.ruleId).toBe(finding.check);
      expect(tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(result.level).toBe(sarifLevel(finding.severity));
      expect(result.message.text).toContain(cluster.name);
      expect(result.message.text).toContain(finding.message);
      const location = result.locations[0];
      expect(location.physicalLocation.region.startLine).toBe(1);
      expect(location.logicalLocations[0]).toEqual({ name: cluster.name, fullyQualifiedName: cluster.id, kind: "resource" });
      expect(result.partialFingerprints[FINGERPRINT_KEY]).toMatch(/^[0-9a-f]{64}$/);
    }
    const first = results.find((r: any) => r.locations[0].logicalLocations[0].fullyQualifiedName === report.clusters[0]!.id);
    expect(first.locations[0].physicalLocation.artifactLocation.uri).toBe(
      path.relative(process.cwd(), recordedFiles[0]!).split(path.sep).join("/"),
    );
  });

  it("suppresses exempt failures instead of dropping them", () => {
    const { results } = log.runs[0];
    const exempt = results.filter((r: any) => r.suppressions);
    const exemptFails = allFindings().filter(({ finding }) => finding.status === "fail" && finding.exemption);
    expect(exempt).toHaveLength(exemptFails.length);
    const legacy = results.find(
      (r: any) => r.ruleId === "k8s-rbac-enabled" && r.locations[0].logicalLocations[0].name === "aks-exempt",
    );
    expect(legacy.suppressions).toEqual([{ kind: "external", status: "accepted", justification: "legacy" }]);
  });

  it("reports errors as tool execution notifications, not results", () => {
    const [invocation] = log.runs[0].invocations;
    expect(invocation.executionSuccessful).toBe(true);
    const errors = allFindings().filter(({ finding }) => finding.status === "error");
    expect(invocation.toolExecutionNotifications).toHaveLength(errors.length);
    for (const [index, notification] of invocation.toolExecutionNotifications.entries()) {
      expect(notification.level).toBe("warning");
      expect(notification.descriptor.id).toBe(errors[index]!.finding.check);
    }
    const resultRules = new Set(log.runs[0].results.map((r: any) => r.ruleId));
    for (const check of unevaluable) expect(resultRules.has(check.id)).toBe(false);
    expect(invocation.toolConfigurationNotifications.map((n: any) => n.message.text).join(" ")).toContain("<b>bad</b>");
  });

  it("fingerprints stay the same across runs and differ between clusters", () => {
    expect(formatSarif(report)).toBe(formatSarif(report));
    const prints = log.runs[0].results
      .filter((r: any) => r.ruleId === "k8s-rbac-enabled")
      .map((r: any) => r.partialFingerprints[FINGERPRINT_KEY]);
    expect(prints.length).toBeGreaterThan(1);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it("uses a relative POSIX path for a file origin and the cluster id otherwise", () => {
    const id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c";
    expect(artifactUri({ id, origin: "/repo/clusters/prod a.json" }, "/repo")).toBe("clusters/prod%20a.json");
    expect(artifactUri({ id, origin: "clusters/prod.json" }, "/repo")).toBe("clusters/prod.json");
    expect(artifactUri({ id, origin: "/elsewhere/c.json" }, "/repo")).toBe("../elsewhere/c.json");
    expect(artifactUri({ id, origin: `https://management.azure.com${id}` }, "/repo")).toBe(id);
    const special = log.runs[0].results.find((r: any) => r.locations[0].logicalLocations[0].name === SPECIAL_NAME);
    expect(decodeURIComponent(special.locations[0].physicalLocation.artifactLocation.uri)).toBe(SPECIAL_ID);
  });
});

describe("markdown", () => {
  let text: string;
  beforeAll(() => {
    text = formatMarkdown(report);
  });
  const unescapedPipes = (line: string) => (line.match(/(?<!\\)\|/g) ?? []).length;

  it("has a heading per cluster with its counts, and a table of failures with the fix in backticks", () => {
    for (const cluster of report.clusters) expect(text).toContain(`${cluster.summary.pass} passed`);
    expect(text.match(/^### /gm)).toHaveLength(report.clusters.length);
    expect(text).toContain("| Severity | Check | Finding | Fix |");
    expect(text).toMatch(/\| High \| `k8s-rbac-enabled` \| Kubernetes RBAC is disabled\. \|/);
    expect(text).toMatch(/\| `az aks update -g clitest000001 -n cliakstest\d+ --enable-aad` \|/);
    expect(text.endsWith("\n")).toBe(true);
  });

  it("lists exemptions with their reasons and the checks that could not be evaluated", () => {
    expect(text).toContain("- `k8s-rbac-enabled` (High, fail): legacy");
    expect(text).toContain("- `test-live-data-a` (missingData): Not evaluated");
    expect(text).toContain("- `test-engine-defect` (checkFailed): The check failed: boom &lt;&amp;&gt;");
  });

  it("escapes cluster text so that it cannot add HTML, formatting, links or table cells", () => {
    // Inside a code span `<` is literal text; outside, the only HTML is the line break between commands.
    const prose = text.replace(/(?<!\\)(`+)([\s\S]*?[^`])\1(?!`)/g, "");
    expect(prose.replaceAll("<br>", "")).not.toMatch(/[<>]/);
    expect(text).not.toMatch(/(?<!\\)\*\*bold/);
    expect(text).not.toMatch(/(?<!\\)\[link(?<!\\)\]/);
    expect(text).not.toContain("\u001b");
    expect(text).toContain("### evil&lt;script&gt;\\|\\*\\_\\[x\\]\\`&amp;'\"");
    expect(text).toContain("&lt;img src=x onerror=alert(1)&gt; \\| \\*\\*bold\\*\\* \\[link\\](http://x) \\`code\\` \\_u\\_");
    for (const line of text.split("\n").filter((l) => l.startsWith("| "))) expect(unescapedPipes(line)).toBe(5);
  });
});

describe("junit", () => {
  let xml: string;
  let suites: any[];
  beforeAll(() => {
    xml = formatJunit(report);
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      parseAttributeValue: false,
      isArray: (name) => ["testsuite", "testcase", "property"].includes(name),
    });
    suites = parser.parse(xml).testsuites.testsuite;
  });

  it("is well-formed XML", () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(xml).not.toContain("\u0001");
    expect(xml).not.toContain("\u001b");
  });

  it("has one suite per cluster and one case per finding, with counts that match the findings", () => {
    expect(suites).toHaveLength(report.clusters.length);
    for (const [index, suite] of suites.entries()) {
      const cluster = report.clusters[index]!;
      expect(suite.name).toBe(cluster.name);
      expect(Number(suite.tests)).toBe(cluster.findings.length);
      expect(Number(suite.failures)).toBe(cluster.summary.fail);
      expect(Number(suite.errors)).toBe(cluster.summary.error);
      expect(Number(suite.skipped)).toBe(cluster.summary.notApplicable + cluster.summary.exempt);
      expect(suite.testcase).toHaveLength(cluster.findings.length);
      expect(suite.testcase.filter((c: any) => c.failure)).toHaveLength(cluster.summary.fail);
      expect(suite.testcase.filter((c: any) => c.error)).toHaveLength(cluster.summary.error);
      expect(suite.testcase.filter((c: any) => c.skipped)).toHaveLength(cluster.summary.notApplicable + cluster.summary.exempt);
      for (const [i, testcase] of suite.testcase.entries()) {
        expect(testcase.name).toBe(cluster.findings[i]!.check);
        expect(testcase.classname).toBe(cluster.findings[i]!.category);
      }
    }
  });

  it("puts severity and evidence on failures, and escapes (then parses back) hostile text", () => {
    const rbac = suites.flatMap((s) => s.testcase).find((c: any) => c.name === "k8s-rbac-enabled" && c.failure);
    expect(rbac.failure.type).toBe("high");
    expect(rbac.failure["#text"]).toContain("properties.enableRBAC = false (expected true)");
    const special = suites.find((s) => s.name === SPECIAL_NAME);
    expect(special.properties.property[0]).toEqual({ name: "cluster.id", value: SPECIAL_ID });
    const exempt = special.testcase.find((c: any) => c.name === "local-accounts-disabled");
    expect(exempt.skipped.message).toContain("<img src=x onerror=alert(1)> | **bold**");
    expect(exempt.skipped.message).not.toContain("\u0001");
  });
});

describe("render", () => {
  it("dispatches on every format", () => {
    expect(render(report, "json")).toBe(formatJson(report));
    expect(render(report, "sarif")).toBe(formatSarif(report));
    expect(render(report, "markdown")).toBe(formatMarkdown(report));
    expect(render(report, "junit")).toBe(formatJunit(report));
    expect(render(report, "table", { color: false, width: 60 })).toBe(formatTable(report, { color: false, width: 60 }));
    for (const format of FORMATS) expect(render(report, format).endsWith("\n")).toBe(true);
  });
});
