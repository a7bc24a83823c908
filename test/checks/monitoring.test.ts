import { describe, expect, it } from "vitest";
import type { DefenderPricing, DiagnosticSetting, SecurityAssessment } from "../../shared/model/snapshot.js";
import { SUBSCRIPTION, clusterWith, compliantCluster, findingFor } from "../support/clusters.js";

const WORKSPACE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/law`;
const RUNNING_IMAGES = "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5";
const FORBIDDEN = { ok: false as const, error: { kind: "forbidden" as const, status: 403, message: "AuthorizationFailed" } };

function setting(name: string, logs: DiagnosticSetting["logs"], destination: Partial<DiagnosticSetting> = { workspaceId: WORKSPACE }): DiagnosticSetting {
  return { name, logs, ...destination };
}

function withSettings(value: DiagnosticSetting[]) {
  return { extras: { direct: { diagnosticSettings: { ok: true as const, value } } } };
}

function withPricing(value: DefenderPricing) {
  return { extras: { direct: { defenderPricing: { ok: true as const, value } } } };
}

function withAssessments(value: SecurityAssessment[]) {
  return { extras: { direct: { securityAssessments: { ok: true as const, value } } } };
}

describe("monitoring checks", () => {
  it("container-insights needs the omsagent add-on with a workspace", async () => {
    const ok = await findingFor("container-insights", compliantCluster());
    expect(ok.status).toBe("pass");
    expect(ok.evidence).toContainEqual({
      path: "properties.addonProfiles.omsagent.config.logAnalyticsWorkspaceResourceID",
      value: WORKSPACE,
      expected: "a Log Analytics workspace id",
    });
    const off = await findingFor("container-insights", clusterWith((c) => (c.properties.addonProfiles.omsagent.enabled = false)));
    expect(off.status).toBe("fail");
    expect(off.remediation).toBe(
      "az aks enable-addons -g rg-test -n aks-test --addons monitoring --workspace-resource-id <workspace-resource-id>",
    );
    const noWorkspace = await findingFor("container-insights", clusterWith((c) => (c.properties.addonProfiles.omsagent.config = {})));
    expect(noWorkspace.status).toBe("fail");
    expect(noWorkspace.message).toMatch(/names no Log Analytics workspace/);
    expect((await findingFor("container-insights", clusterWith((c) => delete c.properties.addonProfiles.omsagent))).status).toBe("fail");
  });

  it("container-insights accepts the template spelling omsAgent and a re-cased config key", async () => {
    const templateCase = clusterWith((c) => {
      delete c.properties.addonProfiles.omsagent;
      c.properties.addonProfiles.omsAgent = { enabled: true, config: { logAnalyticsWorkspaceResourceId: WORKSPACE } };
    });
    const finding = await findingFor("container-insights", templateCase);
    expect(finding.status).toBe("pass");
    expect(finding.evidence.map((row) => row.path)).toEqual([
      "properties.addonProfiles.omsAgent.enabled",
      "properties.addonProfiles.omsAgent.config.logAnalyticsWorkspaceResourceId",
    ]);
  });

  it("managed-prometheus", async () => {
    expect((await findingFor("managed-prometheus", compliantCluster())).status).toBe("pass");
    const off = await findingFor("managed-prometheus", clusterWith((c) => delete c.properties.azureMonitorProfile));
    expect(off.status).toBe("fail");
    expect(off.evidence).toEqual([{ path: "properties.azureMonitorProfile.metrics.enabled", value: null, expected: "true" }]);
    expect(off.remediation).toBe("az aks update -g rg-test -n aks-test --enable-azure-monitor-metrics");
  });

  it("control-plane-audit-logs passes one setting with kube-audit-admin and guard, or the audit/allLogs group", async () => {
    const categories = await findingFor(
      "control-plane-audit-logs",
      compliantCluster(),
      withSettings([
        setting("to-law", [
          { category: "kube-apiserver", enabled: true },
          { category: "Kube-Audit-Admin", enabled: true },
          { category: "guard", enabled: true },
        ]),
      ]),
    );
    expect(categories.status).toBe("pass");
    expect(categories.evidence).toEqual([
      { path: "diagnosticSettings[to-law].properties.logs", value: ["kube-apiserver", "Kube-Audit-Admin", "guard"] },
    ]);
    const kubeAudit = await findingFor(
      "control-plane-audit-logs",
      compliantCluster(),
      withSettings([setting("to-sa", [{ category: "kube-audit", enabled: true }, { category: "guard", enabled: true }], { storageAccountId: "/sa" })]),
    );
    expect(kubeAudit.status).toBe("pass");
    const group = await findingFor(
      "control-plane-audit-logs",
      compliantCluster(),
      withSettings([setting("grouped", [{ categoryGroup: "audit", enabled: true }], { eventHubAuthorizationRuleId: "/eh/rule" })]),
    );
    expect(group.status).toBe("pass");
    const allLogs = await findingFor(
      "control-plane-audit-logs",
      compliantCluster(),
      withSettings([setting("all", [{ categoryGroup: "AllLogs", enabled: true }])]),
    );
    expect(allLogs.status).toBe("pass");
  });

  it("control-plane-audit-logs fails when the required categories are split across settings", async () => {
    const finding = await findingFor(
      "control-plane-audit-logs",
      compliantCluster(),
      withSettings([
        setting("audit-only", [{ category: "kube-audit-admin", enabled: true }, { category: "guard", enabled: false }]),
        setting("guard-only", [{ category: "guard", enabled: true }]),
      ]),
    );
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe(
      "No diagnostic setting ships all the required audit logs: audit-only lacks guard; guard-only lacks kube-audit-admin or kube-audit.",
    );
    expect(finding.evidence).toContainEqual(
      expect.objectContaining({ path: "diagnosticSettings[audit-only].properties.logs", value: ["kube-audit-admin"] }),
    );
    expect(finding.remediation).toContain("az monitor diagnostic-settings create --name aksmon-audit --resource aks-test --resource-group rg-test");
  });

  it("control-plane-audit-logs fails a complete setting that has no destination, and an empty list", async () => {
    const noDestination = await findingFor(
      "control-plane-audit-logs",
      compliantCluster(),
      withSettings([setting("nowhere", [{ categoryGroup: "audit", enabled: true }], {})]),
    );
    expect(noDestination.status).toBe("fail");
    expect(noDestination.message).toMatch(/sends logs to a workspace, storage account or event hub/);
    const empty = await findingFor("control-plane-audit-logs", compliantCluster(), withSettings([]));
    expect(empty.status).toBe("fail");
    expect(empty.message).toMatch(/no diagnostic settings/);
  });

  it("control-plane-audit-logs follows requiredAuditLogCategories", async () => {
    const options = {
      ...withSettings([setting("to-law", [{ category: "kube-audit-admin", enabled: true }])]),
      parameters: { requiredAuditLogCategories: [["kube-audit-admin"]] },
    };
    expect((await findingFor("control-plane-audit-logs", compliantCluster(), options)).status).toBe("pass");
  });

  it("control-plane-audit-logs is an error when the settings were not read, or the read failed", async () => {
    const absent = await findingFor("control-plane-audit-logs", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const failed = await findingFor("control-plane-audit-logs", compliantCluster(), {
      extras: { direct: { diagnosticSettings: FORBIDDEN } },
    });
    expect(failed.status).toBe("error");
    expect(failed.errorKind).toBe("readFailed");
    expect(failed.message).toMatch(/forbidden \(HTTP 403\)/);
  });

  it("defender-sensor-profile needs security monitoring and a workspace", async () => {
    expect((await findingFor("defender-sensor-profile", compliantCluster())).status).toBe("pass");
    const off = await findingFor("defender-sensor-profile", clusterWith((c) => (c.properties.securityProfile.defender.securityMonitoring.enabled = false)));
    expect(off.status).toBe("fail");
    expect(off.evidence).toContainEqual({
      path: "properties.securityProfile.defender.securityMonitoring.enabled",
      value: false,
      expected: "true",
    });
    expect(off.remediation).toBe("az aks update -g rg-test -n aks-test --enable-defender");
    const noWorkspace = await findingFor("defender-sensor-profile", clusterWith((c) => delete c.properties.securityProfile.defender.logAnalyticsWorkspaceResourceId));
    expect(noWorkspace.status).toBe("fail");
    expect(noWorkspace.message).toMatch(/names no Log Analytics workspace/);
  });

  it('defender-for-containers-plan: Standard with the VA extension enabled (boolean or "True")', async () => {
    const asString = await findingFor(
      "defender-for-containers-plan",
      compliantCluster(),
      withPricing({ pricingTier: "Standard", extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "True" }] }),
    );
    expect(asString.status).toBe("pass");
    const asBoolean = await findingFor(
      "defender-for-containers-plan",
      compliantCluster(),
      withPricing({ pricingTier: "standard", extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: true }] }),
    );
    expect(asBoolean.status).toBe("pass");
  });

  it("defender-for-containers-plan fails the Free tier and a disabled or missing extension", async () => {
    const free = await findingFor("defender-for-containers-plan", compliantCluster(), withPricing({ pricingTier: "Free", extensions: [] }));
    expect(free.status).toBe("fail");
    expect(free.evidence).toContainEqual({ path: "pricings/Containers.properties.pricingTier", value: "Free", expected: "Standard" });
    expect(free.remediation).toBe(
      "az security pricing create -n Containers --tier Standard --extensions name=ContainerRegistriesVulnerabilityAssessments isEnabled=True",
    );
    const disabled = await findingFor(
      "defender-for-containers-plan",
      compliantCluster(),
      withPricing({ pricingTier: "Standard", extensions: [{ name: "ContainerRegistriesVulnerabilityAssessments", isEnabled: "False" }] }),
    );
    expect(disabled.status).toBe("fail");
    expect(disabled.message).toMatch(/extension is disabled/);
    const missing = await findingFor(
      "defender-for-containers-plan",
      compliantCluster(),
      withPricing({ pricingTier: "Standard", extensions: [{ name: "ContainerSensor", isEnabled: "True" }] }),
    );
    expect(missing.status).toBe("fail");
    expect(missing.message).toMatch(/extension is missing/);
  });

  it("defender-for-containers-plan is an error when the plan was not read, or the read failed", async () => {
    const absent = await findingFor("defender-for-containers-plan", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const failed = await findingFor("defender-for-containers-plan", compliantCluster(), { extras: { direct: { defenderPricing: FORBIDDEN } } });
    expect(failed.status).toBe("error");
    expect(failed.errorKind).toBe("readFailed");
  });

  it("running-images-vulns: Healthy and NotApplicable pass, Unhealthy fails", async () => {
    const healthy = await findingFor("running-images-vulns", compliantCluster(), withAssessments([{ key: RUNNING_IMAGES, statusCode: "Healthy" }]));
    expect(healthy.status).toBe("pass");
    expect(healthy.evidence).toEqual([
      { path: `assessments/${RUNNING_IMAGES}.properties.status.code`, value: "Healthy", expected: "Healthy or NotApplicable" },
    ]);
    const na = await findingFor("running-images-vulns", compliantCluster(), withAssessments([{ key: RUNNING_IMAGES.toUpperCase(), statusCode: "NotApplicable" }]));
    expect(na.status).toBe("pass");
    const unhealthy = await findingFor(
      "running-images-vulns",
      compliantCluster(),
      withAssessments([
        { key: "56a83a6e-c417-42ec-b567-1e6fcb3d09a9", statusCode: "Healthy" },
        { key: RUNNING_IMAGES, statusCode: "Unhealthy" },
      ]),
    );
    expect(unhealthy.status).toBe("fail");
    expect(unhealthy.evidence[0]?.value).toBe("Unhealthy");
  });

  it("running-images-vulns is not applicable when the read list lacks the assessment, and an error when nothing was read", async () => {
    const other = await findingFor(
      "running-images-vulns",
      compliantCluster(),
      withAssessments([{ key: "56a83a6e-c417-42ec-b567-1e6fcb3d09a9", statusCode: "Healthy" }]),
    );
    expect(other.status).toBe("notApplicable");
    expect(other.message).toMatch(/among the 1 assessment\(s\) read/);
    const absent = await findingFor("running-images-vulns", compliantCluster());
    expect(absent.status).toBe("error");
    expect(absent.errorKind).toBe("missingData");
    const failed = await findingFor("running-images-vulns", compliantCluster(), { extras: { direct: { securityAssessments: FORBIDDEN } } });
    expect(failed.status).toBe("error");
    expect(failed.errorKind).toBe("readFailed");
  });

  it("running-images-vulns does not pass an unrecognised status", async () => {
    const odd = await findingFor("running-images-vulns", compliantCluster(), withAssessments([{ key: RUNNING_IMAGES, statusCode: "Pending" }]));
    expect(odd.status).toBe("error");
    expect(odd.errorKind).toBe("missingData");
  });
});
