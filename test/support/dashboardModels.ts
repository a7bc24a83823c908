/**
 * Dashboard models for the page tests: a small realistic fleet (findings in several categories, evidence,
 * remediation, history with an actor, suppressions, reboots and stale pools), a hostile one (markup in every
 * user-controlled field) and the benchmark's 2,000-cluster generator.
 */
import { failingFinding, FLEET_NOW, checksOfCatalogue, trendOf, withDerived, worstFirst } from "../../bench/dashboardFleet.js";
import { BASELINE_VERSION } from "../../shared/baseline/catalogue.js";
import { CATEGORIES, type Category } from "../../shared/baseline/types.js";
import type { DashboardCluster, DashboardModel } from "../../shared/dashboard/model.js";

export { syntheticFleet } from "../../bench/dashboardFleet.js";

export const PAYMENTS_SUB = "0b6f0f33-1c2d-4e5f-8a9b-000000000001";
const WEB_SUB = "0b6f0f33-1c2d-4e5f-8a9b-000000000002";
const DATA_SUB = "0b6f0f33-1c2d-4e5f-8a9b-000000000003";

const DAY_MS = 86_400_000;
const ago = (days: number) => new Date(Date.parse(FLEET_NOW) - days * DAY_MS).toISOString();
const SUMMARY = { pass: 45, fail: 0, error: 0, notApplicable: 9, exempt: 0 };

type ClusterInput = Omit<DashboardCluster, "worstSeverity" | "failingByCategory" | "id" | "summary" | "lastEvaluatedAt" | "lastTrigger" | "history" | "suppressions"> &
  Partial<Pick<DashboardCluster, "history" | "suppressions" | "summary" | "lastTrigger">>;

function cluster(input: ClusterInput): DashboardCluster {
  return withDerived({
    id: `/subscriptions/${input.subscriptionId}/resourceGroups/${input.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${input.name}`,
    summary: SUMMARY,
    lastEvaluatedAt: ago(0.1),
    lastTrigger: "sweep",
    history: [],
    suppressions: [],
    ...input,
  });
}

export function modelOf(clusters: DashboardCluster[]): DashboardModel {
  const sorted = worstFirst(clusters);
  return {
    generatedAt: FLEET_NOW,
    baseline: BASELINE_VERSION,
    checks: checksOfCatalogue(),
    categories: Object.keys(CATEGORIES) as Category[],
    trend: trendOf(sorted, FLEET_NOW, 14),
    clusters: sorted,
  };
}

