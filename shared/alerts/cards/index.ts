/** Teams cards for alerts: pure functions from an Alert to an Adaptive Card 1.4 under the size limit. */
import type { Alert } from "../../model/alerts.js";
import type { CardOptions } from "./actions.js";
import { teamsMessage, type AdaptiveCard, type TeamsMessage } from "./adaptiveCard.js";
import { digestCard } from "./digestCard.js";
import { driftCard } from "./driftCard.js";
import { lifecycleCard } from "./lifecycleCard.js";

export type { Channel, CardOptions, RecheckData, SnoozeData } from "./actions.js";
export type { AdaptiveCard, TeamsMessage } from "./adaptiveCard.js";
export { teamsMessage } from "./adaptiveCard.js";
export { digestCard } from "./digestCard.js";
export { driftCard } from "./driftCard.js";
export { lifecycleCard } from "./lifecycleCard.js";
export { MAX_MESSAGE_BYTES, messageBytes } from "./size.js";

export function alertCard(alert: Alert, options: CardOptions): AdaptiveCard {
  switch (alert.kind) {
    case "drift":
      return driftCard(alert, options);
    case "digest":
      return digestCard(alert, options);
    default:
      return lifecycleCard(alert, options);
  }
}

/** The message to POST to a Teams webhook or send as the bot's proactive activity. */
export function alertMessage(alert: Alert, options: CardOptions): TeamsMessage {
  return teamsMessage(alertCard(alert, options));
}
