import { describe, expect, it } from "vitest";
import { CLUSTER_ID, clusterWith, compliantCluster, compliantPool, findingFor, type Json, childPool } from "../support/clusters.js";

function withSecondPool(overrides: Json): Json {
  return clusterWith((c) => c.properties.agentPoolProfiles.push(compliantPool("user1", { mode: "User", nodeTaints: [], ...overrides })));
}

describe("data protection checks", () => {
  it("encryption-at-host passes when every pool encrypts at host", async () => {
    expect((await findingFor("encryption-at-host", compliantCluster())).status).toBe("pass");
  });

  it("encryption-at-host fails a second pool while the first passes (not Checkov's pool[0] only)", async () => {
    const finding = await findingFor("encryption-at-host", withSecondPool({ enableEncryptionAtHost: false }));
    expect(finding.status).toBe("fail");
    expect(finding.message).toBe("1 of 2 node pool(s) do not have encryption at host enabled: user1.");
    expect(finding.evidence).toEqual([
      { path: "properties.agentPoolProfiles[user1].enableEncryptionAtHost", value: false, expected: "true" },
    ]);
    expect(finding.remediation).toBeUndefined();
  });

  it("encryption-at-host reads agentPools child resources, which win over the profile copy", async () => {
    const finding = await findingFor("encryption-at-host", compliantCluster(), {
      agentPools: [childPool("np2", { enableEncryptionAtHost: false })],
    });
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([{ path: "agentPools/np2.properties.enableEncryptionAtHost", value: false, expected: "true" }]);
    const missing = await findingFor("encryption-at-host", compliantCluster(), {
      agentPools: [childPool("system", { enableEncryptionAtHost: undefined })],
    });
    expect(missing.status).toBe("fail");
    expect(missing.evidence[0]).toEqual({ path: "agentPools/system.properties.enableEncryptionAtHost", value: null, expected: "true" });
  });

  it("encryption-at-host with no pools at all is missing data, not a pass", async () => {
    const finding = await findingFor("encryption-at-host", clusterWith((c) => (c.properties.agentPoolProfiles = [])));
    expect(finding.status).toBe("error");
    expect(finding.errorKind).toBe("missingData");
  });

  it("disk-encryption-cmk is opt-in and needs a disk encryption set", async () => {
    const { defaultProfile } = await import("../../shared/baseline/profile.js");
    expect(defaultProfile.checks.some(({ check }) => check.id === "disk-encryption-cmk")).toBe(false);
    const ok = await findingFor("disk-encryption-cmk", compliantCluster());
    expect(ok.status).toBe("pass");
    expect(ok.message).toMatch(/disk encryption set des\./);
    const none = await findingFor("disk-encryption-cmk", clusterWith((c) => delete c.properties.diskEncryptionSetID));
    expect(none.status).toBe("fail");
    expect(none.evidence).toEqual([{ path: "properties.diskEncryptionSetID", value: null, expected: "a disk encryption set id" }]);
    expect((await findingFor("disk-encryption-cmk", clusterWith((c) => (c.properties.diskEncryptionSetID = "  ")))).status).toBe("fail");
  });

  it("kms-etcd-encryption needs KMS enabled with a key id", async () => {
    expect((await findingFor("kms-etcd-encryption", compliantCluster())).status).toBe("pass");
    const off = await findingFor("kms-etcd-encryption", clusterWith((c) => (c.properties.securityProfile.azureKeyVaultKms.enabled = false)));
    expect(off.status).toBe("fail");
    expect(off.evidence).toContainEqual({ path: "properties.securityProfile.azureKeyVaultKms.enabled", value: false, expected: "true" });
    expect(off.remediation).toContain("az aks update -g rg-test -n aks-test --enable-azure-keyvault-kms");
    const noKey = await findingFor("kms-etcd-encryption", clusterWith((c) => delete c.properties.securityProfile.azureKeyVaultKms.keyId));
    expect(noKey.status).toBe("fail");
    expect(noKey.message).toBe("Key Vault KMS is enabled but no key id is set.");
    const absent = await findingFor("kms-etcd-encryption", clusterWith((c) => delete c.properties.securityProfile.azureKeyVaultKms));
    expect(absent.status).toBe("fail");
  });

  it("kms-private-keyvault: Private with a vault id passes; Public or unset fails; KMS off is not applicable", async () => {
    expect((await findingFor("kms-private-keyvault", compliantCluster())).status).toBe("pass");
    const lower = await findingFor("kms-private-keyvault", clusterWith((c) => (c.properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "private")));
    expect(lower.status).toBe("pass");
    const pub = await findingFor("kms-private-keyvault", clusterWith((c) => {
      c.properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess = "Public";
      delete c.properties.securityProfile.azureKeyVaultKms.keyVaultResourceId;
    }));
    expect(pub.status).toBe("fail");
    expect(pub.evidence).toContainEqual({
      path: "properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess",
      value: "Public",
      expected: "Private",
    });
    const unset = await findingFor("kms-private-keyvault", clusterWith((c) => delete c.properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess));
    expect(unset.status).toBe("fail");
    expect(unset.message).toMatch(/unset, which means Public/);
    const noVault = await findingFor("kms-private-keyvault", clusterWith((c) => delete c.properties.securityProfile.azureKeyVaultKms.keyVaultResourceId));
    expect(noVault.status).toBe("fail");
    const kmsOff = await findingFor("kms-private-keyvault", clusterWith((c) => (c.properties.securityProfile.azureKeyVaultKms.enabled = false)));
    expect(kmsOff.status).toBe("notApplicable");
    expect(kmsOff.message).toMatch(/KMS is not enabled/);
  });

  it("secrets-store-csi matches the add-on key case-insensitively", async () => {
    expect((await findingFor("secrets-store-csi", compliantCluster())).status).toBe("pass");
    const upper = clusterWith((c) => {
      const profile = c.properties.addonProfiles.azureKeyvaultSecretsProvider;
      delete c.properties.addonProfiles.azureKeyvaultSecretsProvider;
      c.properties.addonProfiles.AzureKeyvaultSecretsProvider = profile;
    });
    const finding = await findingFor("secrets-store-csi", upper);
    expect(finding.status).toBe("pass");
    expect(finding.evidence[0]?.path).toBe("properties.addonProfiles.AzureKeyvaultSecretsProvider.enabled");
    const off = await findingFor("secrets-store-csi", clusterWith((c) => (c.properties.addonProfiles.azureKeyvaultSecretsProvider.enabled = false)));
    expect(off.status).toBe("fail");
    expect(off.remediation).toBe("az aks enable-addons -g rg-test -n aks-test --addons azure-keyvault-secrets-provider");
    const absent = await findingFor("secrets-store-csi", clusterWith((c) => delete c.properties.addonProfiles.azureKeyvaultSecretsProvider));
    expect(absent.status).toBe("fail");
    expect(absent.evidence[0]).toEqual({
      path: "properties.addonProfiles.azureKeyvaultSecretsProvider.enabled",
      value: null,
      expected: "true",
    });
  });

  it('secrets-store-rotation accepts the ARM string "true", "True" and a boolean true', async () => {
    const asString = await findingFor("secrets-store-rotation", compliantCluster());
    expect(asString.status).toBe("pass");
    expect(asString.evidence[0]).toMatchObject({
      path: "properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation",
      value: "true",
    });
    const capital = clusterWith((c) => (c.properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation = "True"));
    expect((await findingFor("secrets-store-rotation", capital)).status).toBe("pass");
    const asBoolean = clusterWith((c) => (c.properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation = true));
    const boolFinding = await findingFor("secrets-store-rotation", asBoolean);
    expect(boolFinding.status).toBe("pass");
    expect(boolFinding.evidence[0]?.value).toBe(true);
  });

  it('secrets-store-rotation fails "false", false and a missing setting', async () => {
    const asString = clusterWith((c) => (c.properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation = "false"));
    const finding = await findingFor("secrets-store-rotation", asString);
    expect(finding.status).toBe("fail");
    expect(finding.remediation).toBe("az aks update -g rg-test -n aks-test --enable-secret-rotation");
    const asBoolean = clusterWith((c) => (c.properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation = false));
    expect((await findingFor("secrets-store-rotation", asBoolean)).status).toBe("fail");
    const noConfig = clusterWith((c) => delete c.properties.addonProfiles.azureKeyvaultSecretsProvider.config);
    const missing = await findingFor("secrets-store-rotation", noConfig);
    expect(missing.status).toBe("fail");
    expect(missing.evidence[0]).toMatchObject({ value: null });
  });

  it("secrets-store-rotation finds mixed-case add-on and config keys", async () => {
    const mixed = clusterWith((c) => {
      delete c.properties.addonProfiles.azureKeyvaultSecretsProvider;
      c.properties.addonProfiles.AzureKeyvaultSecretsProvider = { enabled: true, config: { EnableSecretRotation: "TRUE" } };
    });
    const finding = await findingFor("secrets-store-rotation", mixed);
    expect(finding.status).toBe("pass");
    expect(finding.evidence[0]?.path).toBe("properties.addonProfiles.AzureKeyvaultSecretsProvider.config.EnableSecretRotation");
  });

  it("secrets-store-rotation is not applicable when the add-on is off or absent", async () => {
    const off = clusterWith((c) => {
      c.properties.addonProfiles.azureKeyvaultSecretsProvider.enabled = false;
      c.properties.addonProfiles.azureKeyvaultSecretsProvider.config.enableSecretRotation = "false";
    });
    expect((await findingFor("secrets-store-rotation", off)).status).toBe("notApplicable");
    const absent = clusterWith((c) => delete c.properties.addonProfiles.azureKeyvaultSecretsProvider);
    expect((await findingFor("secrets-store-rotation", absent)).status).toBe("notApplicable");
  });

  it("ephemeral-os-disk checks every pool, case-insensitively", async () => {
    expect((await findingFor("ephemeral-os-disk", compliantCluster())).status).toBe("pass");
    const lower = clusterWith((c) => (c.properties.agentPoolProfiles[0].osDiskType = "ephemeral"));
    expect((await findingFor("ephemeral-os-disk", lower)).status).toBe("pass");
    const second = await findingFor("ephemeral-os-disk", withSecondPool({ osDiskType: "Managed" }));
    expect(second.status).toBe("fail");
    expect(second.evidence).toEqual([{ path: "properties.agentPoolProfiles[user1].osDiskType", value: "Managed", expected: "Ephemeral" }]);
    const child = await findingFor("ephemeral-os-disk", compliantCluster(), { agentPools: [childPool("np2", { osDiskType: "Managed" })] });
    expect(child.status).toBe("fail");
    expect(child.message).toBe("1 of 2 node pool(s) do not use ephemeral OS disks: np2.");
  });

  it("fips-node-pools is opt-in and checks every pool", async () => {
    const { defaultProfile } = await import("../../shared/baseline/profile.js");
    expect(defaultProfile.checks.some(({ check }) => check.id === "fips-node-pools")).toBe(false);
    expect((await findingFor("fips-node-pools", compliantCluster())).status).toBe("pass");
    const second = await findingFor("fips-node-pools", withSecondPool({ enableFIPS: false }));
    expect(second.status).toBe("fail");
    expect(second.evidence).toEqual([{ path: "properties.agentPoolProfiles[user1].enableFIPS", value: false, expected: "true" }]);
    expect(second.remediation).toBe(
      "az aks nodepool update -g rg-test --cluster-name aks-test --nodepool-name user1 --enable-fips-image",
    );
    const child = await findingFor("fips-node-pools", compliantCluster(), { agentPools: [childPool("np2", { enableFIPS: false })] });
    expect(child.status).toBe("fail");
    expect(child.remediation).toBe("az aks nodepool update -g rg-test --cluster-name aks-test --nodepool-name np2 --enable-fips-image");
  });

  it("fips-node-pools counts Windows Server 2022+ pools as FIPS by default, but not Windows 2019", async () => {
    const win2022 = withSecondPool({ osType: "Windows", osSKU: "Windows2022", enableFIPS: false });
    expect((await findingFor("fips-node-pools", win2022)).status).toBe("pass");
    const win2019 = withSecondPool({ osType: "Windows", osSKU: "Windows2019" });
    delete win2019.properties.agentPoolProfiles[1].enableFIPS;
    const finding = await findingFor("fips-node-pools", win2019);
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([{ path: "properties.agentPoolProfiles[user1].enableFIPS", value: null, expected: "true" }]);
  });
});
