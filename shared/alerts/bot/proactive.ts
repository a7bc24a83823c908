/**
 * The bot as a delivery channel: an alert card goes to the conversations configured to receive alerts
 * (ALERT_CONVERSATIONS) that the bot is installed in (the conversations table): an install alone is not
 * a subscription. Each gets a new message of its own (not a reply), through the adapter's
 * `continueConversationAsync`.
 *
 * One send per conversation, one attempt each: the Bot Framework SDK's own retry policy (which would
 * sleep through a `Retry-After` inside the send, three times) is taken out of the connector client for
 * these sends, because the outbox retries with backoff, pacing and `Retry-After` itself. Results:
 * - `sent` when at least one conversation took the card;
 * - else `retry` when one answered 429, 412, 408, 5xx, 401 (a token problem may pass) or did not answer
 *   (network, timeout), with the longest `Retry-After` any of them asked for;
 * - else `reject`: the bot is installed nowhere, was removed everywhere, or the card itself was refused.
 * A conversation that answers 403 or 404 (the bot was removed, the team deleted, the chat blocked it) is
 * deleted from the store, so it is not tried again.
 */
import type { ConversationReference, TurnContext } from "botbuilder";
import { parseRetryAfter } from "../../backoff.js";
import type { TeamsMessage } from "../cards/adaptiveCard.js";
import type { DeliveryChannel } from "../delivery.js";
import type { SendResult } from "../webhook.js";
import type { Alert } from "../../model/alerts.js";
import type { ConversationRecord } from "../../store/types.js";
import type { BotLog, BotStore } from "./types.js";

