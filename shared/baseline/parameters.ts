import { z } from "zod";

/** Tunables of the checks. Every field has a default; a profile may override any of them. */
export const baselineParametersSchema = z
  .object({
    /** api-authorized-ip-no-open-range: the shortest IPv4 prefix allowed in the allow-list. */
    authorizedIpMinPrefixLength: z.number().int().min(0).max(32).default(16),
    /** api-authorized-ip-no-open-range: the shortest IPv6 prefix allowed in the allow-list. */
    authorizedIpv6MinPrefixLength: z.number().int().min(0).max(128).default(48),
    /** egress-controlled: accepted `networkProfile.outboundType` values. */
    allowedOutboundTypes: z
      .array(z.string().min(1))
      .min(1)
      .default(["userDefinedRouting", "managedNATGateway", "userAssignedNATGateway"]),
    /** aad-admin-groups: approved admin group object ids; empty means any non-empty list passes. */
    allowedAdminGroupObjectIds: z.array(z.string().min(1)).default([]),
    /** cluster-auto-upgrade: accepted `autoUpgradeProfile.upgradeChannel` values. */
    allowedUpgradeChannels: z.array(z.string().min(1)).min(1).default(["patch", "stable", "rapid"]),
    /** image-cleaner: the longest accepted scan interval. */
    imageCleanerMaxIntervalHours: z.number().int().positive().default(168),
    /** upgrade-surge-configured: the smallest accepted maxSurge percentage; 0 means "set at all". */
    minMaxSurgePercent: z.number().min(0).max(100).default(0),
    /** max-pods-min: the smallest accepted maxPods per node. */
    minMaxPods: z.number().int().positive().default(50),
    /** availability-zones: the fewest zones a pool must span. */
    minAvailabilityZones: z.number().int().min(1).max(3).default(3),
    /** min-system-nodes: the fewest system nodes across system pools. */
    minSystemNodes: z.number().int().min(1).default(3),
    /** pool-version-skew: pools must match the control plane exactly, or only in minor version. */
    poolVersionMatch: z.enum(["exact", "minor"]).default("exact"),
    /** node-image-current: how many days behind the latest image a pool may be. */
    nodeImageMaxAgeDays: z.number().int().min(0).default(30),
    /** node-image-current: Windows pools must have had the monthly patch within this many days. */
    windowsPatchMaxAgeDays: z.number().int().min(0).default(35),
    /** nodes-pending-reboot: how long a node may wait for a reboot. */
    rebootGraceHours: z.number().min(0).default(48),
    /** managed-ingress: false when the cluster serves no public ingress (the check is then not applicable). */
    publicIngress: z.boolean().default(true),
    /** control-plane-audit-logs: log categories that must be enabled in one diagnostic setting (any of each group). */
    requiredAuditLogCategories: z
      .array(z.array(z.string().min(1)).min(1))
      .default([["kube-audit-admin", "kube-audit"], ["guard"]]),
  })
  .strict();

export type BaselineParameters = z.infer<typeof baselineParametersSchema>;

export const defaultParameters: BaselineParameters = baselineParametersSchema.parse({});
