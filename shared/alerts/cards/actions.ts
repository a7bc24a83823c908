import { inputText, openUrl, showCard, subCard, submit, type CardAction } from "./adaptiveCard.js";
import type { ClusterLink } from "./portalLink.js";

/**
 * Where a card goes: a Teams (Workflows) webhook renders only OpenUrl, ShowCard and
 * ToggleVisibility; the bot also gets Action.Submit buttons.
 */
export type Channel = "webhook" | "bot";

export interface CardOptions {
  channel: Channel;
}

/** The `data` of the bot's Action.Submit buttons; the bot routes on `verb`. */
export type RecheckData = { verb: "recheck"; clusterId: string };
/** Teams merges the card's inputs into it: the reason arrives as `reason`. */
export type SnoozeData = { verb: "snooze"; clusterId: string; check?: string; hours: number };

export const SNOOZE_REASON_INPUT = "reason";
export const SNOOZE_HOURS = [24, 168] as const;

export function portalAction(link: ClusterLink): CardAction {
  return openUrl("Open in Azure portal", link.portal);
}

export function recheckAction(link: ClusterLink): CardAction {
  const data: RecheckData = { verb: "recheck", clusterId: link.clusterId };
  return submit("Recheck", data);
}

/**
 * One "Snooze" card holding the reason and a button per duration, so that the reason input has one
 * id on the whole card. Without `check` the snooze covers the cluster's alerts.
 */
export function snoozeAction(link: ClusterLink, check?: string): CardAction {
  const buttons = SNOOZE_HOURS.map((hours) => {
    const data: SnoozeData = { verb: "snooze", clusterId: link.clusterId, ...(check ? { check } : {}), hours };
    return submit(`Snooze ${hours < 48 ? `${hours} h` : `${hours / 24} d`}`, data);
  });
  const reason = inputText(SNOOZE_REASON_INPUT, {
    label: check ? "Why snooze this check?" : "Why snooze this cluster's alerts?",
    placeholder: "Reason, kept with the snooze",
    maxLength: 200,
    isRequired: true,
    errorMessage: "A snooze needs a reason.",
  });
  return showCard("Snooze", subCard([reason], buttons));
}
