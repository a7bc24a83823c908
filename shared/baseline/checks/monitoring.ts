import type { ManagedCluster } from "@azure/arm-containerservice";
import type { DiagnosticSetting } from "../../model/snapshot.js";
import { addon, addonConfig, addonConfigPath, addonPath, isSet, isTrue, sameText, textIn } from "../clusterFields.js";
import { fail, notApplicable, pass, readPart } from "../outcome.js";
import type { Check, CheckOutcome, Evidence } from "../types.js";

const OMS_AGENT = "omsagent";
const WORKSPACE_KEY = "logAnalyticsWorkspaceResourceID";
const VULN_EXTENSION = "ContainerRegistriesVulnerabilityAssessments";
const RUNNING_IMAGES_ASSESSMENT = "c609cf0f-71ab-41e9-a3c6-9a1f7fe1b8d5";
/** Category groups that include every AKS control-plane audit category. */
const AUDIT_GROUPS = ["audit", "allLogs"];


function hasDestination(setting: DiagnosticSetting): boolean {
  return isSet(setting.workspaceId) || isSet(setting.storageAccountId) || isSet(setting.eventHubAuthorizationRuleId);
}

/** The enabled categories and category groups of a setting, as they are spelled in it. */
function enabledLogs(setting: DiagnosticSetting): string[] {
  return setting.logs
    .filter((log) => log.enabled)
    .map((log) => log.category ?? (log.categoryGroup === undefined ? undefined : `categoryGroup:${log.categoryGroup}`))
    .filter(isSet);
}

/** The required groups (each: any one of its categories) that a setting leaves unmet. */
function unmetGroups(setting: DiagnosticSetting, required: readonly string[][]): string[][] {
  const enabled = setting.logs.filter((log) => log.enabled);
  if (enabled.some((log) => textIn(log.categoryGroup, AUDIT_GROUPS))) return [];
  return required.filter((group) => !enabled.some((log) => textIn(log.category, group)));
}

function describeGroup(group: readonly string[]): string {
  return group.join(" or ");
}


