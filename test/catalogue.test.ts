import { describe, expect, it } from "vitest";
import { catalogue } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { CATEGORIES, SEVERITIES } from "../shared/baseline/types.js";
import { compliantCluster, NOW, snapshotOf } from "./support/clusters.js";

/** The ids of BASELINE.md, in its order: a public contract. */
const BASELINE_IDS = `k8s-rbac-enabled entra-id-integration azure-rbac-authz local-accounts-disabled managed-identity
aad-admin-groups workload-identity legacy-pod-identity-off api-authorized-ip-ranges api-authorized-ip-no-open-range
private-cluster private-cluster-no-public-fqdn public-network-access-disabled node-public-ip-disabled
network-policy-enabled azure-cni standard-load-balancer http-app-routing-disabled run-command-disabled
egress-controlled apiserver-vnet-integration encryption-at-host disk-encryption-cmk kms-etcd-encryption
kms-private-keyvault secrets-store-csi secrets-store-rotation ephemeral-os-disk fips-node-pools container-insights
managed-prometheus control-plane-audit-logs defender-sensor-profile defender-for-containers-plan running-images-vulns
azure-policy-addon kube-dashboard-disabled image-cleaner csi-drivers uptime-sla-tier cluster-auto-upgrade
node-os-auto-upgrade supported-k8s-version pool-version-skew node-image-current nodes-pending-reboot
maintenance-windows force-upgrade-override-off upgrade-surge-configured ssh-disabled trusted-launch vmss-pools
system-pool-isolation max-pods-min availability-zones min-system-nodes node-pool-autoscaling node-rg-readonly
no-unsafe-sysctls cluster-healthy-state managed-ingress ingress-waf`.split(/\s+/);

const EXTERNAL = [
  "control-plane-audit-logs",
  "defender-for-containers-plan",
  "running-images-vulns",
  "supported-k8s-version",
  "node-image-current",
  "nodes-pending-reboot",
  "maintenance-windows",
  "ingress-waf",
];

describe("the check catalogue", () => {
  it("holds the 62 checks of BASELINE.md with their exact ids, in order", () => {
    expect(BASELINE_IDS).toHaveLength(62);
    expect(catalogue.map((check) => check.id)).toEqual(BASELINE_IDS);
  });

  it("gives every check its metadata: title, category, severity, rationale, remediation and references", () => {
    for (const check of catalogue) {
      expect(check.title.length, check.id).toBeGreaterThan(10);
      expect(Object.keys(CATEGORIES), check.id).toContain(check.category);
      expect(SEVERITIES, check.id).toContain(check.severity);
      expect(check.rationale.length, check.id).toBeGreaterThan(20);
      expect(check.remediation.text.length, check.id).toBeGreaterThan(10);
      if (check.remediation.command) expect(check.remediation.command, check.id).toMatch(/^az /);
      expect(Array.isArray(check.references), check.id).toBe(true);
    }
  });

  it("marks as external exactly the checks that need data beyond the cluster JSON", () => {
    expect(catalogue.filter((check) => check.data === "external").map((check) => check.id).sort()).toEqual([...EXTERNAL].sort());
  });

  it("passes the compliant test cluster on every cluster-JSON check, and says error (missing data), never pass, for the rest", async () => {
    const evaluation = evaluate(await snapshotOf(compliantCluster()), defaultProfile, NOW);
    for (const finding of evaluation.findings) {
      const external = EXTERNAL.includes(finding.check);
      if (finding.check === "ingress-waf") {
        // The compliant cluster routes ingress through the application routing add-on, not an Application Gateway.
        expect(finding.status).toBe("notApplicable");
      } else if (external) {
        expect({ check: finding.check, status: finding.status, errorKind: finding.errorKind }).toEqual({
          check: finding.check,
          status: "error",
          errorKind: "missingData",
        });
      } else {
        // A private cluster has no public allow-list to judge.
        const expected = finding.check === "api-authorized-ip-no-open-range" ? "notApplicable" : "pass";
        expect({ check: finding.check, status: finding.status, message: finding.message }).toEqual({
          check: finding.check,
          status: expected,
          message: finding.message,
        });
      }
    }
  });
});
