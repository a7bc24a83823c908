import { addon, addonPath, textIn } from "../clusterFields.js";
import { fail, pass } from "../outcome.js";
import type { Check } from "../types.js";

const AZURE_POLICY = "azurepolicy";
const KUBE_DASHBOARD = "kubeDashboard";
/** `Paid` is the pre-2023-02-01 name of `Standard`. */
const SLA_TIERS = ["Standard", "Premium", "Paid"];

export const governanceChecks: Check[] = [
  {
    id: "azure-policy-addon",
    title: "The Azure Policy add-on is on",
    category: "governance",
    severity: "high",
    rationale:
      "The Azure Policy add-on runs Gatekeeper in the cluster, so pod-security and image rules assigned in Azure Policy are audited and enforced.",
    remediation: {
      text: "Enable the Azure Policy add-on.",
      command: "az aks enable-addons -g {resourceGroup} -n {name} --addons azure-policy",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_116" },
      { source: "Trivy", id: "AVD-AZU-0066" },
      { source: "Azure Policy", id: "0a15ec92-a229-4763-bb14-0ea34a568f8d" },
      { source: "Azure Policy", id: "a8eff44f-8c92-45c3-a3fb-9880802d67a7" },
      {
        source: "Defender for Cloud",
        id: "Azure Kubernetes Service clusters should have the Azure Policy add-on for Kubernetes installed",
      },
      { source: "PSRule", id: "Azure.AKS.AzurePolicyAddOn" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const enabled = addon(cluster, AZURE_POLICY)?.profile.enabled;
      const evidence = [{ path: addonPath(cluster, AZURE_POLICY, "enabled"), value: enabled ?? null, expected: "true" }];
      return enabled === true
        ? pass("The Azure Policy add-on is enabled.", evidence)
        : fail("The Azure Policy add-on is not enabled: no in-cluster policy is audited or enforced.", evidence);
    },
  },
  {
    id: "kube-dashboard-disabled",
    title: "The legacy Kubernetes dashboard add-on is not enabled",
    category: "governance",
    severity: "medium",
    rationale:
      "The retired dashboard add-on ran with broad permissions and has been a common entry point into clusters.",
    remediation: {
      text: "Disable the Kubernetes dashboard add-on.",
      command: "az aks disable-addons -g {resourceGroup} -n {name} --addons kube-dashboard",
    },
    references: [{ source: "Checkov", id: "CKV_AZURE_8" }],
    data: "cluster",
    evaluate({ cluster }) {
      const dashboard = addon(cluster, KUBE_DASHBOARD);
      const enabled = dashboard?.profile.enabled;
      const evidence = [{ path: addonPath(cluster, KUBE_DASHBOARD, "enabled"), value: enabled ?? null, expected: "absent or false" }];
      if (enabled === true) return fail("The legacy Kubernetes dashboard add-on is enabled.", evidence);
      return pass(
        dashboard ? "The legacy Kubernetes dashboard add-on is disabled." : "The legacy Kubernetes dashboard add-on is not present.",
        evidence,
      );
    },
  },
  {
    id: "image-cleaner",
    title: "Image Cleaner removes stale images",
    category: "governance",
    severity: "low",
    rationale:
      "Unused images left on nodes keep their vulnerabilities around; Image Cleaner (Eraser) removes them on a schedule.",
    remediation: {
      text: "Enable Image Cleaner with an interval no longer than the profile allows.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-image-cleaner --image-cleaner-interval-hours <hours>",
    },
    references: [
      { source: "Azure Policy", id: "af3c26b2-6fad-493e-9236-9c68928516ab" },
      { source: "Azure Policy", id: "7e49285c-4bed-4564-b26a-5225ccc311f3" },
    ],
    data: "cluster",
    evaluate({ cluster, params }) {
      const cleaner = cluster.securityProfile?.imageCleaner;
      const max = params.imageCleanerMaxIntervalHours;
      const interval = cleaner?.intervalHours;
      const evidence = [
        { path: "properties.securityProfile.imageCleaner.enabled", value: cleaner?.enabled ?? null, expected: "true" },
        { path: "properties.securityProfile.imageCleaner.intervalHours", value: interval ?? null, expected: `<= ${max}` },
      ];
      if (cleaner?.enabled !== true) return fail("Image Cleaner is not enabled: stale images stay on the nodes.", evidence);
      if (typeof interval !== "number") return fail("Image Cleaner is enabled but has no scan interval set.", evidence);
      return interval <= max
        ? pass(`Image Cleaner runs every ${interval} hours.`, evidence)
        : fail(`Image Cleaner runs only every ${interval} hours; at most ${max} are allowed.`, evidence);
    },
  },
  {
    id: "csi-drivers",
    title: "The CSI storage drivers and snapshot controller are not disabled",
    category: "governance",
    severity: "info",
    rationale:
      "The Azure Disk and File CSI drivers and the snapshot controller replace the removed in-tree volume plugins; disabling them breaks supported storage and backups.",
    remediation: {
      text: "Re-enable the CSI drivers and the snapshot controller.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-disk-driver --enable-file-driver --enable-snapshot-controller",
    },
    references: [{ source: "Azure Policy", id: "c5110b6e-5272-4989-9935-59ad06fdf341" }],
    data: "cluster",
    evaluate({ cluster }) {
      const storage = cluster.storageProfile;
      const parts = [
        { label: "the Azure Disk CSI driver", path: "properties.storageProfile.diskCSIDriver.enabled", value: storage?.diskCSIDriver?.enabled },
        { label: "the Azure File CSI driver", path: "properties.storageProfile.fileCSIDriver.enabled", value: storage?.fileCSIDriver?.enabled },
        { label: "the snapshot controller", path: "properties.storageProfile.snapshotController.enabled", value: storage?.snapshotController?.enabled },
      ];
      const evidence = parts.map((part) => ({ path: part.path, value: part.value ?? null, expected: "not false" }));
      const off = parts.filter((part) => part.value === false);
      if (off.length === 0) return pass("The CSI storage drivers and the snapshot controller are enabled (or left at their default, on).", evidence);
      const labels = off.map((part) => part.label);
      const names = labels.length === 1 ? labels.join("") : `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`;
      return fail(`${names[0]?.toUpperCase()}${names.slice(1)} ${off.length === 1 ? "is" : "are"} disabled.`, evidence);
    },
  },
  {
    id: "uptime-sla-tier",
    title: "The control plane has a paid uptime-SLA tier",
    category: "governance",
    severity: "low",
    rationale:
      "The Free tier has no uptime SLA and a smaller, shared control plane; the Standard and Premium tiers are financially backed and scale the API server.",
    remediation: {
      text: "Move the cluster to the Standard tier.",
      command: "az aks update -g {resourceGroup} -n {name} --tier standard",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_170" },
      { source: "PSRule", id: "Azure.AKS.UptimeSLA" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const tier = cluster.sku?.tier;
      const evidence = [{ path: "sku.tier", value: tier ?? null, expected: "Standard or Premium" }];
      if (textIn(tier, SLA_TIERS)) return pass(`The control plane runs on the ${tier} tier, with an uptime SLA.`, evidence);
      return fail(
        tier === undefined
          ? "The cluster has no SKU tier set, which means Free: the control plane has no uptime SLA."
          : `The control plane runs on the ${tier} tier, without an uptime SLA.`,
        evidence,
      );
    },
  },
];
