import { describe, expect, it } from "vitest";
import { clusterWith, compliantCluster, findingFor } from "../support/clusters.js";

describe("identity checks", () => {
  it("k8s-rbac-enabled passes when enableRBAC is true", async () => {
    const finding = await findingFor("k8s-rbac-enabled", compliantCluster());
    expect(finding.status).toBe("pass");
  });

  it("k8s-rbac-enabled fails when enableRBAC is false, and when it is missing (unlike Azure Policy ac4a19c2)", async () => {
    const off = await findingFor("k8s-rbac-enabled", clusterWith((c) => (c.properties.enableRBAC = false)));
    expect(off.status).toBe("fail");
    expect(off.evidence).toContainEqual({ path: "properties.enableRBAC", value: false, expected: "true" });
    const missing = await findingFor("k8s-rbac-enabled", clusterWith((c) => delete c.properties.enableRBAC));
    expect(missing.status).toBe("fail");
    expect(missing.message).toMatch(/missing/);
  });

  it("entra-id-integration needs a managed AAD profile", async () => {
    expect((await findingFor("entra-id-integration", compliantCluster())).status).toBe("pass");
    expect((await findingFor("entra-id-integration", clusterWith((c) => delete c.properties.aadProfile))).status).toBe("fail");
    const legacy = await findingFor("entra-id-integration", clusterWith((c) => (c.properties.aadProfile.managed = false)));
    expect(legacy.status).toBe("fail");
    expect(legacy.message).toMatch(/legacy/);
  });

  it("azure-rbac-authz reads aadProfile.enableAzureRBAC through the SDK's enableAzureRbac", async () => {
    expect((await findingFor("azure-rbac-authz", compliantCluster())).status).toBe("pass");
    const off = await findingFor("azure-rbac-authz", clusterWith((c) => (c.properties.aadProfile.enableAzureRBAC = false)));
    expect(off.status).toBe("fail");
    expect(off.remediation).toBe("az aks update -g rg-test -n aks-test --enable-azure-rbac");
  });

  it("local-accounts-disabled", async () => {
    expect((await findingFor("local-accounts-disabled", compliantCluster())).status).toBe("pass");
    expect((await findingFor("local-accounts-disabled", clusterWith((c) => (c.properties.disableLocalAccounts = false)))).status).toBe("fail");
    expect((await findingFor("local-accounts-disabled", clusterWith((c) => delete c.properties.disableLocalAccounts))).status).toBe("fail");
  });

  it("managed-identity fails a service-principal cluster and a leftover SPN client id", async () => {
    expect((await findingFor("managed-identity", compliantCluster())).status).toBe("pass");
    const spn = clusterWith((c) => {
      delete c.identity;
      c.properties.servicePrincipalProfile = { clientId: "44444444-4444-4444-4444-444444444444" };
    });
    expect((await findingFor("managed-identity", spn)).status).toBe("fail");
    const leftover = clusterWith((c) => (c.properties.servicePrincipalProfile = { clientId: "44444444-4444-4444-4444-444444444444" }));
    expect((await findingFor("managed-identity", leftover)).status).toBe("fail");
    const msiCase = clusterWith((c) => (c.properties.servicePrincipalProfile = { clientId: "MSI" }));
    expect((await findingFor("managed-identity", msiCase)).status).toBe("pass");
  });

  it("aad-admin-groups: non-empty, and within the approved list when one is configured", async () => {
    expect((await findingFor("aad-admin-groups", compliantCluster())).status).toBe("pass");
    expect((await findingFor("aad-admin-groups", clusterWith((c) => (c.properties.aadProfile.adminGroupObjectIDs = [])))).status).toBe("fail");
    const unapproved = await findingFor("aad-admin-groups", compliantCluster(), {
      parameters: { allowedAdminGroupObjectIds: ["55555555-5555-5555-5555-555555555555"] },
    });
    expect(unapproved.status).toBe("fail");
    expect((await findingFor("aad-admin-groups", clusterWith((c) => delete c.properties.aadProfile))).status).toBe("notApplicable");
  });

  it("workload-identity needs both workload identity and the OIDC issuer", async () => {
    expect((await findingFor("workload-identity", compliantCluster())).status).toBe("pass");
    const noOidc = await findingFor("workload-identity", clusterWith((c) => (c.properties.oidcIssuerProfile.enabled = false)));
    expect(noOidc.status).toBe("fail");
    expect(noOidc.message).toBe("The OIDC issuer is off.");
    const neither = await findingFor("workload-identity", clusterWith((c) => {
      delete c.properties.oidcIssuerProfile;
      delete c.properties.securityProfile.workloadIdentity;
    }));
    expect(neither.message).toBe("Workload identity and the OIDC issuer are off.");
  });

  it("legacy-pod-identity-off", async () => {
    expect((await findingFor("legacy-pod-identity-off", compliantCluster())).status).toBe("pass");
    expect((await findingFor("legacy-pod-identity-off", clusterWith((c) => (c.properties.podIdentityProfile = { enabled: true })))).status).toBe("fail");
  });
});
