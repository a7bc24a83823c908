import { describe, expect, it } from "vitest";
import { networkChecks } from "../../shared/baseline/checks/network.js";
import { CLUSTER_ID, clusterWith, compliantPool, findingFor, type Json, childPool } from "../support/clusters.js";

const RANGES = "properties.apiServerAccessProfile.authorizedIPRanges";

/** The compliant cluster made public, its API server limited to one authorized range. */
function publicWith(edit: (body: Json) => void): Json {
  return clusterWith((c) => {
    c.properties.apiServerAccessProfile = {
      authorizedIPRanges: ["203.0.113.0/24"],
      enablePrivateCluster: false,
      disableRunCommand: true,
      enableVnetIntegration: true,
      subnetId: c.properties.apiServerAccessProfile.subnetId,
    };
    delete c.properties.privateFQDN;
    edit(c);
  });
}

function withRanges(ranges: string[]): Json {
  return publicWith((c) => (c.properties.apiServerAccessProfile.authorizedIPRanges = ranges));
}

function privateCluster(edit: (body: Json) => void = () => {}): Json {
  return clusterWith((c) => {
    c.properties.apiServerAccessProfile.enablePrivateCluster = true;
    delete c.properties.apiServerAccessProfile.authorizedIPRanges;
    c.properties.privateFQDN = "aks-test-1a2b3c4d.privatelink.westeurope.azmk8s.io";
    edit(c);
  });
}

