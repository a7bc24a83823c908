import { dataProtectionChecks } from "./checks/dataProtection.js";
import { governanceChecks } from "./checks/governance.js";
import { identityChecks } from "./checks/identity.js";
import { ingressChecks } from "./checks/ingress.js";
import { lifecycleChecks } from "./checks/lifecycle.js";
import { monitoringChecks } from "./checks/monitoring.js";
import { networkChecks } from "./checks/network.js";
import { nodePoolChecks } from "./checks/nodePools.js";
import type { Check } from "./types.js";

/** The version of the check catalogue, carried by every report and stored finding. */
export const BASELINE_VERSION = "aksmon-baseline-2026.11";

/** Every check of BASELINE.md, in its order. Adding a check means adding it to its category's file. */
export const catalogue: readonly Check[] = [
  ...identityChecks,
  ...networkChecks,
  ...dataProtectionChecks,
  ...monitoringChecks,
  ...governanceChecks,
  ...lifecycleChecks,
  ...nodePoolChecks,
  ...ingressChecks,
];

const byId = new Map(catalogue.map((check) => [check.id, check]));

export function findCheck(id: string): Check | undefined {
  return byId.get(id);
}
