import { z } from "zod";
import { SEVERITIES } from "../baseline/types.js";
import { isSubscriptionId } from "../model/clusterRef.js";

const isGuid = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);

/**
 * App settings / environment variables, parsed and validated once. Every name here is listed with a
 * comment in local.settings.sample.json. A bad value fails fast with a message that names the setting.
 */
export const settingsSchema = z.object({
  STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
  AzureWebJobsStorage: z.string().min(1).optional(),
  /** Identity-based storage (no keys): the Functions host's own settings, read by the product too. */
  AzureWebJobsStorage__tableServiceUri: z.url({ protocol: /^https$/ }).optional(),
  AzureWebJobsStorage__accountName: z.string().regex(/^[a-z0-9]{3,24}$/, "must be a storage account name").optional(),
  AKSMON_HOME: z.string().min(1).default(".aksmon"),
  TEAMS_WEBHOOK_URL: z.url({ protocol: /^https$/ }).optional(),
  MONITOR_SUBSCRIPTIONS: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((id) => id.trim()).filter(Boolean))
    .refine((ids) => ids.every(isSubscriptionId), "must be comma-separated subscription ids (GUIDs)"),
  AZURE_RESOURCE_MANAGER_ENDPOINT: z.url({ protocol: /^https$/ }).default("https://management.azure.com"),
  AZURE_ACCESS_TOKEN: z.string().min(1).optional(),
  AKSMON_PROFILE: z.string().min(1).optional(),
  /** Read nodes from each cluster's Kubernetes API (pending reboots, node images per node). */
  AKSMON_READ_NODES: z
    .enum(["true", "false", "True", "False", "1", "0"])
    .default("false")
    .transform((value) => value === "true" || value === "True" || value === "1"),
  SWEEP_SCHEDULE: z.string().min(1).default("0 0 2 * * *"),
  /** Transitions below this severity are recorded, not alerted. */
  ALERT_MIN_SEVERITY: z.enum(SEVERITIES).default("medium"),
  /** At most one card per cluster per this many minutes; news within it joins the next card. */
  ALERT_COOLDOWN_MINUTES: z.coerce.number().int().min(0).max(1440).default(10),
  /**
   * How long the first event of a burst waits before the cluster is read, so that the other events of the
   * same change (a cluster write, pool writes, AKS events) join its one evaluation.
   */
  EVENT_SETTLE_SECONDS: z.coerce.number().min(0).max(30).default(2),
  /** A check whose verdict changes FLAP_THRESHOLD times within FLAP_WINDOW_HOURS is reported once as flapping. */
  FLAP_WINDOW_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  FLAP_THRESHOLD: z.coerce.number().int().min(2).max(20).default(3),
  /** Days kept of evaluations, processed events and sent alerts. */
  RETENTION_DAYS: z.coerce.number().int().positive().default(90),
  /**
   * The Entra ID app role a caller of the recheck endpoint must hold (the `roles` claim of the Easy Auth
   * principal, header x-ms-client-principal); unset: the function key alone admits.
   */
  RECHECK_REQUIRED_ROLE: z.string().trim().min(1).max(120).optional(),
  /**
   * Tenants whose users may act through the bot (comma-separated tenant ids); unset: the bot's own
   * tenant (MicrosoftAppTenantId). An activity from any other tenant is refused before any read.
   */
  BOT_ALLOWED_TENANTS: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((id) => id.trim().toLowerCase()).filter(Boolean))
    .refine((ids) => ids.every(isGuid), "must be comma-separated tenant ids (GUIDs)"),
  /**
   * The Teams conversations (ids, comma-separated) that receive alerts; an install alone subscribes
   * nothing. Their members are who may act (status, recheck, snooze) through the bot.
   */
  ALERT_CONVERSATIONS: z
    .string()
    .optional()
    .transform((value) => (value ?? "").split(",").map((id) => id.trim()).filter(Boolean))
    .refine((ids) => ids.every((id) => /^[\w:@.;=-]{1,256}$/.test(id)), "must be comma-separated Teams conversation ids"),
  /** The longest snooze, in days. */
  SNOOZE_MAX_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  /** A snooze of a check at or above this severity needs a reason. */
  SNOOZE_REASON_SEVERITY: z.enum(SEVERITIES).default("critical"),
  /** An undelivered alert is retried for this many hours (Retry-After respected), then it is dead. */
  ALERT_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(720).default(48),
  /** A sweep not complete this many minutes after it started sends its digest with what was read. */
  SWEEP_DEADLINE_MINUTES: z.coerce.number().int().min(5).max(1440).default(120),
  /** Days kept of the audit trail (snoozes, unsnoozes, exemption changes, rechecks). */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().default(400),
  /** The Teams bot (Bot Framework's own names): unset MicrosoftAppId means no bot. */
  MicrosoftAppId: z.string().min(1).optional(),
  MicrosoftAppPassword: z.string().min(1).optional(),
  MicrosoftAppType: z.enum(["MultiTenant", "SingleTenant", "UserAssignedMSI"]).optional(),
  MicrosoftAppTenantId: z.string().min(1).optional(),
});

export type Settings = z.infer<typeof settingsSchema>;

export class SettingsError extends Error {}

/** Reads the settings from an environment (process.env by default); throws a SettingsError naming the bad one. */
export function readSettings(env: Record<string, string | undefined> = process.env): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ""));
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path[0] === undefined ? "settings" : String(issue.path[0]);
    throw new SettingsError(`Setting ${name} is invalid: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