describe("network checks", () => {
  it("are the BASELINE.md section B checks, in order, with their metadata", () => {
    expect(networkChecks.map((check) => check.id)).toEqual([
      "api-authorized-ip-ranges",
      "api-authorized-ip-no-open-range",
      "private-cluster",
      "private-cluster-no-public-fqdn",
      "public-network-access-disabled",
      "node-public-ip-disabled",
      "network-policy-enabled",
      "azure-cni",
      "standard-load-balancer",
      "http-app-routing-disabled",
      "run-command-disabled",
      "egress-controlled",
      "apiserver-vnet-integration",
    ]);
    expect(networkChecks.map((check) => check.severity)).toEqual([
      "high", "high", "medium", "low", "medium", "high", "high", "low", "low", "medium", "medium", "info", "info",
    ]);
    for (const check of networkChecks) {
      expect(check.category).toBe("network");
      expect(check.data).toBe("cluster");
      if (check.remediation.command) expect(check.remediation.command).toMatch(/^az aks /);
    }
  });

  describe("api-authorized-ip-ranges", () => {
    it("passes a public cluster with authorized ranges", async () => {
      const finding = await findingFor("api-authorized-ip-ranges", publicWith(() => {}));
      expect(finding.status).toBe("pass");
      expect(finding.evidence).toContainEqual(expect.objectContaining({ path: RANGES, value: ["203.0.113.0/24"] }));
    });

    it("fails a public cluster without ranges, whether the list is missing or empty", async () => {
      const missing = await findingFor("api-authorized-ip-ranges", publicWith((c) => delete c.properties.apiServerAccessProfile.authorizedIPRanges));
      expect(missing.status).toBe("fail");
      expect(missing.evidence).toContainEqual(expect.objectContaining({ path: RANGES, value: null }));
      expect(missing.remediation).toBe("az aks update -g rg-test -n aks-test --api-server-authorized-ip-ranges <comma-separated-cidrs>");
      expect((await findingFor("api-authorized-ip-ranges", withRanges([]))).status).toBe("fail");
      expect((await findingFor("api-authorized-ip-ranges", publicWith((c) => delete c.properties.apiServerAccessProfile))).status).toBe("fail");
    });

    it("passes a private cluster without ranges (unlike Checkov's ARM CKV_AZURE_6)", async () => {
      const finding = await findingFor("api-authorized-ip-ranges", privateCluster());
      expect(finding.status).toBe("pass");
      expect(finding.message).toMatch(/private/);
      expect(finding.evidence).toContainEqual({ path: "properties.apiServerAccessProfile.enablePrivateCluster", value: true });
    });
  });

  describe("api-authorized-ip-no-open-range", () => {
    const check = "api-authorized-ip-no-open-range";

    it("passes narrow ranges, the 0.0.0.0/32 sentinel, bare IPs and narrow IPv6 ranges", async () => {
      expect((await findingFor(check, publicWith(() => {}))).status).toBe("pass");
      const finding = await findingFor(check, withRanges(["0.0.0.0/32", "10.1.0.0/16", "198.51.100.7", "2001:db8:1234::/48", "2001:db8::1", " 203.0.113.0/24 "]));
      expect(finding.status).toBe("pass");
      expect(finding.evidence).toEqual([{ path: RANGES, value: ["0.0.0.0/32", "10.1.0.0/16", "198.51.100.7", "2001:db8:1234::/48", "2001:db8::1", " 203.0.113.0/24 "] }]);
    });

    it("fails 0.0.0.0/0 and ::/0 with one evidence row per offending entry", async () => {
      const finding = await findingFor(check, withRanges(["203.0.113.0/24", "0.0.0.0/0", "::/0"]));
      expect(finding.status).toBe("fail");
      expect(finding.message).toMatch(/^2 of 3 authorized IP range\(s\)/);
      expect(finding.message).toContain('"0.0.0.0/0" (open to every IPv4 address)');
      expect(finding.message).toContain('"::/0" (open to every IPv6 address)');
      expect(finding.evidence).toEqual([
        { path: `${RANGES}[1]`, value: "0.0.0.0/0", expected: "an IPv4 prefix of /16 or longer" },
        { path: `${RANGES}[2]`, value: "::/0", expected: "an IPv6 prefix of /48 or longer" },
      ]);
    });

    it("fails prefixes broader than the configured limits, and follows the parameters", async () => {
      const broad = await findingFor(check, withRanges(["10.0.0.0/8", "2001:db8::/32"]));
      expect(broad.status).toBe("fail");
      expect(broad.message).toContain("/8 is broader than /16");
      expect(broad.message).toContain("/32 is broader than /48");
      const relaxed = await findingFor(check, withRanges(["10.0.0.0/8", "2001:db8::/32"]), {
        parameters: { authorizedIpMinPrefixLength: 8, authorizedIpv6MinPrefixLength: 32 },
      });
      expect(relaxed.status).toBe("pass");
      const anything = await findingFor(check, withRanges(["0.0.0.0/0"]), { parameters: { authorizedIpMinPrefixLength: 0 } });
      expect(anything.status).toBe("fail");
    });

    it("fails an unparseable entry with evidence instead of skipping it", async () => {
      const finding = await findingFor(check, withRanges(["203.0.113.0/24", "203.0.113.0/33", "not-an-ip", "203.0.113/24", "010.0.0.1/32", "1.2.3.4/", "2001:db8:::1/64"]));
      expect(finding.status).toBe("fail");
      expect(finding.message).toMatch(/^6 of 7/);
      expect(finding.evidence).toContainEqual({ path: `${RANGES}[2]`, value: "not-an-ip", expected: "an IPv4 or IPv6 CIDR, e.g. 203.0.113.0/24" });
      expect(finding.evidence.map((row) => row.path)).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${RANGES}[${i}]`));
    });

    it("sees through IPv4-mapped IPv6 ranges", async () => {
      const open = await findingFor(check, withRanges(["::ffff:0:0/96"]));
      expect(open.status).toBe("fail");
      expect(open.message).toContain("covers every IPv4 address as IPv4-mapped IPv6");
      expect(open.evidence).toEqual([{ path: `${RANGES}[0]`, value: "::ffff:0:0/96", expected: "an IPv4 prefix of /16 or longer" }]);
      expect((await findingFor(check, withRanges(["::/80"]))).status).toBe("fail");
      expect((await findingFor(check, withRanges(["::ffff:203.0.113.0/120"]))).status).toBe("pass");
      const broad = await findingFor(check, withRanges(["::ffff:10.0.0.0/104"]));
      expect(broad.status).toBe("fail");
      expect(broad.message).toContain("an IPv4-mapped /8, broader than /16");
    });

    it("is not applicable without ranges, saying why", async () => {
      const publicCluster = await findingFor(check, publicWith((c) => delete c.properties.apiServerAccessProfile.authorizedIPRanges));
      expect(publicCluster.status).toBe("notApplicable");
      expect(publicCluster.message).toMatch(/No authorized IP ranges are set.*api-authorized-ip-ranges/);
      const privateOne = await findingFor(check, privateCluster());
      expect(privateOne.status).toBe("notApplicable");
      expect(privateOne.message).toMatch(/private/);
    });
  });

  describe("private-cluster", () => {
    it("passes a private cluster and shows its private FQDN", async () => {
      const finding = await findingFor("private-cluster", privateCluster());
      expect(finding.status).toBe("pass");
      expect(finding.evidence).toContainEqual({ path: "properties.privateFQDN", value: "aks-test-1a2b3c4d.privatelink.westeurope.azmk8s.io" });
    });

    it("fails a public cluster", async () => {
      const finding = await findingFor("private-cluster", publicWith((c) => (c.properties.apiServerAccessProfile.enablePrivateCluster = false)));
      expect(finding.status).toBe("fail");
      expect(finding.evidence).toContainEqual({ path: "properties.apiServerAccessProfile.enablePrivateCluster", value: false, expected: "true" });
      expect(finding.remediation).toBe("az aks update -g rg-test -n aks-test --enable-private-cluster");
      expect((await findingFor("private-cluster", publicWith((c) => delete c.properties.apiServerAccessProfile))).status).toBe("fail");
    });
  });

  describe("private-cluster-no-public-fqdn", () => {
    const check = "private-cluster-no-public-fqdn";

    it("passes a private cluster without a public FQDN (explicit false or missing)", async () => {
      const off = await findingFor(check, privateCluster((c) => (c.properties.apiServerAccessProfile.enablePrivateClusterPublicFQDN = false)));
      expect(off.status).toBe("pass");
      expect((await findingFor(check, privateCluster())).status).toBe("pass");
    });

    it("fails a private cluster that also publishes a public FQDN", async () => {
      const finding = await findingFor(check, privateCluster((c) => {
        c.properties.apiServerAccessProfile.enablePrivateClusterPublicFQDN = true;
        c.properties.fqdn = "aks-test-abc.hcp.westeurope.azmk8s.io";
      }));
      expect(finding.status).toBe("fail");
      expect(finding.message).toContain("aks-test-abc.hcp.westeurope.azmk8s.io");
      expect(finding.evidence).toContainEqual({ path: "properties.apiServerAccessProfile.enablePrivateClusterPublicFQDN", value: true, expected: "not true" });
      expect(finding.remediation).toBe("az aks update -g rg-test -n aks-test --disable-public-fqdn");
    });

    it("is not applicable to a public cluster", async () => {
      const finding = await findingFor(check, publicWith((c) => (c.properties.apiServerAccessProfile.enablePrivateClusterPublicFQDN = true)));
      expect(finding.status).toBe("notApplicable");
      expect(finding.message).toMatch(/not private/);
    });
  });

  describe("public-network-access-disabled", () => {
    const check = "public-network-access-disabled";

    it("passes Disabled in any case", async () => {
      expect((await findingFor(check, publicWith(() => {}))).status).toBe("pass");
      expect((await findingFor(check, publicWith((c) => (c.properties.publicNetworkAccess = "disabled")))).status).toBe("pass");
    });

    it("fails Enabled, a missing value and SecuredByPerimeter", async () => {
      const enabled = await findingFor(check, publicWith((c) => (c.properties.publicNetworkAccess = "Enabled")));
      expect(enabled.status).toBe("fail");
      expect(enabled.evidence).toEqual([{ path: "properties.publicNetworkAccess", value: "Enabled", expected: "Disabled" }]);
      expect(enabled.remediation).toBeUndefined();
      const missing = await findingFor(check, publicWith((c) => delete c.properties.publicNetworkAccess));
      expect(missing.status).toBe("fail");
      expect(missing.message).toMatch(/defaults to Enabled/);
      const perimeter = await findingFor(check, publicWith((c) => (c.properties.publicNetworkAccess = "SecuredByPerimeter")));
      expect(perimeter.status).toBe("fail");
      expect(perimeter.message).toMatch(/perimeter/);
    });
  });

  describe("node-public-ip-disabled", () => {
    const check = "node-public-ip-disabled";

    it("passes when no pool has node public IPs (false or missing)", async () => {
      const finding = await findingFor(check, publicWith((c) => {
        const user = compliantPool("user", { mode: "User" });
        delete user.enableNodePublicIP;
        c.properties.agentPoolProfiles.push(user);
      }));
      expect(finding.status).toBe("pass");
      expect(finding.message).toBe("All 2 node pool(s) have node public IPs disabled.");
    });

    it("fails a second profile pool with node public IPs while the first passes (not pool[0] only)", async () => {
      const finding = await findingFor(check, publicWith((c) => c.properties.agentPoolProfiles.push(compliantPool("user", { mode: "User", enableNodePublicIP: true }))));
      expect(finding.status).toBe("fail");
      expect(finding.message).toBe("1 of 2 node pool(s) do not have node public IPs disabled: user.");
      expect(finding.evidence).toEqual([{ path: "properties.agentPoolProfiles[user].enableNodePublicIP", value: true, expected: "not true" }]);
    });

    it("checks agentPools child resources too, and they win over the profile copy", async () => {
      const childOnly = await findingFor(check, publicWith(() => {}), {
        agentPools: [childPool("system"), childPool("npwin", { osType: "Windows", mode: "User", enableNodePublicIP: true })],
      });
      expect(childOnly.status).toBe("fail");
      expect(childOnly.evidence).toEqual([{ path: "agentPools/npwin.properties.enableNodePublicIP", value: true, expected: "not true" }]);

      const changedOnItsOwn = await findingFor(check, publicWith(() => {}), {
        agentPools: [childPool("system", { enableNodePublicIP: true })],
      });
      expect(changedOnItsOwn.status).toBe("fail");
      expect(changedOnItsOwn.evidence[0]?.path).toBe("agentPools/system.properties.enableNodePublicIP");

      const fixedOnItsOwn = await findingFor(check, publicWith((c) => (c.properties.agentPoolProfiles[0].enableNodePublicIP = true)), {
        agentPools: [childPool("system", { enableNodePublicIP: false })],
      });
      expect(fixedOnItsOwn.status).toBe("pass");
    });

    it("is an error, never a pass, without pools", async () => {
      const finding = await findingFor(check, publicWith((c) => (c.properties.agentPoolProfiles = [])));
      expect(finding.status).toBe("error");
      expect(finding.errorKind).toBe("missingData");
    });
  });

  describe("network-policy-enabled", () => {
    const check = "network-policy-enabled";
    const policy = (value: unknown) => publicWith((c) => (c.properties.networkProfile.networkPolicy = value));

    it("passes azure, calico and cilium in any case (cilium passes, unlike Kubescape C-0240 and PSRule)", async () => {
      expect((await findingFor(check, publicWith(() => {}))).status).toBe("pass");
      const azure = await findingFor(check, policy("Azure"));
      expect(azure.status).toBe("pass");
      expect(azure.message).toBe("Network policies are enforced by Azure.");
      expect((await findingFor(check, policy("CALICO"))).status).toBe("pass");
      expect((await findingFor(check, policy("Cilium"))).status).toBe("pass");
    });

    it("fails none, an empty value and a missing value (unlike Checkov CKV_AZURE_7)", async () => {
      const none = await findingFor(check, policy("none"));
      expect(none.status).toBe("fail");
      expect(none.evidence).toEqual([{ path: "properties.networkProfile.networkPolicy", value: "none", expected: "azure, calico, cilium" }]);
      expect((await findingFor(check, policy("None"))).status).toBe("fail");
      const empty = await findingFor(check, policy(""));
      expect(empty.status).toBe("fail");
      expect(empty.message).toMatch(/empty/);
      const missing = await findingFor(check, publicWith((c) => delete c.properties.networkProfile.networkPolicy));
      expect(missing.status).toBe("fail");
      expect(missing.evidence[0]?.value).toBeNull();
      expect((await findingFor(check, policy("weave"))).status).toBe("fail");
      expect(none.remediation).toBe("az aks update -g rg-test -n aks-test --network-policy <network-policy>");
    });
  });

  describe("azure-cni", () => {
    const check = "azure-cni";

    it("passes Azure CNI in any case and describes its mode", async () => {
      const finding = await findingFor(check, publicWith(() => {}));
      expect(finding.status).toBe("pass");
      expect(finding.message).toBe("The cluster uses Azure CNI in overlay mode with the cilium dataplane.");
      expect(finding.evidence).toContainEqual({ path: "properties.networkProfile.networkPluginMode", value: "overlay" });
      expect((await findingFor(check, publicWith((c) => (c.properties.networkProfile.networkPlugin = "Azure")))).status).toBe("pass");
    });

    it("fails kubenet, a missing plugin (kubenet by default) and a bring-your-own CNI", async () => {
      const kubenet = await findingFor(check, publicWith((c) => {
        c.properties.networkProfile = { networkPlugin: "kubenet", loadBalancerSku: "Standard", outboundType: "loadBalancer" };
      }));
      expect(kubenet.status).toBe("fail");
      expect(kubenet.evidence).toContainEqual({ path: "properties.networkProfile.networkPlugin", value: "kubenet", expected: "azure" });
      expect(kubenet.remediation).toBe("az aks update -g rg-test -n aks-test --network-plugin azure --network-plugin-mode overlay");
      const missing = await findingFor(check, publicWith((c) => delete c.properties.networkProfile));
      expect(missing.status).toBe("fail");
      expect(missing.message).toMatch(/default kubenet/);
      const byo = await findingFor(check, publicWith((c) => (c.properties.networkProfile.networkPlugin = "none")));
      expect(byo.status).toBe("fail");
      expect(byo.message).toMatch(/bring-your-own/);
    });
  });

  describe("standard-load-balancer", () => {
    const check = "standard-load-balancer";
    const sku = (value: unknown) => publicWith((c) => (c.properties.networkProfile.loadBalancerSku = value));

    it("passes Standard in any case, and a missing SKU (the API default is standard)", async () => {
      expect((await findingFor(check, publicWith(() => {}))).status).toBe("pass");
      expect((await findingFor(check, sku("Standard"))).status).toBe("pass");
      const missing = await findingFor(check, publicWith((c) => delete c.properties.networkProfile.loadBalancerSku));
      expect(missing.status).toBe("pass");
      expect(missing.message).toMatch(/default Standard/);
    });

    it("fails the Basic load balancer", async () => {
      const basic = await findingFor(check, sku("Basic"));
      expect(basic.status).toBe("fail");
      expect(basic.evidence).toEqual([{ path: "properties.networkProfile.loadBalancerSku", value: "Basic", expected: "standard" }]);
      expect(basic.remediation).toBe("az aks update -g rg-test -n aks-test --load-balancer-sku standard");
      expect((await findingFor(check, sku("basic"))).status).toBe("fail");
    });
  });

  describe("http-app-routing-disabled", () => {
    const check = "http-app-routing-disabled";

    it("passes when the add-on is missing or off", async () => {
      expect((await findingFor(check, publicWith(() => {}))).status).toBe("pass");
      const off = await findingFor(check, publicWith((c) => (c.properties.addonProfiles.httpApplicationRouting = { enabled: false })));
      expect(off.status).toBe("pass");
    });

    it("fails the enabled add-on whatever the case of its key", async () => {
      const finding = await findingFor(check, publicWith((c) => (c.properties.addonProfiles.HttpApplicationRouting = { enabled: true })));
      expect(finding.status).toBe("fail");
      expect(finding.evidence).toEqual([{ path: "properties.addonProfiles.HttpApplicationRouting.enabled", value: true, expected: "missing or false" }]);
      expect(finding.remediation).toBe("az aks disable-addons -g rg-test -n aks-test --addons http_application_routing");
      expect((await findingFor(check, publicWith((c) => (c.properties.addonProfiles.httpapplicationrouting = { enabled: true })))).status).toBe("fail");
    });
  });

  describe("run-command-disabled", () => {
    it("passes when run command is disabled and fails otherwise", async () => {
      expect((await findingFor("run-command-disabled", publicWith(() => {}))).status).toBe("pass");
      const enabled = await findingFor("run-command-disabled", publicWith((c) => (c.properties.apiServerAccessProfile.disableRunCommand = false)));
      expect(enabled.status).toBe("fail");
      expect(enabled.evidence).toEqual([{ path: "properties.apiServerAccessProfile.disableRunCommand", value: false, expected: "true" }]);
      expect(enabled.remediation).toBe("az aks update -g rg-test -n aks-test --disable-run-command");
      expect((await findingFor("run-command-disabled", publicWith((c) => delete c.properties.apiServerAccessProfile.disableRunCommand))).status).toBe("fail");
    });
  });

  describe("egress-controlled", () => {
    const check = "egress-controlled";
    const outbound = (value: unknown) => publicWith((c) => (c.properties.networkProfile.outboundType = value));

    it("passes the accepted outbound types in any case", async () => {
      expect((await findingFor(check, publicWith(() => {}))).status).toBe("pass");
      expect((await findingFor(check, outbound("UserDefinedRouting"))).status).toBe("pass");
      expect((await findingFor(check, outbound("managedNATGateway"))).status).toBe("pass");
      expect((await findingFor(check, outbound("userAssignedNATGateway"))).status).toBe("pass");
    });

    it("fails loadBalancer and a missing outbound type (default loadBalancer)", async () => {
      const lb = await findingFor(check, outbound("loadBalancer"));
      expect(lb.status).toBe("fail");
      expect(lb.evidence).toEqual([{
        path: "properties.networkProfile.outboundType",
        value: "loadBalancer",
        expected: "userDefinedRouting, managedNATGateway, userAssignedNATGateway",
      }]);
      const missing = await findingFor(check, publicWith((c) => delete c.properties.networkProfile.outboundType));
      expect(missing.status).toBe("fail");
      expect(missing.message).toMatch(/default loadBalancer/);
    });

    it("follows the allowedOutboundTypes parameter", async () => {
      const finding = await findingFor(check, outbound("loadBalancer"), { parameters: { allowedOutboundTypes: ["loadBalancer"] } });
      expect(finding.status).toBe("pass");
    });
  });

  describe("apiserver-vnet-integration", () => {
    it("passes with VNet integration and fails without it", async () => {
      const on = await findingFor("apiserver-vnet-integration", publicWith(() => {}));
      expect(on.status).toBe("pass");
      expect(on.evidence[1]?.path).toBe("properties.apiServerAccessProfile.subnetId");
      const off = await findingFor("apiserver-vnet-integration", publicWith((c) => (c.properties.apiServerAccessProfile.enableVnetIntegration = false)));
      expect(off.status).toBe("fail");
      expect(off.evidence[0]).toEqual({ path: "properties.apiServerAccessProfile.enableVnetIntegration", value: false, expected: "true" });
      expect(off.remediation).toBe(
        "az aks update -g rg-test -n aks-test --enable-apiserver-vnet-integration --apiserver-subnet-id <subnet-id>",
      );
      expect((await findingFor("apiserver-vnet-integration", publicWith((c) => delete c.properties.apiServerAccessProfile.enableVnetIntegration))).status).toBe("fail");
    });
  });
});
