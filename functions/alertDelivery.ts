import { app, type InvocationContext, type Timer } from "@azure/functions";
import type { DeliveryChannel } from "../shared/alerts/delivery.js";
import { botConfigured, instanceBot } from "../shared/api/bot.js";
import { deliveryReadiness, drainOutbox, problemToReport, waitingForInstall, webhookChannel } from "../shared/api/delivery.js";
import { apiRuntime } from "../shared/api/instance.js";
import { METRICS, metricLine } from "../shared/logging/metrics.js";

/**
 * Timer, every minute: drains the outbox. One channel takes the alerts, since an alert is sent once:
 * the bot's conversations when a bot is configured (its cards carry Recheck and Snooze), else the
 * Teams webhook (TEAMS_WEBHOOK_URL); with neither, alerts wait in the outbox. Alerts that can reach no one
 * (no channel, a bot in none of ALERT_CONVERSATIONS) are an error line at the instance's first run and
 * whenever that changes. A storage failure throws.
 */
export async function alertDeliveryHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const runtime = await apiRuntime();
  const { settings, store } = runtime;
  const problem = problemToReport(await deliveryReadiness(settings, store));
  if (problem) context.error(`alertDelivery: ${problem}`);
  let channel: DeliveryChannel | undefined;
  if (botConfigured(runtime)) channel = waitingForInstall((await instanceBot(runtime, (message) => context.warn(`alertDelivery: ${message}`))).channel, settings, store);
  else if (settings.TEAMS_WEBHOOK_URL) channel = webhookChannel(settings.TEAMS_WEBHOOK_URL);
  if (channel) {
    const report = await drainOutbox(store, channel, { maxAgeHours: settings.ALERT_MAX_AGE_HOURS });
    context.log(`alertDelivery: ${channel.flavour}: ${report.sent} sent, ${report.retried} to retry, ${report.dead} dead, ${report.merged} merged`);
    context.log(metricLine(METRICS.alertsSent, report.sent, { channel: channel.flavour }));
    context.log(metricLine(METRICS.alertsDead, report.dead, { channel: channel.flavour }));
  } else {
    context.log("alertDelivery: no channel configured (TEAMS_WEBHOOK_URL or MicrosoftAppId): alerts stay in the outbox");
  }
  const { pending } = await store.outboxSummary();
  context.log(metricLine(METRICS.alertsWaiting, pending, { channel: channel?.flavour ?? "none" }));
}

app.timer("alertDelivery", { schedule: "0 */1 * * * *", runOnStartup: false, handler: alertDeliveryHandler });