export const monitoringChecks: Check[] = [
  {
    id: "container-insights",
    title: "Container Insights sends to Log Analytics",
    category: "monitoring",
    severity: "medium",
    rationale:
      "Container Insights collects node and container logs and metrics into Log Analytics, where incidents can be investigated and alerted on.",
    remediation: {
      text: "Enable the monitoring add-on with a Log Analytics workspace.",
      command: "az aks enable-addons -g {resourceGroup} -n {name} --addons monitoring --workspace-resource-id <workspace-resource-id>",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_4" },
      { source: "Trivy", id: "AVD-AZU-0040" },
      { source: "PSRule", id: "Azure.AKS.ContainerInsights" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const agent = addon(cluster, OMS_AGENT);
      const enabled = agent?.profile.enabled;
      const workspace = agent ? addonConfig(agent.profile, WORKSPACE_KEY) : undefined;
      const evidence = [
        { path: addonPath(cluster, OMS_AGENT, "enabled"), value: enabled ?? null, expected: "true" },
        {
          path: addonConfigPath(cluster, OMS_AGENT, WORKSPACE_KEY),
          value: workspace ?? null,
          expected: "a Log Analytics workspace id",
        },
      ];
      if (enabled !== true) return fail("Container Insights (the omsagent add-on) is not enabled.", evidence);
      return isSet(workspace)
        ? pass("Container Insights sends to a Log Analytics workspace.", evidence)
        : fail("Container Insights is enabled but names no Log Analytics workspace.", evidence);
    },
  },
  {
    id: "managed-prometheus",
    title: "Azure Monitor managed Prometheus is on",
    category: "monitoring",
    severity: "low",
    rationale:
      "Managed Prometheus scrapes cluster and workload metrics into an Azure Monitor workspace for alerting without running Prometheus yourself.",
    remediation: {
      text: "Enable Azure Monitor metrics (managed Prometheus).",
      command: "az aks update -g {resourceGroup} -n {name} --enable-azure-monitor-metrics",
    },
    references: [{ source: "Prowler", id: "aks_cluster_azure_monitor_enabled" }],
    data: "cluster",
    evaluate({ cluster }) {
      const enabled = cluster.azureMonitorProfile?.metrics?.enabled;
      const evidence = [{ path: "properties.azureMonitorProfile.metrics.enabled", value: enabled ?? null, expected: "true" }];
      return enabled === true
        ? pass("Azure Monitor managed Prometheus is enabled.", evidence)
        : fail("Azure Monitor managed Prometheus is not enabled.", evidence);
    },
  },
  {
    id: "control-plane-audit-logs",
    title: "A diagnostic setting ships the control-plane audit logs",
    category: "monitoring",
    severity: "high",
    rationale:
      "The API server audit log (and guard, for Entra ID sign-ins) is the only record of who did what in the cluster; AKS keeps it only if a diagnostic setting sends it somewhere.",
    remediation: {
      text: "Add a diagnostic setting on the cluster that sends the audit category group (or kube-audit-admin and guard) to a Log Analytics workspace, storage account or event hub.",
      command:
        'az monitor diagnostic-settings create --name aksmon-audit --resource {name} --resource-group {resourceGroup} --resource-type Microsoft.ContainerService/managedClusters --workspace <workspace-resource-id> --logs \'[{"categoryGroup":"audit","enabled":true}]\'',
    },
    references: [
      { source: "Azure Policy", id: "245fc9df-fa96-4414-9a0b-3738c2f7341c" },
      { source: "Azure Policy", id: "6c66c325-74c8-42fd-a286-a74b0e2939d8" },
      { source: "CIS AKS 1.8", id: "2.1.1" },
      { source: "Defender for Cloud", id: "Diagnostic logs in Kubernetes services should be enabled" },
      { source: "Kubescape", id: "C-0254" },
      { source: "PSRule", id: "Azure.AKS.AuditLogs" },
      { source: "PSRule", id: "Azure.AKS.PlatformLogs" },
      { source: "PSRule", id: "Azure.AKS.AuditAdmin" },
    ],
    data: "external",
    evaluate({ snapshot, params }): CheckOutcome {
      const read = readPart(snapshot.extras.diagnosticSettings, "the cluster's diagnostic settings");
      if (!read.ok) return read.outcome;
      const settings = read.value;
      const required = params.requiredAuditLogCategories;
      const expected = `${required.map(describeGroup).join("; ")} (or categoryGroup audit/allLogs) enabled in one setting with a destination`;
      if (settings.length === 0) {
        return fail("The cluster has no diagnostic settings, so its control-plane audit logs are not kept.", [
          { path: "diagnosticSettings", value: [], expected },
        ]);
      }
      const evidenceOf = (setting: DiagnosticSetting): Evidence => ({
        path: `diagnosticSettings[${setting.name}].properties.logs`,
        value: enabledLogs(setting),
        expected,
      });
      const complete = settings.find((setting) => hasDestination(setting) && unmetGroups(setting, required).length === 0);
      if (complete) {
        return pass(`Diagnostic setting ${complete.name} ships the control-plane audit logs.`, [
          { path: `diagnosticSettings[${complete.name}].properties.logs`, value: enabledLogs(complete) },
        ]);
      }
      const routed = settings.filter(hasDestination);
      if (routed.length === 0) {
        return fail(
          `None of the cluster's ${settings.length} diagnostic setting(s) sends logs to a workspace, storage account or event hub.`,
          settings.map((setting) => ({
            path: `diagnosticSettings[${setting.name}].properties`,
            value: {
              workspaceId: setting.workspaceId ?? null,
              storageAccountId: setting.storageAccountId ?? null,
              eventHubAuthorizationRuleId: setting.eventHubAuthorizationRuleId ?? null,
            },
            expected: "a destination",
          })),
        );
      }
      const gaps = routed.map(
        (setting) => `${setting.name} lacks ${unmetGroups(setting, required).map(describeGroup).join(" and ")}`,
      );
      return fail(`No diagnostic setting ships all the required audit logs: ${gaps.join("; ")}.`, routed.map(evidenceOf));
    },
  },
  {
    id: "defender-sensor-profile",
    title: "The Defender for Containers sensor runs on the cluster",
    category: "monitoring",
    severity: "high",
    rationale:
      "The Defender sensor collects runtime security events from the nodes; without it, Defender for Containers cannot detect threats in this cluster.",
    remediation: {
      text: "Enable the Defender security profile (it needs a Log Analytics workspace).",
      command: "az aks update -g {resourceGroup} -n {name} --enable-defender",
    },
    references: [
      { source: "Prowler", id: "aks_cluster_defender_enabled" },
      { source: "Azure Policy", id: "a1840de2-8088-4ea8-b153-b4c723e9cb01" },
      { source: "Azure Policy", id: "64def556-fbad-4622-930e-72d1d5589bf5" },
      { source: "CIS AKS 1.8", id: "5.1.1" },
      { source: "Defender for Cloud", id: "Azure Kubernetes Service clusters should have Defender profile enabled" },
      { source: "Kubescape", id: "C-0243" },
      { source: "PSRule", id: "Azure.AKS.DefenderProfile" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const defender = cluster.securityProfile?.defender;
      const enabled = defender?.securityMonitoring?.enabled;
      const workspace = defender?.logAnalyticsWorkspaceResourceId;
      const evidence = [
        { path: "properties.securityProfile.defender.securityMonitoring.enabled", value: enabled ?? null, expected: "true" },
        {
          path: "properties.securityProfile.defender.logAnalyticsWorkspaceResourceId",
          value: workspace ?? null,
          expected: "a Log Analytics workspace id",
        },
      ];
      if (enabled !== true) return fail("The Defender for Containers sensor is not enabled on the cluster.", evidence);
      return isSet(workspace)
        ? pass("The Defender for Containers sensor is enabled and reports to a Log Analytics workspace.", evidence)
        : fail("The Defender for Containers sensor is enabled but names no Log Analytics workspace.", evidence);
    },
  },
  {
    id: "defender-for-containers-plan",
    title: "The subscription's Defender for Containers plan is on, with vulnerability assessment",
    category: "monitoring",
    severity: "high",
    rationale:
      "The Standard Defender for Containers plan provides threat detection and, with its vulnerability-assessment extension, scans registry and running images for CVEs.",
    remediation: {
      text: "Turn on the Defender for Containers plan with the vulnerability-assessment extension, in the cluster's subscription.",
      command: `az security pricing create -n Containers --tier Standard --extensions name=${VULN_EXTENSION} isEnabled=True`,
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_85" },
      { source: "Prowler", id: "defender_ensure_defender_for_containers_is_on" },
      { source: "Prowler", id: "defender_container_images_scan_enabled" },
      { source: "Azure Policy", id: "1c988dd6-ade4-430f-a608-2a3e5b0a6d38" },
      { source: "Azure Policy", id: "c9ddb292-b203-4738-aead-18e2716e858f" },
      { source: "CIS Azure Foundations", id: "8.1.4.1" },
      { source: "Defender for Cloud", id: "Microsoft Defender for Containers should be enabled" },
    ],
    data: "external",
    evaluate({ snapshot }) {
      const read = readPart(snapshot.extras.defenderPricing, "the subscription's Defender for Containers plan");
      if (!read.ok) return read.outcome;
      const { pricingTier, extensions } = read.value;
      const extension = extensions.find((candidate) => sameText(candidate.name, VULN_EXTENSION));
      const evidence = [
        { path: "pricings/Containers.properties.pricingTier", value: pricingTier ?? null, expected: "Standard" },
        {
          path: `pricings/Containers.properties.extensions[${extension?.name ?? VULN_EXTENSION}].isEnabled`,
          value: extension?.isEnabled ?? null,
          expected: "true",
        },
      ];
      if (!sameText(pricingTier, "Standard")) {
        return fail(`The subscription's Defender for Containers plan is on the ${pricingTier || "Free"} tier, not Standard.`, evidence);
      }
      return extension && isTrue(extension.isEnabled)
        ? pass("The subscription's Defender for Containers plan is Standard with vulnerability assessment on.", evidence)
        : fail(
            `The subscription's Defender for Containers plan is Standard but its ${VULN_EXTENSION} extension is ${extension ? "disabled" : "missing"}.`,
            evidence,
          );
    },
  },
  {
    id: "running-images-vulns",
    title: "Running container images have no unresolved vulnerabilities",
    category: "monitoring",
    severity: "high",
    rationale:
      "Known CVEs in images that are running now are the most direct way into the cluster; Defender for Cloud's assessment tracks them per cluster.",
    remediation: {
      text: "Review the vulnerable images in Defender for Cloud's recommendation 'Azure running container images should have vulnerabilities resolved', rebuild them on patched bases, and redeploy.",
    },
    references: [
      { source: "Prowler", id: "defender_container_images_resolved_vulnerabilities" },
      { source: "Azure Policy", id: "17f4b1cc-c55c-4d94-b1f9-2978f6ac2957" },
      { source: "CIS AKS 1.8", id: "5.1.1" },
      {
        source: "Defender for Cloud",
        id: "Azure running container images should have vulnerabilities resolved (powered by Microsoft Defender Vulnerability Management)",
      },
    ],
    data: "external",
    evaluate({ snapshot }) {
      const read = readPart(snapshot.extras.securityAssessments, "Defender for Cloud's assessments of the cluster");
      if (!read.ok) return read.outcome;
      const path = `assessments/${RUNNING_IMAGES_ASSESSMENT}.properties.status.code`;
      const found = read.value.filter((assessment) => sameText(assessment.key, RUNNING_IMAGES_ASSESSMENT));
      if (found.length === 0) {
        return notApplicable(
          `Defender for Cloud has no running-image vulnerability assessment (${RUNNING_IMAGES_ASSESSMENT}) for this cluster among the ${read.value.length} assessment(s) read.`,
          [{ path, value: null }],
        );
      }
      const codes = found.map((assessment) => assessment.statusCode);
      const evidence = [{ path, value: codes.length === 1 ? codes[0] : codes, expected: "Healthy or NotApplicable" }];
      if (codes.some((code) => sameText(code, "Unhealthy"))) {
        return fail("Defender for Cloud reports unresolved vulnerabilities in the cluster's running images.", evidence);
      }
      if (codes.every((code) => textIn(code, ["Healthy", "NotApplicable"]))) {
        return pass(
          codes.every((code) => sameText(code, "Healthy"))
            ? "Defender for Cloud reports no unresolved vulnerabilities in the cluster's running images."
            : "Defender for Cloud reports that the running-image vulnerability assessment does not apply to this cluster.",
          evidence,
        );
      }
      return {
        status: "error",
        errorKind: "missingData",
        message: `Defender for Cloud reports an unrecognised status (${codes.join(", ")}) for the running-image vulnerability assessment.`,
        evidence,
      };
    },
  },
];
