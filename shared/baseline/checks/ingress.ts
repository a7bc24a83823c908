import { addon, addonConfig, addonPath, sameText } from "../clusterFields.js";
import { fail, missingData, notApplicable, pass, readPart } from "../outcome.js";
import type { Check, Evidence } from "../types.js";

const AGIC = "ingressApplicationGateway";

export const ingressChecks: Check[] = [
  {
    id: "managed-ingress",
    title: "Inbound traffic enters through a managed ingress",
    category: "ingress",
    severity: "low",
    rationale:
      "A managed ingress (application routing, Application Gateway Ingress Controller or the Istio add-on's ingress gateway) gives one patched, supported entry point for HTTP traffic instead of many public load-balancer services.",
    remediation: {
      text: "Enable the application routing add-on (or AGIC, or the Istio add-on's ingress gateway) and publish services through it; if the cluster serves no public ingress, set the profile parameter publicIngress to false.",
      command: "az aks approuting enable -g {resourceGroup} -n {name}",
    },
    references: [{ source: "AKS network best practices", id: "Distribute ingress traffic" }],
    data: "cluster",
    evaluate({ cluster, params }) {
      const appRouting = cluster.ingressProfile?.webAppRouting?.enabled;
      const agic = addon(cluster, AGIC)?.profile.enabled;
      const mesh = cluster.serviceMeshProfile;
      const gateways = mesh?.istio?.components?.ingressGateways;
      const istio = sameText(mesh?.mode, "Istio") && (gateways ?? []).some((gateway) => gateway.enabled === true);
      const evidence: Evidence[] = [
        { path: "properties.ingressProfile.webAppRouting.enabled", value: appRouting ?? null, expected: "true" },
        { path: addonPath(cluster, AGIC, "enabled"), value: agic ?? null, expected: "true" },
        { path: "properties.serviceMeshProfile.istio.components.ingressGateways", value: gateways ?? null },
      ];
      const used = [
        appRouting === true ? "the application routing add-on" : undefined,
        agic === true ? "the Application Gateway Ingress Controller" : undefined,
        istio ? "the Istio add-on's ingress gateway" : undefined,
      ].filter((name): name is string => name !== undefined);
      if (used.length > 0) return pass(`Inbound traffic enters through ${joinAnd(used)}.`, evidence);
      if (!params.publicIngress) {
        return notApplicable("No managed ingress is enabled, and the profile says the cluster serves no public ingress.", evidence);
      }
      return fail(
        "No managed ingress is enabled: neither the application routing add-on, the Application Gateway Ingress Controller nor an Istio ingress gateway.",
        evidence,
      );
    },
  },
  {
    id: "ingress-waf",
    title: "The Application Gateway in front of the cluster runs a WAF in prevention mode",
    category: "ingress",
    severity: "medium",
    rationale:
      "A web application firewall in prevention mode blocks common exploits (SQL injection, cross-site scripting, known CVE probes) before they reach the pods; in detection mode it only logs them.",
    remediation: {
      text: "Move the Application Gateway used by AGIC to the WAF_v2 tier, attach a WAF policy, and set the policy to Enabled and Prevention.",
    },
    references: [
      { source: "Azure Policy", id: "564feb30-bf6a-4854-b4bb-0d2d2d1e6c66" },
      { source: "Azure Policy", id: "12430be1-6cc8-4527-a9a8-e3d38f250096" },
      { source: "Defender for Cloud", id: "Web Application Firewall (WAF) should be enabled for Application Gateway" },
    ],
    data: "external",
    evaluate({ cluster, snapshot }) {
      const agic = addon(cluster, AGIC);
      if (agic?.profile.enabled !== true) {
        return notApplicable(
          "The Application Gateway Ingress Controller is off, so there is no Application Gateway in front of the cluster to check.",
          [{ path: addonPath(cluster, AGIC, "enabled"), value: agic?.profile.enabled ?? null }],
        );
      }
      const configKey = addonConfig(agic.profile, "effectiveApplicationGatewayId") !== undefined
        ? "effectiveApplicationGatewayId"
        : "applicationGatewayId";
      const gatewayId = addonConfig(agic.profile, configKey);
      const idRow: Evidence = { path: addonPath(cluster, AGIC, `config.${configKey}`), value: gatewayId ?? null };
      const part = readPart(
        snapshot.extras.ingressGateway,
        `the Application Gateway used by AGIC${gatewayId ? ` (${gatewayId})` : ""}`,
      );
      if (!part.ok) return { ...part.outcome, evidence: [idRow, ...part.outcome.evidence] };
      const gateway = part.value;
      if (gatewayId && !sameText(trimSlash(gateway.id), trimSlash(gatewayId))) {
        return missingData(
          `Not evaluated: the snapshot describes Application Gateway ${gateway.id}, not ${gatewayId} that AGIC uses.`,
          [idRow, { path: "applicationGateway.id", value: gateway.id }],
        );
      }
      if (gateway.firewallPolicyId && gateway.policyState === undefined && gateway.policyMode === undefined) {
        return missingData(`Not evaluated: the WAF policy ${gateway.firewallPolicyId} of the Application Gateway was not read.`, [
          idRow,
          { path: "applicationGateway.properties.firewallPolicy.id", value: gateway.firewallPolicyId },
        ]);
      }
      const evidence: Evidence[] = [
        idRow,
        { path: "applicationGateway.properties.sku.tier", value: gateway.skuTier ?? null, expected: "WAF_v2" },
        { path: "applicationGateway.properties.firewallPolicy.id", value: gateway.firewallPolicyId ?? null, expected: "a WAF policy" },
        { path: "firewallPolicy.properties.policySettings.state", value: gateway.policyState ?? null, expected: "Enabled" },
        { path: "firewallPolicy.properties.policySettings.mode", value: gateway.policyMode ?? null, expected: "Prevention" },
      ];
      const problems: string[] = [];
      if (!sameText(gateway.skuTier, "WAF_v2")) {
        problems.push(gateway.skuTier ? `its tier is ${gateway.skuTier} instead of WAF_v2` : "its tier is not reported");
      }
      if (!gateway.firewallPolicyId) {
        problems.push("no WAF policy is attached");
      } else {
        if (!sameText(gateway.policyState, "Enabled")) problems.push(`the WAF policy is ${gateway.policyState ?? "not reported as enabled"}`);
        if (!sameText(gateway.policyMode, "Prevention")) {
          problems.push(gateway.policyMode ? `the WAF policy is in ${gateway.policyMode} mode` : "the WAF policy mode is not reported");
        }
      }
      if (problems.length === 0) {
        return pass("The Application Gateway in front of the cluster runs an enabled WAF policy in prevention mode.", evidence);
      }
      return fail(`The Application Gateway in front of the cluster does not run a WAF in prevention mode: ${joinAnd(problems)}.`, evidence);
    },
  },
];

function joinAnd(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function trimSlash(id: string): string {
  return id.trim().replace(/\/+$/, "");
}