export function smallFleet(): DashboardModel {
  const payments = { resourceGroup: "aks-prod", name: "prod-weu-payments" };
  const api = { resourceGroup: "aks-prod", name: "prod-neu-api" };
  const web = { resourceGroup: "aks-stg", name: "stg-neu-web" };
  const batch = { resourceGroup: "aks-dev", name: "dev-eus-batch" };
  const alice = { name: "alice@contoso.com", at: ago(2), operation: "Microsoft.ContainerService/managedClusters/write" };
  const snooze = { until: "2026-12-31T00:00:00.000Z", by: "secops@contoso.com", reason: "Private cluster migration planned for Q1" };
  const exemption = { kind: "exemption" as const, by: "tag aksmon-exempt", reason: "Break-glass SSH for the vendor's appliance" };
  return modelOf([
    cluster({
      subscriptionId: PAYMENTS_SUB,
      ...payments,
      location: "westeurope",
      kubernetesVersion: "1.32.5",
      tags: { env: "prod", team: "payments" },
      lastTrigger: "event",
      lastEventAt: ago(2),
      findings: [
        failingFinding("api-authorized-ip-ranges", payments, ago(2), {
          message: "The API server is open to the internet: no authorized IP ranges.",
          evidence: [{ path: "properties.apiServerAccessProfile.authorizedIPRanges", value: [], expected: "at least one CIDR" }],
        }),
        failingFinding("local-accounts-disabled", payments, ago(2), {
          evidence: [{ path: "properties.disableLocalAccounts", value: false, expected: "true" }],
        }),
        failingFinding("container-insights", payments, ago(20)),
        failingFinding("node-image-current", payments, ago(30)),
        failingFinding("private-cluster", payments, ago(60), { suppressed: { kind: "snooze", ...snooze } }),
      ],
      history: [
        {
          at: ago(2),
          trigger: "event",
          actor: alice,
          changes: [
            {
              check: "api-authorized-ip-ranges",
              kind: "newFailure",
              settings: [{ path: "properties.apiServerAccessProfile.authorizedIPRanges", before: ["10.0.0.0/8", "192.168.0.0/16", "172.16.0.0/12"], after: [] }],
            },
            {
              check: "local-accounts-disabled",
              kind: "regressed",
              settings: [{ path: "properties.disableLocalAccounts", before: true, after: false }],
            },
          ],
        },
      ],
      suppressions: [{ check: "private-cluster", ...snooze, createdAt: ago(10) }],
      nodeHealth: {
        reboots: [{ node: "aks-nodepool1-31718369-vmss000002", pool: "nodepool1", since: ago(9) }],
        pools: [
          { pool: "nodepool1", image: "AKSUbuntu-2204gen2containerd-202509.30.0", latest: "AKSUbuntu-2204gen2containerd-202511.15.0", daysBehind: 46, nodes: 3 },
          { pool: "system", image: "AKSUbuntu-2204gen2containerd-202511.15.0", latest: "AKSUbuntu-2204gen2containerd-202511.15.0", daysBehind: 0, nodes: 2 },
        ],
      },
    }),
    cluster({
      subscriptionId: PAYMENTS_SUB,
      ...api,
      location: "northeurope",
      kubernetesVersion: "1.33.2",
      tags: { env: "prod", team: "api" },
      summary: { ...SUMMARY, exempt: 2 },
      findings: [
        failingFinding("defender-sensor-profile", api, ago(5)),
        failingFinding("ssh-disabled", api, ago(5), { suppressed: exemption }),
        failingFinding("image-cleaner", api, ago(5), { suppressed: { ...exemption, until: "2027-03-31T00:00:00.000Z", reason: "Images are pinned until the migration" } }),
      ],
      nodeHealth: {
        reboots: [{ node: "aks-user-22334455-vmss000001", pool: "user", since: ago(3) }],
        pools: [{ pool: "user", image: "AKSUbuntu-2204gen2containerd-202510.20.0", latest: "AKSUbuntu-2204gen2containerd-202511.15.0", daysBehind: 26, nodes: 5 }],
      },
    }),
    cluster({
      subscriptionId: WEB_SUB,
      ...web,
      location: "northeurope",
      kubernetesVersion: "1.31.9",
      tags: { env: "stg", team: "web" },
      summary: { ...SUMMARY, error: 1 },
      findings: [
        failingFinding("azure-rbac-authz", web, ago(12)),
        failingFinding("ingress-waf", web, ago(12)),
        failingFinding("uptime-sla-tier", web, ago(12)),
        failingFinding("control-plane-audit-logs", web, ago(40), {
          status: "pass",
          lastStatus: "error",
          lastError: "403 reading the diagnostic settings",
        }),
      ],
      nodeHealth: { reboots: [], pools: [{ pool: "web", image: "AKSUbuntu-2204gen2containerd-202511.15.0", daysBehind: 0, nodes: 4 }] },
    }),
    cluster({
      subscriptionId: DATA_SUB,
      ...batch,
      location: "eastus",
      kubernetesVersion: "1.32.5",
      tags: { env: "dev", team: "data" },
      findings: [failingFinding("managed-prometheus", batch, ago(3)), failingFinding("secrets-store-csi", batch, ago(3))],
    }),
    cluster({
      subscriptionId: DATA_SUB,
      resourceGroup: "aks-dev",
      name: "dev-weu-sandbox",
      location: "westeurope",
      kubernetesVersion: "1.33.2",
      tags: { env: "dev", owner: "bob" },
      findings: [],
    }),
  ]);
}

export const HOSTILE = "<img src=x onerror=alert(1)>";
export const BREAKOUT = "</script><script>alert(2)</script>";

/** Markup and script-closing text in every field a cluster owner or an ARM caller controls. */
export function hostileFleet(): DashboardModel {
  const where = { resourceGroup: "rg-<b>x</b>", name: HOSTILE };
  return modelOf([
    cluster({
      subscriptionId: PAYMENTS_SUB,
      ...where,
      location: "westeurope",
      kubernetesVersion: "1.32.5",
      tags: { [HOSTILE]: BREAKOUT, env: "prod" },
      findings: [
        failingFinding("api-authorized-ip-ranges", where, ago(1), {
          message: `Open to <svg onload=alert(3)>`,
          evidence: [{ path: "tags.<iframe src=javascript:alert(4)>", value: BREAKOUT, expected: "<u>none</u>" }],
          suppressed: { kind: "snooze", until: ago(-5), by: "<script>alert(5)</script>", reason: "<a href=javascript:alert(6)>click</a>" },
        }),
      ],
      history: [
        {
          at: ago(1),
          trigger: "event",
          actor: { name: "<img src=y onerror=alert(7)>@contoso.com", at: ago(1) },
          changes: [{ check: "api-authorized-ip-ranges", kind: "newFailure", settings: [{ path: "<p>", before: "<b>", after: "</td>" }] }],
        },
      ],
      suppressions: [{ check: "api-authorized-ip-ranges", until: ago(-5), by: "<script>alert(5)</script>", reason: "<a href=javascript:alert(6)>click</a>", createdAt: ago(1) }],
    }),
    cluster({ subscriptionId: PAYMENTS_SUB, resourceGroup: "rg", name: BREAKOUT, tags: {}, findings: [] }),
  ]);
}

export function emptyFleet(): DashboardModel {
  return modelOf([]);
}
