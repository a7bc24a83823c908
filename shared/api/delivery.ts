/**
 * The alertDelivery timer's work: the outbox drained to the Teams webhook (TEAMS_WEBHOOK_URL) and, when
 * a bot is configured, to the bot's conversations. Pacers live as long as the instance, so Teams' rate
 * windows hold across invocations. A storage failure throws (the next tick tries again).
 */
import { defaultDeliveryOptions, deliverDue, type DeliveryChannel, type DeliveryReport, type OutboxStore } from "../alerts/delivery.js";
import { Pacer } from "../alerts/pacer.js";
import { postToWebhook, redactUrl } from "../alerts/webhook.js";

const pacers = new Map<string, Pacer>();

export function webhookChannel(url: string): DeliveryChannel {
  return { key: redactUrl(url), flavour: "webhook", send: (message) => postToWebhook(url, message, { timeoutMs: 15_000 }) };
}

/** Rounds until one delivers nothing, or the time budget is spent (a timer tick is short). */
export async function drainOutbox(store: OutboxStore, channel: DeliveryChannel, budgetMs = 45_000): Promise<DeliveryReport> {
  let pacer = pacers.get(channel.key);
  if (!pacer) pacers.set(channel.key, (pacer = new Pacer()));
  const total: DeliveryReport = { sent: 0, retried: 0, dead: 0, merged: 0 };
  const deadline = Date.now() + budgetMs;
  do {
    const round = await deliverDue(store, channel, { ...defaultDeliveryOptions, pacer });
    total.sent += round.sent;
    total.retried += round.retried;
    total.dead += round.dead;
    total.merged += round.merged;
    if (round.sent + round.dead + round.merged === 0) break;
  } while (Date.now() < deadline);
  return total;
}
