import { sameText, textIn } from "../clusterFields.js";
import { fail, notApplicable, pass } from "../outcome.js";
import type { Check } from "../types.js";

export const identityChecks: Check[] = [
  {
    id: "k8s-rbac-enabled",
    title: "Kubernetes RBAC is enabled",
    category: "identity",
    severity: "high",
    rationale:
      "Without Kubernetes RBAC every authenticated user and service account can do anything in the cluster.",
    remediation: {
      text: "RBAC can only be set when a cluster is created: recreate the cluster with RBAC enabled (the default) and move the workloads.",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_5" },
      { source: "Prowler", id: "aks_cluster_rbac_enabled" },
      { source: "Trivy", id: "AVD-AZU-0042" },
      { source: "Azure Policy", id: "ac4a19c2-fa67-49b4-8ae5-0b2e78c49457" },
      { source: "CIS AKS 1.8", id: "5.5.1" },
      { source: "Kubescape", id: "C-0088" },
      { source: "PSRule", id: "Azure.AKS.UseRBAC" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const evidence = [{ path: "properties.enableRBAC", value: cluster.enableRbac ?? null, expected: "true" }];
      return cluster.enableRbac === true
        ? pass("Kubernetes RBAC is enabled.", evidence)
        : fail(
            cluster.enableRbac === false
              ? "Kubernetes RBAC is disabled."
              : "Kubernetes RBAC is not set on the cluster (enableRBAC is missing).",
            evidence,
          );
    },
  },
  {
    id: "entra-id-integration",
    title: "AKS-managed Entra ID integration is on",
    category: "identity",
    severity: "high",
    rationale:
      "Entra ID sign-in gives the API server central identities, conditional access and MFA instead of certificates.",
    remediation: {
      text: "Enable AKS-managed Entra ID integration.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-aad",
    },
    references: [
      { source: "Azure Policy", id: "450d2877-ebea-41e8-b00c-e286317d21bf" },
      { source: "CIS AKS 1.8", id: "5.5.1" },
      { source: "PSRule", id: "Azure.AKS.ManagedAAD" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const managed = cluster.aadProfile?.managed;
      const evidence = [{ path: "properties.aadProfile.managed", value: managed ?? null, expected: "true" }];
      if (!cluster.aadProfile) return fail("The cluster has no Entra ID (AAD) profile.", evidence);
      return managed === true
        ? pass("AKS-managed Entra ID integration is on.", evidence)
        : fail("The cluster uses legacy (unmanaged) Entra ID integration.", evidence);
    },
  },
  {
    id: "azure-rbac-authz",
    title: "Azure RBAC authorizes Kubernetes access",
    category: "identity",
    severity: "medium",
    rationale:
      "Azure RBAC for Kubernetes authorization keeps cluster permissions in Entra ID role assignments, audited and revocable in one place.",
    remediation: {
      text: "Enable Azure RBAC for Kubernetes authorization (requires managed Entra ID).",
      command: "az aks update -g {resourceGroup} -n {name} --enable-azure-rbac",
    },
    references: [
      { source: "CIS AKS 1.8", id: "5.5.2" },
      { source: "Kubescape", id: "C-0241" },
      { source: "PSRule", id: "Azure.AKS.AzureRBAC" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const value = cluster.aadProfile?.enableAzureRbac;
      const evidence = [{ path: "properties.aadProfile.enableAzureRBAC", value: value ?? null, expected: "true" }];
      return value === true
        ? pass("Azure RBAC is used for Kubernetes authorization.", evidence)
        : fail("Azure RBAC is not used for Kubernetes authorization.", evidence);
    },
  },
  {
    id: "local-accounts-disabled",
    title: "Local accounts are disabled",
    category: "identity",
    severity: "high",
    rationale:
      "The local cluster-admin kubeconfig is a static credential that bypasses Entra ID, MFA and audit by identity.",
    remediation: {
      text: "Disable local accounts (requires Entra ID integration).",
      command: "az aks update -g {resourceGroup} -n {name} --disable-local-accounts",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_141" },
      { source: "Prowler", id: "aks_cluster_local_accounts_disabled" },
      { source: "Azure Policy", id: "993c2fcd-2b29-49d2-9eb0-df2c3a730c32" },
      { source: "PSRule", id: "Azure.AKS.LocalAccounts" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const evidence = [
        { path: "properties.disableLocalAccounts", value: cluster.disableLocalAccounts ?? null, expected: "true" },
      ];
      return cluster.disableLocalAccounts === true
        ? pass("Local accounts are disabled.", evidence)
        : fail("Local accounts are enabled: a static admin kubeconfig can be downloaded.", evidence);
    },
  },
  {
    id: "managed-identity",
    title: "The control plane uses a managed identity",
    category: "identity",
    severity: "medium",
    rationale: "A service principal's secret expires and can leak; a managed identity has no secret to manage.",
    remediation: {
      text: "Move the cluster from a service principal to a managed identity.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-managed-identity",
    },
    references: [
      { source: "Azure Policy", id: "da6e2401-19da-4532-9141-fb8fbde08431" },
      { source: "PSRule", id: "Azure.AKS.ManagedIdentity" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const type = cluster.identity?.type;
      const clientId = cluster.servicePrincipalProfile?.clientId;
      const evidence = [
        { path: "identity.type", value: type ?? null, expected: "SystemAssigned or UserAssigned" },
        { path: "properties.servicePrincipalProfile.clientId", value: clientId ?? null, expected: "absent or msi" },
      ];
      const managed = textIn(type, ["SystemAssigned", "UserAssigned"]);
      const noSecret = clientId === undefined || sameText(clientId, "msi");
      if (managed && noSecret) return pass(`The cluster uses a ${type} managed identity.`, evidence);
      if (!managed) return fail("The cluster has no managed identity: it runs on a service principal.", evidence);
      return fail("The cluster has a managed identity but still carries a service principal client id.", evidence);
    },
  },
  {
    id: "aad-admin-groups",
    title: "Cluster-admin Entra ID groups are set and approved",
    category: "identity",
    severity: "low",
    rationale:
      "Admin access should come from named, approved Entra ID groups, not from ad-hoc role assignments or local accounts.",
    remediation: {
      text: "Set the approved admin groups.",
      command: "az aks update -g {resourceGroup} -n {name} --aad-admin-group-object-ids <group-object-ids>",
    },
    references: [{ source: "Azure Policy", id: "36a27de4-199b-40fb-b336-945a8475d6c5" }],
    data: "cluster",
    evaluate({ cluster, params }) {
      if (!cluster.aadProfile) {
        return notApplicable("The cluster has no Entra ID integration, so it has no admin groups.");
      }
      const groups = cluster.aadProfile.adminGroupObjectIDs ?? [];
      const path = "properties.aadProfile.adminGroupObjectIDs";
      if (groups.length === 0) {
        return fail("No cluster-admin Entra ID groups are set.", [
          { path, value: groups, expected: "at least one group" },
        ]);
      }
      const approved = params.allowedAdminGroupObjectIds.map((id) => id.toLowerCase());
      if (approved.length === 0) return pass(`${groups.length} admin group(s) are set.`, [{ path, value: groups }]);
      const unapproved = groups.filter((id) => !approved.includes(id.toLowerCase()));
      return unapproved.length === 0
        ? pass(`All ${groups.length} admin group(s) are approved.`, [{ path, value: groups }])
        : fail(`${unapproved.length} admin group(s) are not on the approved list: ${unapproved.join(", ")}.`, [
            { path, value: unapproved, expected: `a subset of ${params.allowedAdminGroupObjectIds.join(", ")}` },
          ]);
    },
  },
  {
    id: "workload-identity",
    title: "Workload identity and the OIDC issuer are on",
    category: "identity",
    severity: "medium",
    rationale:
      "Workload identity lets pods use Entra ID tokens through federation instead of secrets stored in the cluster.",
    remediation: {
      text: "Enable the OIDC issuer and workload identity.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-oidc-issuer --enable-workload-identity",
    },
    references: [{ source: "Azure Policy", id: "2cc2e023-0dac-4046-875b-178f683929d5" }],
    data: "cluster",
    evaluate({ cluster }) {
      const workload = cluster.securityProfile?.workloadIdentity?.enabled;
      const oidc = cluster.oidcIssuerProfile?.enabled;
      const evidence = [
        { path: "properties.securityProfile.workloadIdentity.enabled", value: workload ?? null, expected: "true" },
        { path: "properties.oidcIssuerProfile.enabled", value: oidc ?? null, expected: "true" },
      ];
      if (workload === true && oidc === true) return pass("Workload identity and the OIDC issuer are on.", evidence);
      const off = [workload === true ? undefined : "workload identity", oidc === true ? undefined : "the OIDC issuer"]
        .filter(Boolean)
        .join(" and ");
      return fail(`${off[0]?.toUpperCase()}${off.slice(1)} ${off.includes(" and ") ? "are" : "is"} off.`, evidence);
    },
  },
  {
    id: "legacy-pod-identity-off",
    title: "Deprecated AAD pod identity is not used",
    category: "identity",
    severity: "low",
    rationale:
      "AAD pod identity is deprecated and intercepts IMDS traffic on the node; workload identity replaces it.",
    remediation: {
      text: "Migrate to workload identity, then disable pod identity.",
      command: "az aks update -g {resourceGroup} -n {name} --disable-pod-identity",
    },
    references: [{ source: "PSRule", id: "Azure.AKS.PodIdentity (requires the opposite)" }],
    data: "cluster",
    evaluate({ cluster }) {
      const enabled = cluster.podIdentityProfile?.enabled;
      const evidence = [{ path: "properties.podIdentityProfile.enabled", value: enabled ?? null, expected: "not true" }];
      return enabled === true
        ? fail("The deprecated AAD pod identity is enabled.", evidence)
        : pass("AAD pod identity is not used.", evidence);
    },
  },
];
