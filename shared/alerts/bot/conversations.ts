/**
 * Where the bot was installed, from the activities Teams sends about it: the conversation reference to
 * keep (enough to post there later, nothing about the user who installed it) and whether an activity
 * adds the bot to a conversation, removes it, or neither.
 */
import type { ConversationRecord } from "../../store/types.js";

/** The parts of a Bot Framework activity this module reads. */
export interface ActivityLike {
  type?: string;
  action?: string;
  serviceUrl?: string;
  channelId?: string;
  locale?: string;
  conversation?: { id?: string; conversationType?: string; isGroup?: boolean; tenantId?: string; name?: string };
  recipient?: { id?: string; name?: string };
  membersAdded?: Array<{ id?: string }>;
  membersRemoved?: Array<{ id?: string }>;
  channelData?: { eventType?: string; tenant?: { id?: string }; team?: { id?: string } };
}

/** Conversations that get the proactive alerts: team channels and group chats, not one person's chat with the bot. */
export const ALERT_SCOPES = new Set(["channel", "groupChat"]);

export type Membership = "added" | "removed" | "none";

/** Whether the activity installs the bot in its conversation, uninstalls it, or neither. */
export function membershipChange(activity: ActivityLike): Membership {
  if (activity.type === "installationUpdate") {
    const action = (activity.action ?? "").toLowerCase();
    if (action.startsWith("add")) return "added";
    if (action.startsWith("remove")) return "removed";
    return "none";
  }
  if (activity.type !== "conversationUpdate") return "none";
  const bot = activity.recipient?.id;
  const eventType = activity.channelData?.eventType ?? "";
  // A deleted team takes its General channel (the conversation of a team install) with it.
  if (/^team(Hard)?Deleted$/.test(eventType)) return "removed";
  if (bot && activity.membersRemoved?.some((member) => member.id === bot)) return "removed";
  if (bot && activity.membersAdded?.some((member) => member.id === bot)) return "added";
  return "none";
}

/**
 * The conversation to keep for proactive messages: the channel itself (a reply chain's
 * `;messageid=` cut off, so alerts start their own threads), the service URL (https only) and the bot's
 * own account. Undefined when the activity lacks them or is not in a scope that gets alerts.
 */
export function conversationRecord(activity: ActivityLike, savedAt: string): ConversationRecord | undefined {
  const conversation = activity.conversation;
  const id = conversationId(conversation?.id);
  if (!id || !activity.serviceUrl || !isHttpsUrl(activity.serviceUrl)) return undefined;
  const scope = conversation?.conversationType ?? (conversation?.isGroup ? "groupChat" : "personal");
  if (!ALERT_SCOPES.has(scope)) return undefined;
  const tenantId = conversation?.tenantId ?? activity.channelData?.tenant?.id;
  const reference: Record<string, unknown> = {
    channelId: activity.channelId ?? "msteams",
    serviceUrl: activity.serviceUrl,
    conversation: { id, conversationType: scope, isGroup: true, ...(tenantId ? { tenantId } : {}) },
    ...(activity.recipient?.id ? { bot: { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) } } : {}),
    ...(activity.locale ? { locale: activity.locale } : {}),
  };
  return { id, reference, savedAt };
}

/** The conversation id without the reply chain (`19:…@thread.tacv2;messageid=1700000000000`). */
export function conversationId(id: string | undefined): string | undefined {
  const root = id?.split(";messageid=")[0]?.trim();
  return root ? root : undefined;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === "https:";
  } catch {
    return false;
  }
}
