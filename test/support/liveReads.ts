/**
 * What the live-read tests (armReader, inventory, fleetCalls, kubeNodes) share: a product ARM connection
 * to the test server with fast retries, fixture clusters dressed for the external checks (auto-upgrade
 * channels, the AGIC add-on, maintenance windows re-homed under a cluster), and finding look-ups.
 */
import { catalogue } from "../../shared/baseline/catalogue.js";
import type { ClusterEvaluation, Finding } from "../../shared/baseline/types.js";
import { connectArm, type ArmConnection } from "../../shared/sources/arm/armConnection.js";
import type { ArmTrafficOptions } from "../../shared/sources/arm/armTraffic.js";
import { restExampleBody } from "./armFixtures.js";
import type { ArmServer } from "./armServer.js";
import { fixedTokenCredential } from "./credential.js";
import type { Json } from "./httpsServer.js";

/** Subscriptions of the live-read tests (GUIDs, as the command line demands). */
export const SUBSCRIPTIONS = [
  "11111111-1111-4111-8111-111111111111",
  "22222222-2222-4222-8222-222222222222",
  "33333333-3333-4333-8333-333333333333",
  "44444444-4444-4444-8444-444444444444",
  "55555555-5555-4555-8555-555555555555",
] as const;

/** The checks that need data beyond the managed cluster body (`data: "external"`). */
export const EXTERNAL_CHECKS: readonly string[] = catalogue.filter((check) => check.data === "external").map((check) => check.id);

/**
 * The product's connection to a test server, with the test server's token and retries fast enough for
 * tests (20 ms first backoff, 200 ms at most, a 5 s timeout per attempt unless overridden).
 */
export function connectTo(arm: ArmServer, traffic: Partial<ArmTrafficOptions> = {}): Promise<ArmConnection> {
  return connectArm({
    endpoint: arm.url,
    credential: fixedTokenCredential(arm.token),
    traffic: { backoffMs: 20, maxBackoffMs: 200, timeoutMs: 5_000, ...traffic },
  });
}

/** The finding of one check; throws when the evaluation has none (so a typo cannot pass). */
export function findingOf(evaluation: ClusterEvaluation, check: string): Finding {
  const finding = evaluation.findings.find((f) => f.check === check);
  if (!finding) throw new Error(`no finding for ${check} in ${evaluation.name}`);
  return finding;
}

/** `{ check: status }` for the given checks, for one-line assertions. */
export function statusesOf(evaluation: ClusterEvaluation, checks: readonly string[] = EXTERNAL_CHECKS): Record<string, string> {
  return Object.fromEntries(checks.map((check) => [check, findingOf(evaluation, check).status]));
}

/** A deep copy of a cluster body with `edit` applied to it. */
export function edited(body: Json, edit: (copy: Json) => void): Json {
  const copy = structuredClone(body);
  edit(copy);
  return copy;
}

/** A copy with Kubernetes and node OS auto-upgrade channels on (so maintenance-windows wants both windows). */
export function withUpgradeChannels(body: Json, upgradeChannel = "patch", nodeOSUpgradeChannel = "NodeImage"): Json {
  return edited(body, (copy) => {
    copy.properties.autoUpgradeProfile = { upgradeChannel, nodeOSUpgradeChannel };
  });
}

/** A copy with the Application Gateway Ingress Controller add-on on, driving this gateway. */
export function withAgic(body: Json, gatewayId: string): Json {
  return edited(body, (copy) => {
    copy.properties.addonProfiles = {
      ...(copy.properties.addonProfiles ?? {}),
      ingressApplicationGateway: {
        enabled: true,
        config: { applicationGatewayId: gatewayId, effectiveApplicationGatewayId: gatewayId },
        identity: { resourceId: `${gatewayId}-identity`, clientId: "00000000-0000-0000-0000-00000000a61c", objectId: "00000000-0000-0000-0000-00000000a61d" },
      },
    };
  });
}

/**
 * The REST example's two maintenance windows (aksManagedNodeOSUpgradeSchedule and
 * aksManagedAutoUpgradeSchedule), re-homed under another cluster; `only` keeps the named ones.
 */
export function maintenanceWindowsOf(clusterId: string, only?: readonly string[]): Json[] {
  const configs: Json[] = restExampleBody("MaintenanceConfigurationsList_MaintenanceWindow").value;
  return configs
    .filter((config) => only === undefined || only.includes(String(config.name)))
    .map((config) => ({ ...structuredClone(config), id: `${clusterId}/maintenanceConfigurations/${config.name}` }));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function unusedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
