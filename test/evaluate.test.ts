import { describe, expect, it } from "vitest";
import { catalogue } from "../shared/baseline/catalogue.js";
import { evaluate, exemptionsFromTags } from "../shared/baseline/evaluate.js";
import { defaultProfile, resolveProfile, type Profile } from "../shared/baseline/profile.js";
import { clusterWith, compliantCluster, NOW, snapshotOf } from "./support/clusters.js";

describe("evaluate", () => {
  it("is deterministic: the same snapshot gives the same findings", async () => {
    const snapshot = await snapshotOf(clusterWith((c) => (c.properties.enableRBAC = false)));
    expect(evaluate(snapshot, defaultProfile, NOW)).toEqual(evaluate(snapshot, defaultProfile, NOW));
  });

  it("runs the opt-in checks only when a profile enables them", async () => {
    const snapshot = await snapshotOf(compliantCluster());
    const ids = evaluate(snapshot, defaultProfile, NOW).findings.map((finding) => finding.check);
    expect(ids).not.toContain("fips-node-pools");
    expect(ids).not.toContain("disk-encryption-cmk");
    expect(ids).toHaveLength(catalogue.filter((check) => !check.optIn).length);
    const withFips = resolveProfile({ checks: { "fips-node-pools": { severity: "HIGH" } } });
    expect(evaluate(snapshot, withFips, NOW).findings.find((f) => f.check === "fips-node-pools")?.severity).toBe("high");
  });

  it("reports a check that throws as error (checkFailed) and still runs the others", async () => {
    const snapshot = await snapshotOf(compliantCluster());
    const broken: Profile = {
      ...defaultProfile,
      checks: [
        {
          check: { ...catalogue[0]!, evaluate: () => { throw new TypeError("boom"); } },
          severity: "high",
        },
        ...defaultProfile.checks.slice(1, 3),
      ],
    };
    const findings = evaluate(snapshot, broken, NOW).findings;
    expect(findings[0]).toMatchObject({ status: "error", errorKind: "checkFailed", message: "The check failed: boom" });
    expect(findings.slice(1).map((f) => f.status)).toEqual(["pass", "pass"]);
  });

  it("applies exemptions from the cluster's tag, reports them with the reason and leaves them out of the counts", async () => {
    const body = clusterWith((c) => {
      c.properties.enableRBAC = false;
      c.tags = {
        "AKSMON-EXEMPT": "k8s-rbac-enabled; no-such-check",
        "aksmon-exempt-reason": "Legacy workload, RISK-42",
        "aksmon-exempt-until": "2027-01-31",
        "aksmon-exempt-by": "lead@contoso.com",
      };
    });
    const evaluation = evaluate(await snapshotOf(body), defaultProfile, NOW);
    const rbac = evaluation.findings.find((f) => f.check === "k8s-rbac-enabled")!;
    expect(rbac.status).toBe("fail");
    expect(rbac.exemption).toEqual({
      reason: "Legacy workload, RISK-42",
      source: "tag aksmon-exempt",
      until: "2027-01-31T00:00:00.000Z",
      by: "lead@contoso.com",
    });
    expect(evaluation.summary.exempt).toBe(1);
    expect(evaluation.summary.fail).toBe(0);
    expect(evaluation.warnings).toEqual(['Tag aksmon-exempt names an unknown check "no-such-check": ignored.']);
  });

  it("does not apply expired or undated-garbage exemptions, and says so", () => {
    const expired = exemptionsFromTags({ "aksmon-exempt": "k8s-rbac-enabled", "aksmon-exempt-until": "2026-01-01" }, "aksmon-exempt", NOW);
    expect(expired.exemptions.size).toBe(0);
    expect(expired.warnings[0]).toMatch(/expired on 2026-01-01/);
    const garbage = exemptionsFromTags({ "aksmon-exempt": "k8s-rbac-enabled", "aksmon-exempt-until": "soon" }, "aksmon-exempt", NOW);
    expect(garbage.exemptions.size).toBe(0);
    expect(garbage.warnings[0]).toMatch(/not a date/);
    const custom = exemptionsFromTags({ "risk-accepted": "private-cluster" }, "risk-accepted", NOW);
    expect(custom.exemptions.get("private-cluster")?.reason).toBe("Listed in the cluster tag risk-accepted.");
  });

  it("quotes names in remediation commands that are not plain shell words", async () => {
    const body = clusterWith((c) => {
      c.id = c.id.replace("rg-test", "rg(prod)");
      c.properties.disableLocalAccounts = false;
    });
    const finding = evaluate(await snapshotOf(body), defaultProfile, NOW).findings.find((f) => f.check === "local-accounts-disabled");
    expect(finding?.remediation).toBe("az aks update -g 'rg(prod)' -n aks-test --disable-local-accounts");
  });
});

describe("profiles", () => {
  it("refuses unknown check ids, unknown parameters and bad severities, naming them", () => {
    expect(() => resolveProfile({ checks: { "no-such": false } }, "p.yaml")).toThrow("p.yaml: checks.no-such: unknown check id");
    expect(() => resolveProfile({ parameters: { minMaxPodz: 3 } }, "p.yaml")).toThrow(/p\.yaml: parameters/);
    expect(() => resolveProfile({ checks: { "private-cluster": { severity: "severe" } } }, "p.yaml")).toThrow(/checks\.private-cluster\.severity/);
    expect(() => resolveProfile({ parameters: { authorizedIpMinPrefixLength: 40 } }, "p.yaml")).toThrow(/authorizedIpMinPrefixLength/);
  });

  it("keeps catalogue order and defaults for what a profile does not say", () => {
    const profile = resolveProfile({ checks: { "k8s-rbac-enabled": false }, parameters: { minMaxPods: 30 } });
    expect(profile.checks[0]?.check.id).toBe("entra-id-integration");
    expect(profile.params.minMaxPods).toBe(30);
    expect(profile.params.rebootGraceHours).toBe(48);
  });
});
