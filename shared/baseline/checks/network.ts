import { addon, addonPath, sameText, textIn } from "../clusterFields.js";
import { everyPool, fail, notApplicable, pass } from "../outcome.js";
import type { BaselineParameters } from "../parameters.js";
import type { Check, Evidence } from "../types.js";

const ACCESS = "properties.apiServerAccessProfile";
const NETWORK = "properties.networkProfile";
const POLICY_ENGINES = ["azure", "calico", "cilium"] as const;

export const networkChecks: Check[] = [
  {
    id: "api-authorized-ip-ranges",
    title: "The public API server is limited to authorized IP ranges",
    category: "network",
    severity: "high",
    rationale:
      "A public API server without an allow-list can be reached, scanned and brute-forced from anywhere on the internet; one leaked credential is then enough.",
    remediation: {
      text: "Restrict the public API server to the CIDRs of your administrators, build agents and egress IPs, or make the cluster private.",
      command: "az aks update -g {resourceGroup} -n {name} --api-server-authorized-ip-ranges <comma-separated-cidrs>",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_6" },
      { source: "Trivy", id: "AVD-AZU-0041" },
      { source: "Azure Policy", id: "0e246bcf-5f6f-4f87-bc6f-775d4712c7ea" },
      { source: "CIS AKS 1.8", id: "5.4.1" },
      { source: "Defender for Cloud", id: "Kubernetes API server should be configured with restricted access" },
      { source: "Kubescape", id: "C-0247" },
      { source: "PSRule", id: "Azure.AKS.AuthorizedIPs" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const access = cluster.apiServerAccessProfile;
      const ranges = access?.authorizedIPRanges ?? [];
      const evidence: Evidence[] = [
        { path: `${ACCESS}.authorizedIPRanges`, value: access?.authorizedIPRanges ?? null, expected: "at least one CIDR, unless the cluster is private" },
        { path: `${ACCESS}.enablePrivateCluster`, value: access?.enablePrivateCluster ?? null },
      ];
      if (access?.enablePrivateCluster === true) {
        return pass("The API server is private, so it has no public endpoint to restrict.", evidence);
      }
      if (ranges.length > 0) {
        return pass(`The public API server accepts connections only from ${ranges.length} authorized IP range(s).`, evidence);
      }
      return fail("The API server is public and accepts connections from any IP address: no authorized IP ranges are set.", evidence);
    },
  },
  {
    id: "api-authorized-ip-no-open-range",
    title: "The API server allow-list is not effectively open",
    category: "network",
    severity: "high",
    rationale:
      "An allow-list containing 0.0.0.0/0, ::/0 or a very broad prefix looks restricted but lets most of the internet reach the API server.",
    remediation: {
      text: "Replace open, overly broad or malformed entries with narrow CIDRs (a bare IP counts as /32; 0.0.0.0/32 allows only the cluster's own load-balancer egress).",
      command: "az aks update -g {resourceGroup} -n {name} --api-server-authorized-ip-ranges <comma-separated-cidrs>",
    },
    references: [{ source: "CIS AKS 1.8", id: "5.4.1" }],
    data: "cluster",
    evaluate({ cluster, params }) {
      const access = cluster.apiServerAccessProfile;
      const ranges = access?.authorizedIPRanges ?? [];
      const path = `${ACCESS}.authorizedIPRanges`;
      if (ranges.length === 0) {
        return notApplicable(
          access?.enablePrivateCluster === true
            ? "The cluster is private and has no authorized IP ranges, so there is no public allow-list to check."
            : "No authorized IP ranges are set, so there is no allow-list to check (api-authorized-ip-ranges reports the unrestricted API server).",
          [{ path, value: access?.authorizedIPRanges ?? null }],
        );
      }
      const bad = ranges.flatMap((range, index) => {
        const problem = rangeProblem(range, params);
        return problem ? [{ index, range, ...problem }] : [];
      });
      if (bad.length === 0) {
        return pass(`All ${ranges.length} authorized IP range(s) are narrow enough.`, [{ path, value: ranges }]);
      }
      const list = bad.map((entry) => `${JSON.stringify(entry.range)} (${entry.reason})`).join(", ");
      return fail(
        `${bad.length} of ${ranges.length} authorized IP range(s) do not restrict the API server safely: ${list}.`,
        bad.map((entry) => ({ path: `${path}[${entry.index}]`, value: entry.range, expected: entry.expected })),
      );
    },
  },
  {
    id: "private-cluster",
    title: "The API server is reachable only through a private endpoint",
    category: "network",
    severity: "medium",
    rationale:
      "A private cluster has no public API endpoint at all, so the control plane cannot be attacked from the internet whatever the credentials.",
    remediation: {
      text: "Make the cluster private. An existing cluster can be converted only when it uses API Server VNet Integration; otherwise recreate it as a private cluster.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-private-cluster",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_115" },
      { source: "Prowler", id: "aks_clusters_public_access_disabled" },
      { source: "Trivy", id: "AVD-AZU-0065" },
      { source: "Azure Policy", id: "040732e8-d947-40b8-95d6-854c95024bf8" },
      { source: "CIS AKS 1.8", id: "5.4.2" },
      { source: "Kubescape", id: "C-0248" },
      { source: "Kubescape", id: "C-0252" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const enabled = cluster.apiServerAccessProfile?.enablePrivateCluster;
      const evidence: Evidence[] = [
        { path: `${ACCESS}.enablePrivateCluster`, value: enabled ?? null, expected: "true" },
        { path: "properties.privateFQDN", value: cluster.privateFqdn ?? null },
      ];
      if (enabled !== true) return fail("The API server has a public endpoint: the cluster is not private.", evidence);
      return pass(
        cluster.privateFqdn ? `The API server is private, at ${cluster.privateFqdn}.` : "The API server is private.",
        evidence,
      );
    },
  },
  {
    id: "private-cluster-no-public-fqdn",
    title: "A private cluster publishes no public DNS name",
    category: "network",
    severity: "low",
    rationale:
      "The extra public FQDN of a private cluster resolves the API server's private address in public DNS, revealing the cluster and its network layout.",
    remediation: {
      text: "Disable the public FQDN and resolve the API server through the private DNS zone.",
      command: "az aks update -g {resourceGroup} -n {name} --disable-public-fqdn",
    },
    references: [{ source: "CIS AKS 1.8", id: "5.4.2" }],
    data: "cluster",
    evaluate({ cluster }) {
      const access = cluster.apiServerAccessProfile;
      const value = access?.enablePrivateClusterPublicFqdn;
      if (access?.enablePrivateCluster !== true) {
        return notApplicable("The cluster is not private, so it has no private-cluster public FQDN to check.", [
          { path: `${ACCESS}.enablePrivateCluster`, value: access?.enablePrivateCluster ?? null },
        ]);
      }
      const evidence: Evidence[] = [
        { path: `${ACCESS}.enablePrivateClusterPublicFQDN`, value: value ?? null, expected: "not true" },
        { path: "properties.fqdn", value: cluster.fqdn ?? null },
      ];
      if (value !== true) return pass("The private cluster publishes no public DNS name.", evidence);
      return fail(
        cluster.fqdn
          ? `The private cluster also publishes the public DNS name ${cluster.fqdn}.`
          : "The private cluster also publishes a public DNS name (enablePrivateClusterPublicFQDN is true).",
        evidence,
      );
    },
  },
  {
    id: "public-network-access-disabled",
    title: "Public network access to the cluster is disabled",
    category: "network",
    severity: "medium",
    rationale: "With public network access disabled, inbound traffic to the managed cluster from public networks is denied.",
    remediation: {
      text: "Set properties.publicNetworkAccess to Disabled in the cluster's ARM or Bicep definition and redeploy it.",
    },
    references: [{ source: "CIS AKS 1.8", id: "5.4.2" }],
    data: "cluster",
    evaluate({ cluster }) {
      const value = cluster.publicNetworkAccess;
      const evidence = [{ path: "properties.publicNetworkAccess", value: value ?? null, expected: "Disabled" }];
      if (sameText(value, "Disabled")) return pass("Public network access to the cluster is disabled.", evidence);
      if (value === undefined) return fail("Public network access is not set, so it defaults to Enabled.", evidence);
      if (sameText(value, "SecuredByPerimeter")) {
        return fail("Public network access is delegated to a network security perimeter (SecuredByPerimeter, preview), not disabled.", evidence);
      }
      return fail(`Public network access to the cluster is ${value}.`, evidence);
    },
  },
  {
    id: "node-public-ip-disabled",
    title: "No node has its own public IP",
    category: "network",
    severity: "high",
    rationale:
      "A node with a public IP is directly reachable from the internet and bypasses the cluster's controlled ingress and egress paths.",
    remediation: {
      text: "Node public IPs cannot be turned off on an existing pool: add a replacement pool without them, move the workloads, and delete the old pool.",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_143" },
      { source: "Prowler", id: "aks_clusters_created_with_private_nodes" },
      { source: "CIS AKS 1.8", id: "5.4.3" },
    ],
    data: "cluster",
    evaluate({ pools }) {
      return everyPool(pools, {
        field: "enableNodePublicIP",
        read: (pool) => pool.spec.enableNodePublicIP,
        ok: (value) => value !== true,
        expected: "not true",
        what: "have node public IPs disabled",
      });
    },
  },
  {
    id: "network-policy-enabled",
    title: "A network-policy engine is enforced",
    category: "network",
    severity: "high",
    rationale:
      "Without a network-policy engine, Kubernetes NetworkPolicy objects are silently ignored and every pod can reach every other pod.",
    remediation: {
      text: "Enable a network-policy engine: azure or calico, or cilium together with the Cilium dataplane.",
      command: "az aks update -g {resourceGroup} -n {name} --network-policy <network-policy>",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_7" },
      { source: "Prowler", id: "aks_network_policy_enabled" },
      { source: "Trivy", id: "AVD-AZU-0043" },
      { source: "CIS AKS 1.8", id: "5.4.4" },
      { source: "Kubescape", id: "C-0240" },
      { source: "PSRule", id: "Azure.AKS.NetworkPolicy" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const value = cluster.networkProfile?.networkPolicy;
      const evidence = [{ path: `${NETWORK}.networkPolicy`, value: value ?? null, expected: POLICY_ENGINES.join(", ") }];
      if (textIn(value, POLICY_ENGINES)) return pass(`Network policies are enforced by ${value}.`, evidence);
      if (value === undefined) return fail("No network-policy engine is set: NetworkPolicy objects are not enforced.", evidence);
      if (value.trim() === "") return fail("The network policy is empty: NetworkPolicy objects are not enforced.", evidence);
      if (sameText(value, "none")) return fail("The network policy is none: NetworkPolicy objects are not enforced.", evidence);
      return fail(`The network policy ${JSON.stringify(value)} is not a known network-policy engine.`, evidence);
    },
  },
  {
    id: "azure-cni",
    title: "Azure CNI is used rather than kubenet",
    category: "network",
    severity: "low",
    rationale:
      "Azure CNI (overlay or VNet) supports every AKS network-policy engine and current networking features; kubenet is being retired.",
    remediation: {
      text: "Migrate the cluster from kubenet to Azure CNI Overlay.",
      command: "az aks update -g {resourceGroup} -n {name} --network-plugin azure --network-plugin-mode overlay",
    },
    references: [
      { source: "Checkov", id: "CKV2_AZURE_29" },
      { source: "Azure Policy", id: "46238e2f-3f6f-4589-9f3f-77bed4116e67" },
      { source: "CIS AKS 1.8", id: "4.4" },
      { source: "Kubescape", id: "C-0240" },
      { source: "PSRule", id: "Azure.AKS.AzureCNI" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const profile = cluster.networkProfile;
      const plugin = profile?.networkPlugin;
      const evidence: Evidence[] = [
        { path: `${NETWORK}.networkPlugin`, value: plugin ?? null, expected: "azure" },
        { path: `${NETWORK}.networkPluginMode`, value: profile?.networkPluginMode ?? null },
        { path: `${NETWORK}.networkDataplane`, value: profile?.networkDataplane ?? null },
      ];
      if (sameText(plugin, "azure")) {
        const details = [
          profile?.networkPluginMode ? `in ${profile.networkPluginMode} mode` : undefined,
          profile?.networkDataplane ? `with the ${profile.networkDataplane} dataplane` : undefined,
        ].filter(Boolean);
        return pass(`The cluster uses Azure CNI${details.length > 0 ? ` ${details.join(" ")}` : ""}.`, evidence);
      }
      if (plugin === undefined) return fail("No network plugin is set, so the cluster uses the default kubenet.", evidence);
      if (sameText(plugin, "kubenet")) return fail("The cluster uses kubenet, which is being retired, instead of Azure CNI.", evidence);
      if (sameText(plugin, "none")) return fail("The cluster uses a bring-your-own CNI (networkPlugin none) instead of Azure CNI.", evidence);
      return fail(`The cluster uses the network plugin ${JSON.stringify(plugin)} instead of Azure CNI.`, evidence);
    },
  },
  {
    id: "standard-load-balancer",
    title: "The Basic load balancer is not used",
    category: "network",
    severity: "low",
    rationale:
      "The Basic load balancer is retired: it has no SLA, no availability zones and does not work with authorized IP ranges or multiple node pools.",
    remediation: {
      text: "Migrate the cluster from the Basic to the Standard load balancer.",
      command: "az aks update -g {resourceGroup} -n {name} --load-balancer-sku standard",
    },
    references: [{ source: "PSRule", id: "Azure.AKS.StandardLB" }],
    data: "cluster",
    evaluate({ cluster }) {
      const value = cluster.networkProfile?.loadBalancerSku;
      const evidence = [{ path: `${NETWORK}.loadBalancerSku`, value: value ?? null, expected: "standard" }];
      if (sameText(value, "standard")) return pass("The cluster uses the Standard load balancer.", evidence);
      // The API default is standard: a definition without the field (e.g. a template) gets a Standard LB.
      if (value === undefined) return pass("No load balancer SKU is set, so the cluster gets the default Standard load balancer.", evidence);
      if (sameText(value, "basic")) return fail("The cluster uses the retired Basic load balancer.", evidence);
      return fail(`The cluster uses the load balancer SKU ${JSON.stringify(value)} instead of Standard.`, evidence);
    },
  },
  {
    id: "http-app-routing-disabled",
    title: "The legacy HTTP application routing add-on is off",
    category: "network",
    severity: "medium",
    rationale:
      "The HTTP application routing add-on is retired, not meant for production, and exposes services through a public DNS zone without TLS.",
    remediation: {
      text: "Disable the add-on and move ingress to the application routing add-on or another supported ingress controller.",
      command: "az aks disable-addons -g {resourceGroup} -n {name} --addons http_application_routing",
    },
    references: [
      { source: "Checkov", id: "CKV_AZURE_246" },
      { source: "PSRule", id: "Azure.AKS.HttpAppRouting" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const enabled = addon(cluster, "httpApplicationRouting")?.profile.enabled;
      const evidence = [
        { path: addonPath(cluster, "httpApplicationRouting", "enabled"), value: enabled ?? null, expected: "missing or false" },
      ];
      return enabled === true
        ? fail("The legacy HTTP application routing add-on is enabled.", evidence)
        : pass("The legacy HTTP application routing add-on is off.", evidence);
    },
  },
  {
    id: "run-command-disabled",
    title: "Run command (az aks command invoke) is disabled",
    category: "network",
    severity: "medium",
    rationale:
      "Run command lets anyone with the Azure permission run kubectl inside the cluster through ARM, bypassing private-network and authorized-IP controls on the API server.",
    remediation: {
      text: "Disable run command.",
      command: "az aks update -g {resourceGroup} -n {name} --disable-run-command",
    },
    references: [
      { source: "Azure Policy", id: "89f2d532-c53c-4f8f-9afa-4927b1114a0d" },
      { source: "Azure Policy", id: "1b708b0a-3380-40e9-8b79-821f9fa224cc" },
    ],
    data: "cluster",
    evaluate({ cluster }) {
      const value = cluster.apiServerAccessProfile?.disableRunCommand;
      const evidence = [{ path: `${ACCESS}.disableRunCommand`, value: value ?? null, expected: "true" }];
      return value === true
        ? pass("Run command is disabled.", evidence)
        : fail("Run command is enabled: kubectl commands can be run in the cluster through ARM (az aks command invoke).", evidence);
    },
  },
  {
    id: "egress-controlled",
    title: "Egress goes through a controlled path",
    category: "network",
    severity: "info",
    rationale:
      "Routing egress through a firewall (user-defined routing) or a NAT gateway gives stable, auditable outbound IPs and a place to filter exfiltration.",
    remediation: {
      text: "Change the outbound type to one the profile accepts (by default userDefinedRouting, managedNATGateway or userAssignedNATGateway).",
      command: "az aks update -g {resourceGroup} -n {name} --outbound-type <outbound-type>",
    },
    references: [],
    data: "cluster",
    evaluate({ cluster, params }) {
      const value = cluster.networkProfile?.outboundType;
      const allowed = params.allowedOutboundTypes;
      const evidence = [{ path: `${NETWORK}.outboundType`, value: value ?? null, expected: allowed.join(", ") }];
      if (textIn(value, allowed)) return pass(`Egress goes through ${value}.`, evidence);
      if (value === undefined) {
        return fail("No outbound type is set, so egress leaves through the cluster load balancer (the default loadBalancer).", evidence);
      }
      return fail(`Egress goes through ${value}, which is not an accepted outbound type (${allowed.join(", ")}).`, evidence);
    },
  },
  {
    id: "apiserver-vnet-integration",
    title: "The API server is integrated into the cluster VNet",
    category: "network",
    severity: "info",
    rationale:
      "With API Server VNet Integration the API server gets a private IP in a delegated subnet, so node-to-control-plane traffic stays on the private network without a tunnel.",
    remediation: {
      text: "Enable API Server VNet Integration with a delegated subnet.",
      command: "az aks update -g {resourceGroup} -n {name} --enable-apiserver-vnet-integration --apiserver-subnet-id <subnet-id>",
    },
    references: [],
    data: "cluster",
    evaluate({ cluster }) {
      const access = cluster.apiServerAccessProfile;
      const evidence: Evidence[] = [
        { path: `${ACCESS}.enableVnetIntegration`, value: access?.enableVnetIntegration ?? null, expected: "true" },
        { path: `${ACCESS}.subnetId`, value: access?.subnetId ?? null },
      ];
      return access?.enableVnetIntegration === true
        ? pass("The API server is integrated into the cluster VNet.", evidence)
        : fail("API Server VNet Integration is off.", evidence);
    },
  },
];

/** Why one authorized-IP entry is not a safe restriction, or undefined when it is. */
function rangeProblem(
  range: string,
  params: Pick<BaselineParameters, "authorizedIpMinPrefixLength" | "authorizedIpv6MinPrefixLength">,
): { reason: string; expected: string } | undefined {
  const min4 = params.authorizedIpMinPrefixLength;
  const min6 = params.authorizedIpv6MinPrefixLength;
  const cidr = parseCidr(range);
  if (!cidr) return { reason: "not a valid CIDR", expected: "an IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24" };
  const v4Expected = `an IPv4 prefix of /${min4} or longer`;
  const v6Expected = `an IPv6 prefix of /${min6} or longer`;
  if (cidr.family === 4) {
    if (cidr.prefix === 0) return { reason: "open to every IPv4 address", expected: v4Expected };
    if (cidr.prefix < min4) return { reason: `/${cidr.prefix} is broader than /${min4}`, expected: v4Expected };
    return undefined;
  }
  if (cidr.prefix === 0) return { reason: "open to every IPv6 address", expected: v6Expected };
  if (cidr.prefix < min6) return { reason: `/${cidr.prefix} is broader than /${min6}`, expected: v6Expected };
  const v4Prefix = mappedIpv4Prefix(cidr);
  if (v4Prefix === 0) return { reason: "covers every IPv4 address as IPv4-mapped IPv6", expected: v4Expected };
  if (v4Prefix !== undefined && v4Prefix < min4) {
    return { reason: `an IPv4-mapped /${v4Prefix}, broader than /${min4}`, expected: v4Expected };
  }
  return undefined;
}

interface Cidr {
  family: 4 | 6;
  address: bigint;
  prefix: number;
}

/** `a.b.c.d/n` or an IPv6 CIDR; a bare address is a /32 or /128. */
function parseCidr(text: string): Cidr | undefined {
  const [addressText, prefixText, extra] = text.trim().split("/");
  if (addressText === undefined || extra !== undefined) return undefined;
  const v4 = parseIpv4(addressText);
  const family = v4 === undefined ? 6 : 4;
  const address = v4 ?? parseIpv6(addressText);
  if (address === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (prefixText === undefined) return { family, address, prefix: max };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= max ? { family, address, prefix } : undefined;
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Leading zeros are rejected, as Go's net.ParseCIDR (used by AKS) does: "010" is ambiguous (octal).
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let hex = text;
  if (text.includes(".")) {
    const lastColon = text.lastIndexOf(":");
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (lastColon < 0 || v4 === undefined) return undefined;
    hex = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = hex.split("::");
  if (halves.length > 2) return undefined;
  const split = (part: string | undefined): string[] => (part ? part.split(":") : []);
  const left = split(halves[0]);
  const right = split(halves[1]);
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(halves.length === 1 ? 0 : missing).fill("0"), ...right];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(`0x${group}`);
  }
  return value;
}

const IPV4_MAPPED = 0xffffn << 32n;

/**
 * The IPv4 prefix an IPv6 range amounts to when it covers IPv4-mapped addresses (::ffff:0:0/96):
 * `::ffff:0:0/96` is every IPv4 address, `::ffff:203.0.113.0/120` is a /24. Undefined otherwise.
 */
function mappedIpv4Prefix(cidr: Cidr): number | undefined {
  if (cidr.prefix <= 96) {
    const shift = BigInt(128 - cidr.prefix);
    return cidr.address >> shift === IPV4_MAPPED >> shift ? 0 : undefined;
  }
  return cidr.address >> 32n === 0xffffn ? cidr.prefix - 96 : undefined;
}