/** What the channel needs of the adapter (botbuilder's CloudAdapter, teams-ai's TeamsAdapter). */
export interface ProactiveAdapter {
  readonly ConnectorClientKey: symbol;
  continueConversationAsync(botAppId: string, reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

export interface ProactiveOptions {
  adapter: ProactiveAdapter;
  store: Pick<BotStore, "listConversations" | "removeConversation">;
  /** The bot's app id ("" without one). */
  appId: string;
  /** One send's limit, connection included. */
  timeoutMs: number;
  log: BotLog;
  /** ALERT_CONVERSATIONS. */
  alertConversations: readonly string[];
}

export interface AlertTargets {
  /** Saved conversations that are configured: where alerts go. */
  targets: ConversationRecord[];
  /** Configured ids the bot is not installed in (nothing saved for them). */
  notInstalled: string[];
}

/** Where alerts go: the saved conversations whose id is configured, and the configured ones not installed. */
export function alertTargets(conversations: readonly ConversationRecord[], configured: readonly string[]): AlertTargets {
  const wanted = new Set(configured);
  const targets = conversations.filter((conversation) => wanted.has(conversation.id));
  const saved = new Set(targets.map((conversation) => conversation.id));
  return { targets, notInstalled: configured.filter((id) => !saved.has(id)) };
}

export type ConversationOutcome =
  | { kind: "sent"; status: number }
  | { kind: "gone"; status: number; error: string }
  | { kind: "retry"; status?: number; retryAfterMs?: number; error: string }
  | { kind: "failed"; status?: number; error: string };

/** The pacing key of the bot channel. */
export const BOT_CHANNEL_KEY = "teams-bot";

export function botChannel(options: ProactiveOptions): DeliveryChannel {
  return {
    key: BOT_CHANNEL_KEY,
    flavour: "bot",
    async send(message: TeamsMessage, alert: Alert): Promise<SendResult> {
      if (options.alertConversations.length === 0) {
        return {
          kind: "reject",
          error: "no conversation is configured to receive alerts: set ALERT_CONVERSATIONS to the alert channel's conversation id (an install alone subscribes nothing), or set TEAMS_WEBHOOK_URL",
        };
      }
      const { targets: conversations, notInstalled } = alertTargets(await options.store.listConversations(), options.alertConversations);
      const missing = notInstalled.length > 0 ? ` (ALERT_CONVERSATIONS not installed: ${notInstalled.join(", ")})` : "";
      if (conversations.length === 0) {
        return {
          kind: "reject",
          error: `the Teams bot is not installed in any conversation of ALERT_CONVERSATIONS, so there is nowhere to post: add the aksmon app to the alert channel's team${missing}`,
        };
      }
      if (notInstalled.length > 0) options.log(`alert ${alert.alertId}: ALERT_CONVERSATIONS not installed: ${notInstalled.join(", ")}`);
      const outcomes: ConversationOutcome[] = [];
      for (const conversation of conversations) {
        const outcome = await sendTo(options, conversation, message);
        outcomes.push(outcome);
        if (outcome.kind === "gone") {
          await options.store.removeConversation(conversation.id).catch((error: unknown) =>
            options.log(`could not delete conversation ${conversation.id} after ${outcome.error}`, error),
          );
        }
        if (outcome.kind !== "sent") options.log(`alert ${alert.alertId} to conversation ${conversation.id}: ${outcome.kind}: ${outcome.error}`);
      }
      const result = combine(outcomes, conversations.length);
      return result.kind === "sent" || !missing ? result : { ...result, error: `${result.error}${missing}` };
    },
  };
}

async function sendTo(options: ProactiveOptions, conversation: ConversationRecord, message: TeamsMessage): Promise<ConversationOutcome> {
  const reference = conversation.reference as Partial<ConversationReference>;
  if (typeof reference.serviceUrl !== "string" || typeof reference.conversation?.id !== "string") {
    return { kind: "failed", error: "the stored conversation reference has no service URL or conversation id" };
  }
  // The send's error is kept here rather than thrown through the turn: the adapter's onTurnError (the
  // bot's reply-with-an-apology handler) would swallow it and post into the conversation.
  let failure: { error: unknown } | undefined;
  try {
    await options.adapter.continueConversationAsync(options.appId, reference, async (context) => {
      try {
        singleAttempt(context, options.adapter.ConnectorClientKey, options.timeoutMs);
        // A proactive message starts its own thread: no reply to the continuation's made-up activity id.
        context.onSendActivities(async (_context, activities, next) => {
          for (const activity of activities) delete activity.replyToId;
          return next();
        });
        await context.sendActivity(activityOf(message));
      } catch (error) {
        failure = { error };
      }
    });
  } catch (error) {
    // Before the turn: the credentials (a token from Entra), the connector client.
    failure = { error };
  }
  return failure ? outcomeOf(failure.error) : { kind: "sent", status: 200 };
}

/** The card message as a Bot Framework activity. */
export function activityOf(message: TeamsMessage): { type: "message"; attachments: Array<{ contentType: string; content: unknown }> } {
  return { type: "message", attachments: message.attachments.map((attachment) => ({ contentType: attachment.contentType, content: attachment.content })) };
}

interface PipelineLike {
  removePolicy(options: { name: string }): unknown;
  addPolicy(policy: { name: string; sendRequest(request: { timeout: number }, next: (request: { timeout: number }) => Promise<unknown>): Promise<unknown> }): void;
}

/**
 * One attempt with a timeout: the connector client of this turn (botframework-connector's, over
 * @azure/core-client) loses its retry policy. If a future SDK moves the pipeline, sends keep the SDK's
 * retries (slower under throttling, still correct); the tests notice.
 */
function singleAttempt(context: TurnContext, key: symbol, timeoutMs: number): void {
  const client = context.turnState.get(key) as { client?: { pipeline?: Partial<PipelineLike> } } | undefined;
  const pipeline = client?.client?.pipeline;
  if (typeof pipeline?.removePolicy !== "function" || typeof pipeline.addPolicy !== "function") return;
  pipeline.removePolicy({ name: "defaultRetryPolicy" });
  pipeline.addPolicy({
    name: "aksmonSendTimeout",
    sendRequest(request, next) {
      request.timeout = timeoutMs;
      return next(request);
    },
  });
}

/** What a failed send means, from the connector client's RestError (status, code, Retry-After) or a network error. */
export function outcomeOf(error: unknown): ConversationOutcome {
  const failure = error as { statusCode?: unknown; code?: unknown; message?: unknown; response?: { status?: number; headers?: { get?(name: string): string | undefined } } };
  const status = typeof failure?.statusCode === "number" ? failure.statusCode : failure?.response?.status;
  const code = typeof failure?.code === "string" ? failure.code : undefined;
  const message = typeof failure?.message === "string" ? failure.message.replace(/\s+/g, " ").slice(0, 200) : String(error).slice(0, 200);
  // No HTTP answer: the connection, the timeout, or the token for it (Entra, managed identity).
  if (status === undefined) return { kind: "retry", error: `could not post to the Bot Framework connector: ${code ? `${code} ` : ""}${message}`.trim() };
  const what = `HTTP ${status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
  if (status === 403 || status === 404) return { kind: "gone", status, error: `${what} (the bot is no longer in this conversation)` };
  if (isRetryable(status)) {
    const retryAfterMs = parseRetryAfter(failure.response?.headers?.get?.("retry-after"));
    return retryAfterMs === undefined ? { kind: "retry", status, error: what } : { kind: "retry", status, retryAfterMs, error: what };
  }
  return { kind: "failed", status, error: what };
}

/** Worth sending the same card again: Teams' rate-limit guidance for bots retries 412, 429, 502 and 504. */
function isRetryable(status: number): boolean {
  return status === 429 || status === 412 || status === 408 || status === 401 || status >= 500;
}

function combine(outcomes: readonly ConversationOutcome[], total: number): SendResult {
  const sent = outcomes.find((outcome) => outcome.kind === "sent");
  if (sent) return { kind: "sent", status: sent.status };
  const retries = outcomes.filter((outcome): outcome is Extract<ConversationOutcome, { kind: "retry" }> => outcome.kind === "retry");
  if (retries.length > 0) {
    const waits = retries.map((outcome) => outcome.retryAfterMs).filter((wait): wait is number => wait !== undefined);
    const first = retries[0]!;
    const error = `no conversation took the card (${total}): ${first.error}`;
    const result: SendResult = { kind: "retry", error, ...(first.status !== undefined ? { status: first.status } : {}) };
    return waits.length > 0 ? { ...result, retryAfterMs: Math.max(...waits) } : result;
  }
  if (outcomes.every((outcome) => outcome.kind === "gone")) {
    return {
      kind: "reject",
      error: `the Teams bot was removed from every conversation it was installed in (${total} deleted from the store): add the aksmon app to the alert channel's team again`,
    };
  }
  // Some refused the card itself (400 invalid, 413 too large), the others are gone: sending it again would not help.
  const failed = outcomes.find((outcome): outcome is Extract<ConversationOutcome, { kind: "failed" }> => outcome.kind === "failed")!;
  return { kind: "reject", ...(failed.status !== undefined ? { status: failed.status } : {}), error: `no conversation took the card: ${failed.error}` };
}
