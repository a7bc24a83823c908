import { describe, expect, it } from "vitest";
import { clusterWith, compliantCluster, findingFor } from "../support/clusters.js";

describe("governance checks", () => {
  it("azure-policy-addon passes the ARM key azurepolicy and the template key azurePolicy", async () => {
    const arm = await findingFor("azure-policy-addon", compliantCluster());
    expect(arm.status).toBe("pass");
    expect(arm.evidence).toEqual([{ path: "properties.addonProfiles.azurepolicy.enabled", value: true, expected: "true" }]);
    const template = clusterWith((c) => {
      delete c.properties.addonProfiles.azurepolicy;
      c.properties.addonProfiles.azurePolicy = { enabled: true };
    });
    const finding = await findingFor("azure-policy-addon", template);
    expect(finding.status).toBe("pass");
    expect(finding.evidence[0]?.path).toBe("properties.addonProfiles.azurePolicy.enabled");
  });

  it("azure-policy-addon fails when the add-on is off or absent", async () => {
    const off = await findingFor("azure-policy-addon", clusterWith((c) => (c.properties.addonProfiles.azurepolicy.enabled = false)));
    expect(off.status).toBe("fail");
    expect(off.remediation).toBe("az aks enable-addons -g rg-test -n aks-test --addons azure-policy");
    const absent = await findingFor("azure-policy-addon", clusterWith((c) => delete c.properties.addonProfiles.azurepolicy));
    expect(absent.status).toBe("fail");
    expect(absent.evidence).toEqual([{ path: "properties.addonProfiles.azurepolicy.enabled", value: null, expected: "true" }]);
  });

  it("kube-dashboard-disabled passes when the add-on is absent (unlike Checkov CKV_AZURE_8 on ARM) or disabled", async () => {
    const absent = await findingFor("kube-dashboard-disabled", compliantCluster());
    expect(absent.status).toBe("pass");
    expect(absent.message).toMatch(/not present/);
    const disabled = await findingFor("kube-dashboard-disabled", clusterWith((c) => (c.properties.addonProfiles.kubeDashboard = { enabled: false })));
    expect(disabled.status).toBe("pass");
  });

  it("kube-dashboard-disabled fails an enabled dashboard, whatever the key's case", async () => {
    const finding = await findingFor("kube-dashboard-disabled", clusterWith((c) => (c.properties.addonProfiles.kubedashboard = { enabled: true })));
    expect(finding.status).toBe("fail");
    expect(finding.evidence).toEqual([
      { path: "properties.addonProfiles.kubedashboard.enabled", value: true, expected: "absent or false" },
    ]);
    expect(finding.remediation).toBe("az aks disable-addons -g rg-test -n aks-test --addons kube-dashboard");
  });

  it("image-cleaner needs it enabled with an interval within the limit", async () => {
    expect((await findingFor("image-cleaner", compliantCluster())).status).toBe("pass");
    const atLimit = clusterWith((c) => (c.properties.securityProfile.imageCleaner.intervalHours = 168));
    expect((await findingFor("image-cleaner", atLimit)).status).toBe("pass");
    const off = await findingFor("image-cleaner", clusterWith((c) => (c.properties.securityProfile.imageCleaner.enabled = false)));
    expect(off.status).toBe("fail");
    expect(off.remediation).toBe(
      "az aks update -g rg-test -n aks-test --enable-image-cleaner --image-cleaner-interval-hours <hours>",
    );
    expect((await findingFor("image-cleaner", clusterWith((c) => delete c.properties.securityProfile.imageCleaner))).status).toBe("fail");
  });

  it("image-cleaner fails an interval above imageCleanerMaxIntervalHours, and a missing interval", async () => {
    const slow = await findingFor("image-cleaner", clusterWith((c) => (c.properties.securityProfile.imageCleaner.intervalHours = 336)));
    expect(slow.status).toBe("fail");
    expect(slow.evidence).toContainEqual({ path: "properties.securityProfile.imageCleaner.intervalHours", value: 336, expected: "<= 168" });
    const tight = await findingFor("image-cleaner", compliantCluster(), { parameters: { imageCleanerMaxIntervalHours: 24 } });
    expect(tight.status).toBe("fail");
    expect(tight.message).toBe("Image Cleaner runs only every 48 hours; at most 24 are allowed.");
    const noInterval = await findingFor("image-cleaner", clusterWith((c) => delete c.properties.securityProfile.imageCleaner.intervalHours));
    expect(noInterval.status).toBe("fail");
  });

  it("csi-drivers: only an explicit false fails", async () => {
    expect((await findingFor("csi-drivers", compliantCluster())).status).toBe("pass");
    const absent = await findingFor("csi-drivers", clusterWith((c) => delete c.properties.storageProfile));
    expect(absent.status).toBe("pass");
    const disk = await findingFor("csi-drivers", clusterWith((c) => (c.properties.storageProfile.diskCSIDriver.enabled = false)));
    expect(disk.status).toBe("fail");
    expect(disk.message).toBe("The Azure Disk CSI driver is disabled.");
    expect(disk.evidence).toContainEqual({ path: "properties.storageProfile.diskCSIDriver.enabled", value: false, expected: "not false" });
    const two = await findingFor("csi-drivers", clusterWith((c) => {
      c.properties.storageProfile.fileCSIDriver.enabled = false;
      c.properties.storageProfile.snapshotController = { enabled: false };
    }));
    expect(two.message).toBe("The Azure File CSI driver and the snapshot controller are disabled.");
    expect(two.remediation).toBe(
      "az aks update -g rg-test -n aks-test --enable-disk-driver --enable-file-driver --enable-snapshot-controller",
    );
  });

  it("uptime-sla-tier accepts Standard, Premium and the legacy Paid, in any case", async () => {
    expect((await findingFor("uptime-sla-tier", compliantCluster())).status).toBe("pass");
    for (const tier of ["premium", "Paid", "STANDARD"]) {
      expect((await findingFor("uptime-sla-tier", clusterWith((c) => (c.sku.tier = tier)))).status).toBe("pass");
    }
  });

  it("uptime-sla-tier fails Free and a missing tier", async () => {
    const free = await findingFor("uptime-sla-tier", clusterWith((c) => (c.sku.tier = "Free")));
    expect(free.status).toBe("fail");
    expect(free.evidence).toEqual([{ path: "sku.tier", value: "Free", expected: "Standard or Premium" }]);
    expect(free.remediation).toBe("az aks update -g rg-test -n aks-test --tier standard");
    const missing = await findingFor("uptime-sla-tier", clusterWith((c) => delete c.sku));
    expect(missing.status).toBe("fail");
    expect(missing.message).toMatch(/which means Free/);
  });
});
