/**
 * The Teams bot, built with `@microsoft/teams-ai` without any AI: routes only, no planner, no model.
 *
 * - Installed in a team or group chat (conversationUpdate with the bot among `membersAdded`, or
 *   installationUpdate `add`): the conversation is saved so that proactive alerts reach it; removed
 *   (`membersRemoved`, installationUpdate `remove`, the team deleted): it is deleted.
 * - Card buttons (Action.Submit, routed on `data.verb`): `recheck` (a validated cluster id, at most one
 *   per cluster per cooldown, whoever clicks), `snooze` (24 h or 7 d, a reason required; one check, or
 *   every failing check of the cluster), `showFindings` (the cluster's failing findings from the store).
 * - Text: `status <cluster>`, `recheck <cluster>`, `help`; a cluster is its id, `name` or
 *   `resourceGroup/name`, resolved through the clusters table.
 * - `channel`: the alert cards to every saved conversation (proactive.ts).
 *
 * Every reply is an Adaptive Card from shared/alerts/cards (user values escaped there). Loading this
 * module loads the whole bot stack (~0.6-1 s): import it through `loadTeamsBot()` (index.ts) only.
 */
import { Application, TeamsAdapter } from "@microsoft/teams-ai";
import { CallerIdConstants, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from "botbuilder";
import { AuthenticationConstants, AuthenticationError, type ServiceClientCredentialsFactory } from "botframework-connector";
import type { ClusterRef } from "../../model/snapshot.js";
import { clusterKey } from "../../model/clusterRef.js";
import { teamsMessage, type AdaptiveCard } from "../cards/adaptiveCard.js";
import {
  candidatesCard,
  clusterFindingsCard,
  clusterStatusCard,
  failingFindings,
  helpCard,
  noticeCard,
} from "../cards/botReplies.js";
import { clusterName, escapeName } from "../cards/blocks.js";
import { bold, escapeText, md, type Markdown } from "../cards/escape.js";
import { formatUtc, plural } from "../cards/format.js";
import type { DeliveryChannel } from "../delivery.js";
import { checkClusterId, checkSnooze } from "./cardData.js";
import { lookupCluster } from "./clusterLookup.js";
import { parseCommand } from "./commands.js";
import { conversationId, conversationRecord, membershipChange, type ActivityLike } from "./conversations.js";
import { RecheckCooldown } from "./cooldown.js";
import { botRequest, botResponse, type BotHttpResult, type PlainRequest } from "./functionsResponse.js";
import { activityOf, botChannel } from "./proactive.js";
import type { BotLog, BotStore, Recheck, TeamsUser } from "./types.js";

export interface TeamsBotOptions {
  store: BotStore;
  recheck: Recheck;
  /** The bot's Microsoft App ID (Entra app or user-assigned identity client id). Without it, inbound requests are not authenticated: tests and local runs only. */
  appId?: string;
  /** The app's client secret (MultiTenant / SingleTenant). Not needed with `appType: "UserAssignedMSI"` or a `credentialsFactory`. */
  appPassword?: string;
  /** Required for SingleTenant and UserAssignedMSI. */
  appTenantId?: string;
  appType?: "MultiTenant" | "SingleTenant" | "UserAssignedMSI";
  /** Replaces the credentials of outbound calls (tests: a fixed token instead of the Entra login endpoint). */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /**
   * More Bot Framework authentication settings (botbuilder's ConfigurationBotFrameworkAuthenticationOptions):
   * `ChannelService` for the US Government cloud, or endpoints one by one (`ToBotFromChannelOpenIdMetadataUrl`,
   * `ToChannelFromBotLoginUrl`, ...); the endpoints not given keep their public-cloud values.
   */
  authSettings?: Partial<ConfigurationBotFrameworkAuthenticationOptions>;
  now?: () => Date;
  /** One recheck per cluster per this long, whoever asks. Default 60 s. */
  recheckCooldownMs?: number;
  /** One proactive send's limit. Default 15 s. */
  sendTimeoutMs?: number;
  log?: BotLog;
}

export interface TeamsBot {
  app: Application;
  adapter: TeamsAdapter;
  /** Alert cards to every conversation the bot is installed in (flavour "bot": with Recheck and Snooze). */
  channel: DeliveryChannel;
  /** One request from the Bot Framework service through `adapter.process`, answered as plain values. */
  handle(request: PlainRequest): Promise<BotHttpResult>;
}

export const DEFAULT_RECHECK_COOLDOWN_MS = 60_000;
export const DEFAULT_SEND_TIMEOUT_MS = 15_000;

const defaultLog: BotLog = (message, error) => {
  const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? "" : `: ${String(error)}`;
  console.error(`aksmon bot: ${message}${detail}`);
};

export function createTeamsBot(options: TeamsBotOptions): TeamsBot {
  const { store } = options;
  const appId = options.appId ?? "";
  const now = options.now ?? (() => new Date());
  const log = options.log ?? defaultLog;
  const cooldown = new RecheckCooldown(options.recheckCooldownMs ?? DEFAULT_RECHECK_COOLDOWN_MS);

  if (appId && !options.credentialsFactory && options.appType !== "UserAssignedMSI" && !options.appPassword) {
    throw new Error("the Teams bot has an app id but no app password: set the password, or use appType UserAssignedMSI with a managed identity");
  }
  if (!appId && (options.appPassword || options.appType)) throw new Error("the Teams bot has an app password or type but no app id");
  const settings = withPublicCloudDefaults(options.authSettings ?? {});
  if (appId) settings.MicrosoftAppId = appId;
  if (options.appPassword) settings.MicrosoftAppPassword = options.appPassword;
  if (options.appTenantId) settings.MicrosoftAppTenantId = options.appTenantId;
  if (options.appType) settings.MicrosoftAppType = options.appType;
  const adapter = new AksmonTeamsAdapter(settings as ConfigurationBotFrameworkAuthenticationOptions, options.credentialsFactory);

  const app = new Application({
    adapter,
    ...(appId ? { botAppId: appId } : {}),
    // No typing indicators, no long-running mode: every reply goes back on the request's own turn.
    startTypingTimer: false,
    longRunningMessages: false,
    removeRecipientMention: true,
  });

  const reply = async (context: TurnContext, card: AdaptiveCard) => {
    await context.sendActivity(activityOf(teamsMessage(card)));
  };
  const refuse = (context: TurnContext, title: Markdown, problem: string) =>
    reply(context, noticeCard({ title, tone: "warning", lines: [md`${capitalise(problem)}.`] }));

  app.error(async (context, error) => {
    log(`a ${context.activity?.type ?? "turn"} failed`, error);
    // Only a user's request gets an apology; a proactive turn has nobody waiting.
    if (context.activity?.type !== "message") return;
    try {
      await reply(context, noticeCard({ title: md`Something went wrong`, tone: "attention", lines: [md`aksmon could not handle that; the error was logged.`] }));
    } catch {
      // The reply failing too (the connector down) is already in the log above.
    }
  });

  // Installed, removed.
  app.activity(["conversationUpdate", "installationUpdate"], async (context) => {
    const activity = context.activity as ActivityLike;
    const change = membershipChange(activity);
    if (change === "removed") {
      const id = conversationId(activity.conversation?.id);
      if (id) await store.removeConversation(id);
      return;
    }
    if (change !== "added") return;
    const record = conversationRecord(activity, now().toISOString());
    if (!record) return;
    await store.saveConversation(record);
    if (activity.type === "conversationUpdate") {
      await reply(
        context,
        noticeCard({
          title: md`aksmon is installed here`,
          tone: "good",
          lines: [
            md`Compliance alerts for the AKS fleet will be posted in this conversation: one card per cluster when something real changes.`,
            md`Mention aksmon with ${bold("help")} for the commands.`,
          ],
        }),
      );
    }
  });

  const runRecheck = async (context: TurnContext, ref: ClusterRef) => {
    const who = userOf(context);
    const user = describeUser(who);
    const name = clusterName(ref);
    const admission = cooldown.admit(clusterKey(ref), displayName(who), now().getTime());
    if (!admission.ok) {
      const ago = Math.max(1, Math.round((now().getTime() - admission.at) / 1000));
      const wait = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
      await reply(
        context,
        noticeCard({
          title: md`${bold(name)} was rechecked moments ago`,
          tone: "warning",
          lines: [md`${escapeText(admission.by, 120)} asked for a recheck ${ago} s ago. To spare the Azure APIs, the next one can start in ${wait} s.`],
        }),
      );
      return;
    }
    let result: Awaited<ReturnType<Recheck>>;
    try {
      result = await options.recheck(ref.id, user);
    } catch (error) {
      log(`the recheck of ${ref.id} failed`, error);
      result = { error: error instanceof Error ? error.message : String(error) };
    }
    if ("error" in result) {
      await reply(
        context,
        noticeCard({ title: md`The recheck of ${bold(name)} did not finish`, tone: "attention", lines: textLines(result.error) }),
      );
      return;
    }
    await reply(
      context,
      noticeCard({
        title: md`Recheck of ${bold(name)}`,
        tone: "default",
        lines: [...textLines(result.summary), md`Asked by ${escapeText(displayName(who), 120)}.`],
      }),
    );
  };

  app.adaptiveCards.actionSubmit("recheck", async (context, _state, data: Record<string, unknown>) => {
    const checked = checkClusterId(data.clusterId);
    if (!checked.ok) return refuse(context, md`Recheck refused`, checked.problem);
    await runRecheck(context, checked.ref);
  });

  app.adaptiveCards.actionSubmit("snooze", async (context, _state, data: Record<string, unknown>) => {
    const checked = checkSnooze(data);
    if (!checked.ok) return refuse(context, md`Nothing was snoozed`, checked.problem);
    const { ref, hours, reason } = checked;
    const at = now();
    const until = new Date(at.getTime() + hours * 3_600_000).toISOString();
    let checks: string[];
    if (checked.check) {
      checks = [checked.check];
    } else {
      const state = await store.loadClusterState(ref);
      checks = failingFindings(state.findings.values()).map((finding) => finding.check);
      if (checks.length === 0) {
        return refuse(context, md`Nothing was snoozed`, `${ref.name} has no failing check to snooze`);
      }
    }
    const who = userOf(context);
    const by = describeUser(who);
    for (const check of checks) {
      await store.setSuppression(ref, { check, until, by, reason, createdAt: at.toISOString() });
    }
    const shown = checks.slice(0, 15).map((check) => escapeText(check, 80));
    const what = checks.length === 1 ? md`${shown[0]!}` : md`${plural(checks.length, "check")}`;
    const lines: Markdown[] = [];
    if (checks.length > 1) lines.push(md`Checks: ${joinChecks(shown, checks.length)}`);
    lines.push(md`Reason: ${escapeText(reason, 500)}`);
    lines.push(md`By ${escapeText(displayName(who), 120)}. No alert for ${checks.length === 1 ? "it" : "them"} until then; a recheck still evaluates ${checks.length === 1 ? "it" : "them"}.`);
    await reply(
      context,
      noticeCard({
        title: md`Snoozed ${what} on ${bold(clusterName(ref))} until ${formatUtc(until, at.toISOString()) ?? until} (${hours < 48 ? `${hours} h` : `${hours / 24} d`})`,
        tone: "good",
        lines,
      }),
    );
  });

  const showFindings = async (context: TurnContext, ref: ClusterRef) => {
    const at = now().toISOString();
    const [state, suppressions, summary] = await Promise.all([
      store.loadClusterState(ref),
      store.listSuppressions(ref, at),
      store.getClusterSummary(ref),
    ]);
    if (!summary && state.findings.size === 0) {
      return refuse(context, md`No findings for ${bold(clusterName(ref))}`, "aksmon has not evaluated this cluster yet: recheck it first");
    }
    await reply(
      context,
      clusterFindingsCard({
        ref: summary?.ref ?? ref,
        failing: failingFindings(state.findings.values()),
        suppressions,
        now: at,
        ...(summary ? { lastEvaluatedAt: summary.lastEvaluatedAt } : {}),
      }),
    );
  };

  app.adaptiveCards.actionSubmit("showFindings", async (context, _state, data: Record<string, unknown>) => {
    const checked = checkClusterId(data.clusterId);
    if (!checked.ok) return refuse(context, md`Cannot show findings`, checked.problem);
    await showFindings(context, checked.ref);
  });

  // Text commands, and card submits nobody routed.
  app.activity("message", async (context) => {
    const activity = context.activity;
    if (!activity.text && activity.value !== undefined) {
      return reply(context, helpCard(md`That button is not one aksmon knows`));
    }
    const command = parseCommand(activity.text);
    switch (command.kind) {
      case "help":
        return reply(context, helpCard());
      case "unknown":
        return reply(context, helpCard(md`aksmon did not understand ${bold(escapeText(command.text, 80))}`));
      case "missingCluster":
        return refuse(context, md`Which cluster?`, `name the cluster: ${command.command} <name>, ${command.command} <resourceGroup/name> or ${command.command} <resource id>`);
      case "status":
      case "recheck": {
        const found = await lookupCluster(store, command.cluster);
        if (found.kind === "ambiguous") return reply(context, candidatesCard(command.cluster, found.candidates));
        if (found.kind === "invalid") {
          return refuse(context, md`${capitaliseMarkdown(command.kind)} refused: ${bold(escapeText(command.cluster, 100))}`, found.problem);
        }
        if (found.kind === "notFound") {
          return refuse(context, md`${capitaliseMarkdown(command.kind)}: ${bold(escapeText(command.cluster, 100))} not found`, found.problem);
        }
        if (command.kind === "recheck") return runRecheck(context, found.ref);
        if (!found.summary) {
          return refuse(context, md`No status for ${bold(clusterName(found.ref))} yet`, "aksmon has not evaluated this cluster yet: recheck it to get one");
        }
        const at = now().toISOString();
        const [state, suppressions] = await Promise.all([store.loadClusterState(found.ref), store.listSuppressions(found.ref, at)]);
        return reply(context, clusterStatusCard({ summary: found.summary, failing: failingFindings(state.findings.values()), suppressions, now: at }));
      }
    }
  });

  const channel = botChannel({ adapter, store, appId, timeoutMs: options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS, log });

  return {
    app,
    adapter,
    channel,
    async handle(request) {
      const response = botResponse();
      await adapter.process(botRequest(request), response, async (context) => {
        await app.run(context);
      });
      return response.result();
    },
  };
}

/** JWT failures that botbuilder passes on as they are (a forged signature would be answered 500). */
const TOKEN_ERRORS = new Set(["JsonWebTokenError", "TokenExpiredError", "NotBeforeError"]);

/** TeamsAdapter, answering 401 (not 500) to a request whose token does not verify. */
class AksmonTeamsAdapter extends TeamsAdapter {
  constructor(settings: ConfigurationBotFrameworkAuthenticationOptions, credentialsFactory?: ServiceClientCredentialsFactory) {
    super(settings, credentialsFactory);
    const authentication = this.botFrameworkAuthentication;
    const authenticate = authentication.authenticateRequest.bind(authentication);
    authentication.authenticateRequest = async (activity, authHeader) => {
      try {
        return await authenticate(activity, authHeader);
      } catch (error) {
        if (error instanceof Error && TOKEN_ERRORS.has(error.name)) throw new AuthenticationError(`Unauthorized: ${error.message}`, 401);
        throw error;
      }
    };
  }
}

/**
 * botbuilder reads a single endpoint setting as "every endpoint is configured" (the others then stay
 * empty, and every token is refused): the ones not given keep the public cloud's values.
 */
function withPublicCloudDefaults(given: Partial<ConfigurationBotFrameworkAuthenticationOptions>): Partial<ConfigurationBotFrameworkAuthenticationOptions> {
  const endpoints = {
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
  const anyEndpoint = (Object.keys(endpoints) as Array<keyof typeof endpoints>).some((key) => typeof given[key] === "string" && given[key] !== "");
  if (!anyEndpoint) return { ...given };
  const filled: Partial<ConfigurationBotFrameworkAuthenticationOptions> = { ValidateAuthority: true, ...given };
  for (const [key, value] of Object.entries(endpoints) as Array<[keyof typeof endpoints, string]>) {
    if (typeof filled[key] !== "string" || filled[key] === "") filled[key] = value;
  }
  return filled;
}

/** The Teams user behind an activity. */
export function userOf(context: TurnContext): TeamsUser {
  const from = (context.activity.from ?? {}) as { id?: string; name?: string; aadObjectId?: string };
  return {
    ...(from.name ? { name: from.name } : {}),
    ...(from.aadObjectId ? { aadObjectId: from.aadObjectId } : {}),
    ...(from.id ? { id: from.id } : {}),
  };
}

/** `Alice Example (aad 0c9a…)`: a name for people, the object id for audits. */
export function describeUser(user: TeamsUser): string {
  const name = user.name?.trim();
  if (name && user.aadObjectId) return `${name} (aad ${user.aadObjectId})`;
  if (name) return name;
  if (user.aadObjectId) return `aad ${user.aadObjectId}`;
  return user.id ? `teams ${user.id}` : "an unknown Teams user";
}

/** The name people know a user by, in replies (the stored author keeps the object id too). */
export function displayName(user: TeamsUser): string {
  return user.name?.trim() || describeUser(user);
}

/** A multi-line text from the pipeline or an error: one escaped line each. */
function textLines(text: string): Markdown[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  return (lines.length > 0 ? lines : ["(no details)"]).map((line) => escapeText(line, 300));
}

function joinChecks(shown: readonly Markdown[], total: number): Markdown {
  const more = total > shown.length ? md`, +${total - shown.length} more` : md``;
  return md`${shown.reduce<Markdown>((all, check, index) => (index === 0 ? check : md`${all}, ${check}`), md``)}${more}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function capitaliseMarkdown(text: string): Markdown {
  return escapeName(capitalise(text));
}
