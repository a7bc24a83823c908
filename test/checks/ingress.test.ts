import { describe, expect, it } from "vitest";
import { ingressChecks } from "../../shared/baseline/checks/ingress.js";
import type { ApplicationGatewayFacts, ReadResult } from "../../shared/model/snapshot.js";
import { SUBSCRIPTION, clusterWith, compliantCluster, findingFor, type Json } from "../support/clusters.js";

const GATEWAY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/applicationGateways/agw-aks`;
const POLICY_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/ApplicationGatewayWebApplicationFirewallPolicies/waf-aks`;
const AGIC_ID_PATH = "properties.addonProfiles.IngressApplicationGateway.config.effectiveApplicationGatewayId";

/** The compliant cluster with AGIC on (key spelt `IngressApplicationGateway`) and app routing off. */
function agicCluster(config: Json = { effectiveApplicationGatewayId: GATEWAY_ID }): Json {
  return clusterWith((c) => {
    c.properties.ingressProfile.webAppRouting.enabled = false;
    c.properties.addonProfiles.IngressApplicationGateway = { enabled: true, config };
  });
}

function noManagedIngress(): Json {
  return clusterWith((c) => (c.properties.ingressProfile.webAppRouting.enabled = false));
}

function gatewayRead(facts: Partial<ApplicationGatewayFacts> = {}): { extras: { direct: { ingressGateway: ReadResult<ApplicationGatewayFacts> } } } {
  const value: ApplicationGatewayFacts = {
    id: GATEWAY_ID,
    skuTier: "WAF_v2",
    firewallPolicyId: POLICY_ID,
    policyState: "Enabled",
    policyMode: "Prevention",
    ...facts,
  };
  return { extras: { direct: { ingressGateway: { ok: true, value } } } };
}

