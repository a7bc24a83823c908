import type { ManagedCluster } from "@azure/arm-containerservice";
import { addon, addonConfig, addonConfigPath, addonPath, isSet, isTrue, sameText, textIn } from "../clusterFields.js";
import { everyPool, fail, notApplicable, pass } from "../outcome.js";
import type { Check, PoolView } from "../types.js";

const SECRETS_PROVIDER = "azureKeyvaultSecretsProvider";


/** The last segment of an ARM id, for messages. */
function resourceName(id: string): string {
  return id.split("/").filter(Boolean).pop() ?? id;
}

// Windows Server 2022 and later enable FIPS by default even when enableFIPS does not say so (AKS FIPS docs).
const WINDOWS_FIPS_BY_DEFAULT = ["Windows2022", "Windows2025"];

function fipsOn(pool: PoolView): boolean {
  return pool.spec.enableFips === true || (sameText(pool.spec.osType, "Windows") && textIn(pool.spec.osSKU, WINDOWS_FIPS_BY_DEFAULT));
}

export const dataProtectionChecks: Check[] = [
  {
    id: "encryption-at-host",
    title: "Node temp disks and caches are encrypted at host",
    category: "data",
    severity: "medium",
    rationale:
      "Without host-based encryption, node temp disks and OS/data disk caches sit unencrypted on the VM host; server-side disk encryption does not cover them.",
    remediation: {
      text: "Encryption at host can only be set when a node pool is created: add a pool with --enable-encryption-at-host (after registering the EncryptionAtHost feature on the subscription), move the workloads, and delete the old pool.",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_227" },
      { source: "Azure Policy", id: "41425d9f-d1a5-499a-9932-f8ed8453932c" },
      { source: "Kubescape", id: "C-0244" },
    ],
    data: "cluster",
    evaluate({ pools }) {
      return everyPool(pools, {
        field: "enableEncryptionAtHost",
        read: (pool) => pool.spec.enableEncryptionAtHost,
        ok: (value) => value === true,
        expected: "true",
        what: "have encryption at host enabled",
      });
    },
  },
  {
    id: "disk-encryption-cmk",
    title: "Node disks use a customer-managed key",
    category: "data",
    severity: "medium",
    rationale:
      "A disk encryption set puts the OS and data disk keys under your control in Key Vault, so they can be rotated, audited and revoked.",
    remediation: {
      text: "A disk encryption set can only be chosen when the cluster is created: recreate the cluster with --node-osdisk-diskencryptionset-id and move the workloads.",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_117" },
      { source: "Trivy", id: "AVD-AZU-0067" },
      { source: "Azure Policy", id: "7d7be79c-23ba-4033-84dd-45e2a5ccdd67" },
    ],
    data: "cluster",
    optIn: true,
    evaluate({ cluster }) {
      const id = cluster.diskEncryptionSetID;
      const evidence = [{ path: "properties.diskEncryptionSetID", value: id ?? null, expected: "a disk encryption set id" }];
      return isSet(id)
        ? pass(`Node disks are encrypted with the customer-managed key of disk encryption set ${resourceName(id)}.`, evidence)
        : fail("Node disks use platform-managed keys: no disk encryption set is configured.", evidence);
    },
  },
  {
    id: "kms-etcd-encryption",
    title: "Secrets in etcd are encrypted with a Key Vault KMS key",
    category: "data",
    severity: "high",
    rationale:
      "KMS encryption wraps Kubernetes secrets in etcd with a key you hold in Key Vault, so a copy of etcd alone does not reveal them.",
    remediation: {
      text: "Enable Key Vault KMS with a key from your vault (a private vault is preferred).",
      command:
        "az aks update -g {resourceGroup} -n {name} --enable-azure-keyvault-kms --azure-keyvault-kms-key-id <key-id> --azure-keyvault-kms-key-vault-network-access Private --azure-keyvault-kms-key-vault-resource-id <key-vault-resource-id>",
    },
    references: [
      { source: "Azure Policy", id: "dbbdc317-9734-4dd8-9074-993b29c69008" },
      { source: "CIS AKS 1.8", id: "5.3.1" },
      { source: "Kubescape", id: "C-0244" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const kms = cluster.securityProfile?.azureKeyVaultKms;
      const evidence = [
        { path: "properties.securityProfile.azureKeyVaultKms.enabled", value: kms?.enabled ?? null, expected: "true" },
        { path: "properties.securityProfile.azureKeyVaultKms.keyId", value: kms?.keyId ?? null, expected: "a Key Vault key id" },
      ];
      if (kms?.enabled !== true) return fail("Secrets in etcd are not encrypted with a Key Vault KMS key.", evidence);
      return isSet(kms.keyId)
        ? pass("Secrets in etcd are encrypted with a Key Vault KMS key.", evidence)
        : fail("Key Vault KMS is enabled but no key id is set.", evidence);
    },
  },
  {
    id: "kms-private-keyvault",
    title: "The KMS key vault is private",
    category: "data",
    severity: "low",
    rationale:
      "A KMS key vault open to public networks exposes the key that protects every secret in the cluster to the internet.",
    remediation: {
      text: "Disable public access on the key vault and switch KMS to private network access.",
      command:
        "az aks update -g {resourceGroup} -n {name} --enable-azure-keyvault-kms --azure-keyvault-kms-key-id <key-id> --azure-keyvault-kms-key-vault-network-access Private --azure-keyvault-kms-key-vault-resource-id <key-vault-resource-id>",
    },
    references: [{ source: "CIS AKS 1.8", id: "5.3.1" }],
    data: "cluster",
    evaluate({ cluster }) {
      const kms = cluster.securityProfile?.azureKeyVaultKms;
      if (kms?.enabled !== true) {
        return notApplicable("Key Vault KMS is not enabled, so there is no KMS key vault to check.", [
          { path: "properties.securityProfile.azureKeyVaultKms.enabled", value: kms?.enabled ?? null },
        ]);
      }
      const access = kms.keyVaultNetworkAccess;
      const vault = kms.keyVaultResourceId;
      const evidence = [
        { path: "properties.securityProfile.azureKeyVaultKms.keyVaultNetworkAccess", value: access ?? null, expected: "Private" },
        { path: "properties.securityProfile.azureKeyVaultKms.keyVaultResourceId", value: vault ?? null, expected: "a Key Vault resource id" },
      ];
      if (!sameText(access, "Private")) {
        return fail(
          access === undefined
            ? "The KMS key vault allows public network access (keyVaultNetworkAccess is unset, which means Public)."
            : `The KMS key vault allows public network access (keyVaultNetworkAccess is ${access}).`,
          evidence,
        );
      }
      return isSet(vault)
        ? pass(`The KMS key vault ${resourceName(vault)} is private.`, evidence)
        : fail("KMS is set to private network access but names no key vault resource id.", evidence);
    },
  },
  {
    id: "secrets-store-csi",
    title: "The Key Vault Secrets Store CSI add-on is on",
    category: "data",
    severity: "low",
    rationale:
      "The Secrets Store CSI driver mounts secrets from Key Vault at run time, so they need not be copied into Kubernetes secrets or images.",
    remediation: {
      text: "Enable the Azure Key Vault provider for the Secrets Store CSI driver.",
      command: "az aks enable-addons -g {resourceGroup} -n {name} --addons azure-keyvault-secrets-provider",
    },
    references: [{ source: "PSRule", id: "Azure.AKS.SecretStore" }],
    data: "cluster",
    evaluate({ cluster }) {
      const enabled = addon(cluster, SECRETS_PROVIDER)?.profile.enabled;
      const evidence = [{ path: addonPath(cluster, SECRETS_PROVIDER, "enabled"), value: enabled ?? null, expected: "true" }];
      return enabled === true
        ? pass("The Key Vault Secrets Store CSI add-on is enabled.", evidence)
        : fail("The Key Vault Secrets Store CSI add-on is not enabled.", evidence);
    },
  },
  {
    id: "secrets-store-rotation",
    title: "Secrets Store CSI auto-rotation is on",
    category: "data",
    severity: "low",
    rationale:
      "Without auto-rotation, pods keep the secret value they mounted at start, so a rotated or revoked Key Vault secret lives on in the cluster.",
    remediation: {
      text: "Enable secret auto-rotation on the Key Vault secrets provider add-on.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-secret-rotation",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_172" },
      { source: "PSRule", id: "Azure.AKS.SecretStoreRotation" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const provider = addon(cluster, SECRETS_PROVIDER);
      if (provider?.profile.enabled !== true) {
        return notApplicable("The Key Vault Secrets Store CSI add-on is not enabled, so there is nothing to rotate.", [
          { path: addonPath(cluster, SECRETS_PROVIDER, "enabled"), value: provider?.profile.enabled ?? null },
        ]);
      }
      const value: unknown = addonConfig(provider.profile, "enableSecretRotation");
      const evidence = [
        { path: addonConfigPath(cluster, SECRETS_PROVIDER, "enableSecretRotation"), value: value ?? null, expected: '"true"' },
      ];
      return isTrue(value)
        ? pass("Secrets Store CSI auto-rotation is enabled.", evidence)
        : fail("Secrets Store CSI auto-rotation is off: pods keep stale secret values.", evidence);
    },
  },
  {
    id: "ephemeral-os-disk",
    title: "Node pools use ephemeral OS disks",
    category: "data",
    severity: "low",
    rationale:
      "Ephemeral OS disks live on the host and vanish on reimage, so no node state persists in Azure Storage; they also reimage and scale faster.",
    remediation: {
      text: "The OS disk type is fixed when a pool is created: add a pool with --node-osdisk-type Ephemeral on a VM size whose cache or temp disk fits the OS disk, move the workloads, and delete the old pool.",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_226" },
      { source: "PSRule", id: "Azure.AKS.EphemeralOSDisk" },
    ],
    data: "cluster",
    evaluate({ pools }) {
      return everyPool(pools, {
        field: "osDiskType",
        read: (pool) => pool.spec.osDiskType,
        ok: (value) => sameText(value, "Ephemeral"),
        expected: "Ephemeral",
        what: "use ephemeral OS disks",
      });
    },
  },
  {
    id: "fips-node-pools",
    title: "Node pools run a FIPS-enabled OS",
    category: "data",
    severity: "info",
    rationale:
      "FIPS 140 validated cryptographic modules on the nodes are required for FedRAMP and similar regulated workloads.",
    remediation: {
      text: "Enable the FIPS image on each Linux pool (the nodes are reimaged); Windows Server 2022 and later pools have FIPS on by default.",
      command: "az aks nodepool update -g {resourceGroup} --cluster-name {name} --nodepool-name {pool} --enable-fips-image",
    },
    references: [],
    data: "cluster",
    optIn: true,
    evaluate({ pools }) {
      return everyPool(pools, {
        field: "enableFIPS",
        read: (pool) => pool.spec.enableFips,
        ok: (_value, pool) => fipsOn(pool),
        expected: "true",
        what: "run a FIPS-enabled OS",
      });
    },
  },
];
