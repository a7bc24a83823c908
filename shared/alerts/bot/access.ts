/**
 * Who may act through the bot. The Bot Framework token proves that Teams sent an activity, not who sent
 * it: any tenant can install a bot by its app id and talk to it. So every activity is held, before any
 * store or ARM read, to
 * - the tenant: one of BOT_ALLOWED_TENANTS (default: the bot's own tenant); none configured refuses
 *   everything (a misconfiguration, never allow-all);
 * - for requests (commands, card submits), the conversation: one of ALERT_CONVERSATIONS. Teams delivers
 *   a conversation's activities only from its members, so the members of the conversations that receive
 *   the alerts are who may act; a personal chat or another team is refused.
 * And every action on a cluster to the subscriptions in scope (MONITOR_SUBSCRIPTIONS; empty: none).
 */
import { conversationId, type ActivityLike } from "./conversations.js";

export interface BotAccess {
  /** Lower-cased tenant ids. */
  allowedTenants: readonly string[];
  /** Conversation ids (reply chains cut off) whose members may act, and that receive the alerts. */
  alertConversations: readonly string[];
  /** Subscription ids in scope. */
  subscriptions: readonly string[];
}

export type Admission =
  | { ok: true }
  /** `reply`: what the person is told (no findings, no cluster names); `log`: what the operators are told. */
  | { ok: false; reply: string; log: string };

/** The tenant an activity comes from: `conversation.tenantId`, else `channelData.tenant.id`; "conflict" when they differ. */
export function tenantOf(activity: ActivityLike): string | undefined | "conflict" {
  const fromConversation = activity.conversation?.tenantId?.trim().toLowerCase() || undefined;
  const fromChannel = activity.channelData?.tenant?.id?.trim().toLowerCase() || undefined;
  if (fromConversation && fromChannel && fromConversation !== fromChannel) return "conflict";
  return fromConversation ?? fromChannel;
}

/** The tenant check alone (installs, removals, any activity). */
export function admitTenant(activity: ActivityLike, access: Pick<BotAccess, "allowedTenants">): Admission {
  if (access.allowedTenants.length === 0) {
    return {
      ok: false,
      reply: "aksmon's bot has no allowed tenant configured, so it acts for nobody: ask its operators to set BOT_ALLOWED_TENANTS (or MicrosoftAppTenantId)",
      log: "refused an activity: no tenant is allowed (BOT_ALLOWED_TENANTS and MicrosoftAppTenantId are both unset), so the bot acts for nobody",
    };
  }
  const tenant = tenantOf(activity);
  if (tenant === "conflict") {
    return { ok: false, reply: "this activity names two different tenants, so aksmon does not act on it", log: "refused an activity whose conversation and channel data name different tenants" };
  }
  if (!tenant || !access.allowedTenants.includes(tenant)) {
    return {
      ok: false,
      reply: "aksmon acts only for the organisation that runs it; this conversation belongs to another tenant",
      log: `refused an activity from tenant ${tenant ?? "(none)"}: not in BOT_ALLOWED_TENANTS`,
    };
  }
  return { ok: true };
}

/** A request (a command, a card submit): the tenant, then the conversation. */
export function admitRequest(activity: ActivityLike, access: BotAccess): Admission {
  const tenant = admitTenant(activity, access);
  if (!tenant.ok) return tenant;
  if (access.alertConversations.length === 0) {
    return {
      ok: false,
      reply: "no conversation is configured to receive aksmon's alerts yet (ALERT_CONVERSATIONS), and only their members may use the bot",
      log: "refused a request: ALERT_CONVERSATIONS is empty, so nobody may act through the bot",
    };
  }
  const id = conversationId(activity.conversation?.id);
  if (!id || !access.alertConversations.includes(id)) {
    return {
      ok: false,
      reply: "aksmon takes requests only in the conversations that receive its alerts, and this is not one of them",
      log: `refused a request in conversation ${id ?? "(none)"}: not in ALERT_CONVERSATIONS`,
    };
  }
  return { ok: true };
}

/** The subscription against the scope, case-insensitively. */
export function inBotScope(subscriptionId: string, access: Pick<BotAccess, "subscriptions">): boolean {
  const wanted = subscriptionId.toLowerCase();
  return access.subscriptions.some((id) => id.toLowerCase() === wanted);
}