describe("ingress checks", () => {
  it("are the BASELINE.md section H checks, in order, with their metadata", () => {
    expect(ingressChecks.map((check) => [check.id, check.severity, check.data])).toEqual([
      ["managed-ingress", "low", "cluster"],
      ["ingress-waf", "medium", "external"],
    ]);
    for (const check of ingressChecks) expect(check.category).toBe("ingress");
  });

  describe("managed-ingress", () => {
    it("passes with the application routing add-on", async () => {
      const finding = await findingFor("managed-ingress", compliantCluster());
      expect(finding.status).toBe("pass");
      expect(finding.message).toBe("Inbound traffic enters through the application routing add-on.");
      expect(finding.evidence).toContainEqual({ path: "properties.ingressProfile.webAppRouting.enabled", value: true, expected: "true" });
    });

    it("passes with AGIC whatever the case of its add-on key", async () => {
      const finding = await findingFor("managed-ingress", agicCluster());
      expect(finding.status).toBe("pass");
      expect(finding.message).toBe("Inbound traffic enters through the Application Gateway Ingress Controller.");
      expect(finding.evidence).toContainEqual({ path: "properties.addonProfiles.IngressApplicationGateway.enabled", value: true, expected: "true" });
    });

    it("passes with the Istio add-on's ingress gateway, but not when the mesh is off", async () => {
      const istio = (mode: string) =>
        clusterWith((c) => {
          c.properties.ingressProfile.webAppRouting.enabled = false;
          c.properties.serviceMeshProfile = {
            mode,
            istio: { revisions: ["asm-1-25"], components: { ingressGateways: [{ mode: "Internal", enabled: false }, { mode: "External", enabled: true }] } },
          };
        });
      const on = await findingFor("managed-ingress", istio("Istio"));
      expect(on.status).toBe("pass");
      expect(on.message).toContain("Istio");
      expect((await findingFor("managed-ingress", istio("Disabled"))).status).toBe("fail");
    });

    it("fails without any managed ingress", async () => {
      const finding = await findingFor("managed-ingress", noManagedIngress());
      expect(finding.status).toBe("fail");
      expect(finding.evidence).toContainEqual({ path: "properties.ingressProfile.webAppRouting.enabled", value: false, expected: "true" });
      expect(finding.evidence).toContainEqual({ path: "properties.addonProfiles.ingressApplicationGateway.enabled", value: null, expected: "true" });
      expect(finding.remediation).toBe("az aks approuting enable -g rg-test -n aks-test");
      const disabledAgic = clusterWith((c) => {
        delete c.properties.ingressProfile;
        c.properties.addonProfiles.ingressapplicationgateway = { enabled: false };
      });
      expect((await findingFor("managed-ingress", disabledAgic)).status).toBe("fail");
    });

    it("is not applicable without managed ingress when the profile says there is no public ingress", async () => {
      const finding = await findingFor("managed-ingress", noManagedIngress(), { parameters: { publicIngress: false } });
      expect(finding.status).toBe("notApplicable");
      expect(finding.message).toMatch(/no public ingress/);
      const stillPasses = await findingFor("managed-ingress", compliantCluster(), { parameters: { publicIngress: false } });
      expect(stillPasses.status).toBe("pass");
    });
  });

  describe("ingress-waf", () => {
    it("is not applicable when AGIC is off or absent", async () => {
      const absent = await findingFor("ingress-waf", compliantCluster(), gatewayRead());
      expect(absent.status).toBe("notApplicable");
      expect(absent.message).toMatch(/Application Gateway Ingress Controller is off/);
      const off = await findingFor("ingress-waf", clusterWith((c) => (c.properties.addonProfiles.IngressApplicationGateway = { enabled: false })));
      expect(off.status).toBe("notApplicable");
    });

    it("passes an enabled WAF policy in prevention mode on a WAF_v2 gateway, in any case", async () => {
      const finding = await findingFor("ingress-waf", agicCluster(), gatewayRead());
      expect(finding.status).toBe("pass");
      expect(finding.evidence).toContainEqual({ path: AGIC_ID_PATH, value: GATEWAY_ID });
      expect(finding.evidence).toContainEqual({ path: "firewallPolicy.properties.policySettings.mode", value: "Prevention", expected: "Prevention" });
      const lower = await findingFor("ingress-waf", agicCluster(), gatewayRead({ skuTier: "waf_v2", policyState: "enabled", policyMode: "prevention" }));
      expect(lower.status).toBe("pass");
    });

    it("fails detection mode, a disabled policy, a Standard_v2 gateway and a gateway without a policy", async () => {
      const detection = await findingFor("ingress-waf", agicCluster(), gatewayRead({ policyMode: "Detection" }));
      expect(detection.status).toBe("fail");
      expect(detection.message).toContain("the WAF policy is in Detection mode");
      expect(detection.evidence).toContainEqual({ path: "firewallPolicy.properties.policySettings.mode", value: "Detection", expected: "Prevention" });

      const disabled = await findingFor("ingress-waf", agicCluster(), gatewayRead({ policyState: "Disabled" }));
      expect(disabled.status).toBe("fail");
      expect(disabled.message).toContain("the WAF policy is Disabled");

      const standard = await findingFor("ingress-waf", agicCluster(), gatewayRead({ skuTier: "Standard_v2", firewallPolicyId: undefined, policyState: undefined, policyMode: undefined }));
      expect(standard.status).toBe("fail");
      expect(standard.message).toBe(
        "The Application Gateway in front of the cluster does not run a WAF in prevention mode: its tier is Standard_v2 instead of WAF_v2 and no WAF policy is attached.",
      );
      expect(standard.evidence).toContainEqual({ path: "applicationGateway.properties.sku.tier", value: "Standard_v2", expected: "WAF_v2" });
      expect(standard.evidence).toContainEqual({ path: "applicationGateway.properties.firewallPolicy.id", value: null, expected: "a WAF policy" });
    });

    it("never passes without the gateway data: not read is missingData, a failed read is readFailed", async () => {
      const notRead = await findingFor("ingress-waf", agicCluster());
      expect(notRead.status).toBe("error");
      expect(notRead.errorKind).toBe("missingData");
      expect(notRead.message).toContain(GATEWAY_ID);
      expect(notRead.evidence).toEqual([{ path: AGIC_ID_PATH, value: GATEWAY_ID }]);

      const forbidden = await findingFor("ingress-waf", agicCluster(), {
        extras: { direct: { ingressGateway: { ok: false, error: { kind: "forbidden", status: 403, message: "no read permission on the gateway" } } } },
      });
      expect(forbidden.status).toBe("error");
      expect(forbidden.errorKind).toBe("readFailed");
      expect(forbidden.message).toContain("HTTP 403");
    });

    it("does not judge a different gateway or a WAF policy that was not read", async () => {
      const other = await findingFor("ingress-waf", agicCluster(), gatewayRead({ id: GATEWAY_ID.replace("agw-aks", "agw-other") }));
      expect(other.status).toBe("error");
      expect(other.errorKind).toBe("missingData");
      expect(other.message).toContain("agw-other");

      const sameIdOtherCase = await findingFor("ingress-waf", agicCluster(), gatewayRead({ id: GATEWAY_ID.toLowerCase() }));
      expect(sameIdOtherCase.status).toBe("pass");

      const policyNotRead = await findingFor("ingress-waf", agicCluster(), gatewayRead({ policyState: undefined, policyMode: undefined }));
      expect(policyNotRead.status).toBe("error");
      expect(policyNotRead.errorKind).toBe("missingData");
      expect(policyNotRead.message).toContain(POLICY_ID);
    });

    it("reads applicationGatewayId when effectiveApplicationGatewayId is absent", async () => {
      const finding = await findingFor("ingress-waf", agicCluster({ applicationGatewayId: GATEWAY_ID }), gatewayRead({ policyMode: "Detection" }));
      expect(finding.status).toBe("fail");
      expect(finding.evidence).toContainEqual({
        path: "properties.addonProfiles.IngressApplicationGateway.config.applicationGatewayId",
        value: GATEWAY_ID,
      });
    });
  });
});
