/**
 * The alertDelivery timer's work: the outbox drained to the Teams webhook (TEAMS_WEBHOOK_URL) and, when
 * a bot is configured, to the bot's conversations. Pacers live as long as the instance, so Teams' rate
 * windows hold across invocations. A storage failure throws (the next tick tries again).
 *
 * Whether alerts can reach anyone at all (`deliveryReadiness`) is what the health endpoint reports and what
 * the timer logs as an error at its first run: a bot installed in none of the alert conversations, or no
 * channel. A bot with nowhere to post makes alerts wait (retry), never die: installing it is a setup step
 * that may come after the first alerts.
 */
import { defaultDeliveryOptions, deliverDue, type DeliveryChannel, type DeliveryReport, type OutboxStore } from "../alerts/delivery.js";
import { Pacer } from "../alerts/pacer.js";
import { postToWebhook, redactUrl } from "../alerts/webhook.js";
import type { Settings } from "../config/settings.js";
import type { ConversationRecord } from "../store/types.js";

const pacers = new Map<string, Pacer>();

export function webhookChannel(url: string): DeliveryChannel {
  return { key: redactUrl(url), flavour: "webhook", send: (message) => postToWebhook(url, message, { timeoutMs: 15_000 }) };
}

export type DeliverySettings = Pick<Settings, "MicrosoftAppId" | "TEAMS_WEBHOOK_URL" | "ALERT_CONVERSATIONS">;

/** Where alerts go and, when they can reach no one, why (names settings, never their values or conversation ids). */
export interface DeliveryReadiness {
  channel: "bot" | "webhook" | "none";
  /** The bot's conversations, as counts: ALERT_CONVERSATIONS, where it is installed, and both (those that receive alerts). */
  conversations?: { configured: number; installed: number; receiving: number };
  problem?: string;
}

export async function deliveryReadiness(
  settings: DeliverySettings,
  store: { listConversations(): Promise<ConversationRecord[]> },
): Promise<DeliveryReadiness> {
  if (!settings.MicrosoftAppId) {
    if (settings.TEAMS_WEBHOOK_URL) return { channel: "webhook" };
    return {
      channel: "none",
      problem: "neither TEAMS_WEBHOOK_URL nor a Teams bot (MicrosoftAppId) is set: alerts wait in the outbox and reach nobody",
    };
  }
  const configured = new Set(settings.ALERT_CONVERSATIONS);
  const installed = await store.listConversations();
  const receiving = installed.filter((conversation) => configured.has(conversation.id)).length;
  const conversations = { configured: configured.size, installed: installed.length, receiving };
  if (receiving > 0) return { channel: "bot", conversations };
  const problem =
    configured.size === 0
      ? "the Teams bot (MicrosoftAppId) is configured but ALERT_CONVERSATIONS is empty, so no conversation receives alerts: they wait in the outbox; set ALERT_CONVERSATIONS to the alert channels' conversation ids"
      : installed.length === 0
        ? `the Teams bot (MicrosoftAppId) is installed in no conversation, so none of the ${configured.size} of ALERT_CONVERSATIONS receives alerts: they wait in the outbox; add the aksmon app to the alert channel's team`
        : `the Teams bot (MicrosoftAppId) is installed in ${installed.length} conversation(s) but in none of the ${configured.size} of ALERT_CONVERSATIONS: alerts wait in the outbox; add the aksmon app to the alert channel's team, or correct ALERT_CONVERSATIONS`;
  return { channel: "bot", conversations, problem };
}

/**
 * The bot channel, except that a refusal because the bot has nowhere to post (installed nowhere, in none of
 * ALERT_CONVERSATIONS, removed everywhere) becomes a retry with that reason: the alert waits for the install.
 * The conversations are read again only after a refusal.
 */
export function waitingForInstall(
  channel: DeliveryChannel,
  settings: DeliverySettings,
  store: { listConversations(): Promise<ConversationRecord[]> },
): DeliveryChannel {
  return {
    ...channel,
    async send(message, alert) {
      const result = await channel.send(message, alert);
      if (result.kind !== "reject") return result;
      const readiness = await deliveryReadiness(settings, store);
      return readiness.problem ? { kind: "retry", error: readiness.problem } : result;
    },
  };
}

let reportedProblem: string | undefined;

/**
 * The readiness problem to log as an error: at the instance's first delivery round, and again whenever it
 * changes (undefined while it stays the same, or when there is none).
 */
export function problemToReport(readiness: DeliveryReadiness): string | undefined {
  const problem = readiness.problem;
  const report = problem !== undefined && problem !== reportedProblem ? problem : undefined;
  reportedProblem = problem;
  return report;
}

/** Tests: the next round reports as a first one. */
export function resetReportedProblem(): void {
  reportedProblem = undefined;
}

/** Rounds until one delivers nothing, or the time budget is spent (a timer tick is short). */
export async function drainOutbox(
  store: OutboxStore,
  channel: DeliveryChannel,
  options: { budgetMs?: number; maxAgeHours?: number } = {},
): Promise<DeliveryReport> {
  let pacer = pacers.get(channel.key);
  if (!pacer) pacers.set(channel.key, (pacer = new Pacer()));
  const total: DeliveryReport = { sent: 0, retried: 0, dead: 0, merged: 0 };
  const deadline = Date.now() + (options.budgetMs ?? 45_000);
  const maxAgeMs = options.maxAgeHours === undefined ? defaultDeliveryOptions.maxAgeMs : options.maxAgeHours * 3_600_000;
  do {
    const round = await deliverDue(store, channel, { ...defaultDeliveryOptions, maxAgeMs, pacer });
    total.sent += round.sent;
    total.retried += round.retried;
    total.dead += round.dead;
    total.merged += round.merged;
    if (round.sent + round.dead + round.merged === 0) break;
  } while (Date.now() < deadline);
  return total;
}
