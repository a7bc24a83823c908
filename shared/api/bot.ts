/**
 * The instance's Teams bot, when one is configured (MicrosoftAppId): created on first use, with the bot
 * stack loaded then (loadTeamsBot), never by importing this module. Shared by the messages endpoint and
 * alert delivery, so both use one adapter and one set of conversations.
 */
import { loadTeamsBot, type TeamsBot, type TeamsBotOptions } from "../alerts/bot/index.js";
import type { ApiRuntime } from "./instance.js";
import type { Recheck } from "../alerts/bot/index.js";
import type { Settings } from "../config/settings.js";
import { parseClusterId } from "../model/clusterRef.js";
import { recheckDeps } from "./instance.js";
import { recheckCluster } from "./recheck.js";
import { clusterRouteRef, inScope } from "./routeParams.js";

let bot: Promise<TeamsBot> | undefined;

/**
 * Tests: options merged into the instance bot's (the connector's token issuer as
 * `authSettings`, a fixed-token `credentialsFactory`), as a deployment's Bot Framework endpoints would be.
 */
export const instanceBotTestOptions: { extra?: Partial<TeamsBotOptions> } = {};

export function botConfigured(runtime: Pick<ApiRuntime, "settings">): boolean {
  return Boolean(runtime.settings.MicrosoftAppId);
}

export function instanceBot(runtime: ApiRuntime, log?: (message: string, error?: unknown) => void): Promise<TeamsBot> {
  bot ??= loadTeamsBot()
    .then(({ createTeamsBot }) => {
      const { settings } = runtime;
      return createTeamsBot({
        store: runtime.store,
        recheck: botRecheck(runtime),
        ...(settings.MicrosoftAppId ? { appId: settings.MicrosoftAppId } : {}),
        ...(settings.MicrosoftAppPassword ? { appPassword: settings.MicrosoftAppPassword } : {}),
        ...(settings.MicrosoftAppTenantId ? { appTenantId: settings.MicrosoftAppTenantId } : {}),
        ...(settings.MicrosoftAppType ? { appType: settings.MicrosoftAppType } : {}),
        allowedTenants: botAllowedTenants(settings),
        alertConversations: settings.ALERT_CONVERSATIONS,
        subscriptions: settings.MONITOR_SUBSCRIPTIONS,
        snoozeMaxDays: settings.SNOOZE_MAX_DAYS,
        snoozeReasonSeverity: settings.SNOOZE_REASON_SEVERITY,
        ...(log ? { log } : {}),
        ...instanceBotTestOptions.extra,
      });
    })
    .catch((error: unknown) => {
      bot = undefined;
      throw error;
    });
  return bot;
}

/** BOT_ALLOWED_TENANTS, else the bot's own tenant; empty: the bot refuses everyone (never allow-all). */
export function botAllowedTenants(settings: Pick<Settings, "BOT_ALLOWED_TENANTS" | "MicrosoftAppTenantId">): string[] {
  if (settings.BOT_ALLOWED_TENANTS.length > 0) return settings.BOT_ALLOWED_TENANTS;
  return settings.MicrosoftAppTenantId ? [settings.MicrosoftAppTenantId.toLowerCase()] : [];
}

/** Tests: forget the instance's bot. */
export function resetInstanceBot(): void {
  bot = undefined;
}

/**
 * The bot's recheck: the same validation, scope, cooldown and pipeline as the HTTP endpoint, answered
 * in a few lines. Teams waits about 15 s for the bot, so it waits at most 10.
 */
export function botRecheck(runtime: ApiRuntime): Recheck {
  return async (clusterId, requestedBy) => {
    const parsed = parseClusterId(clusterId);
    const ref = parsed && parsed.childPath === "" ? clusterRouteRef({ subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, clusterName: parsed.name }) : undefined;
    if (!ref?.ok) return { error: "That is not the id of a managed cluster." };
    if (!inScope(ref.value.subscriptionId, runtime.settings.MONITOR_SUBSCRIPTIONS)) return { error: "That cluster's subscription is not monitored here." };
    const outcome = await recheckCluster(ref.value, recheckDeps(runtime, { waitMs: 10_000 }), { by: requestedBy, via: "bot" });
    switch (outcome.kind) {
      case "evaluated": {
        const { summary } = outcome.result.evaluation;
        const changes = outcome.result.transitions.filter((t) => t.kind !== "unchanged" && t.kind !== "stillFailing").length;
        return { summary: `${summary.fail} failing, ${summary.error} in error, ${summary.pass} passing; ${changes} change(s) since the last evaluation.` };
      }
      case "accepted":
        return { summary: "Azure is slow to answer: the evaluation goes on, and any change will come as an alert." };
      case "cooldown":
        return { error: `It was rechecked moments ago; try again in ${outcome.retryAfterSeconds} s.` };
      case "unreadable":
        return { error: outcome.reason.kind === "notFound" ? "Azure has no such cluster (deleted?)." : `Azure could not be read (${outcome.reason.kind}).` };
    }
  };
}
