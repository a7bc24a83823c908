/**
 * The Teams bot, built with `@microsoft/teams-ai` without any AI: routes only, no planner, no model.
 *
 * - Who may act (access.ts), before anything is read: the tenant (BOT_ALLOWED_TENANTS) for every
 *   activity, and for requests the conversation (ALERT_CONVERSATIONS); every action on a cluster is held
 *   to MONITOR_SUBSCRIPTIONS.
 * - Installed in a team or group chat (conversationUpdate with the bot among `membersAdded`, or
 *   installationUpdate `add`): the conversation is saved (an install is not a subscription: alerts go
 *   only to ALERT_CONVERSATIONS); removed (`membersRemoved`, installationUpdate `remove`, the team
 *   deleted): it is deleted.
 * - Card buttons (Action.Submit, routed on `data.verb`): `recheck` (a validated cluster id, at most one
 *   per cluster per cooldown, whoever clicks), `snooze` (a failing check, or every failing check of the
 *   cluster; at most SNOOZE_MAX_DAYS; a reason at or above SNOOZE_REASON_SEVERITY), `unsnooze`,
 *   `showFindings` (the cluster's failing findings from the store). Snoozes and unsnoozes are audited.
 * - Text: `status <cluster>`, `recheck <cluster>`, `unsnooze <cluster> <check>`, `help`; a cluster is
 *   its id, `name` or `resourceGroup/name`, resolved through the clusters table.
 * - `channel`: the alert cards to the saved conversations that are in ALERT_CONVERSATIONS (proactive.ts).
 *
 * Every reply is an Adaptive Card from shared/alerts/cards (user values escaped there). Loading this
 * module loads the whole bot stack (~0.6-1 s): import it through `loadTeamsBot()` (index.ts) only.
 */
import { Application, TeamsAdapter } from "@microsoft/teams-ai";
import { CallerIdConstants, type ConfigurationBotFrameworkAuthenticationOptions, type TurnContext } from "botbuilder";
import { AuthenticationConstants, AuthenticationError, type ServiceClientCredentialsFactory } from "botframework-connector";
import { SEVERITIES, type Severity } from "../../baseline/types.js";
import type { ClusterRef } from "../../model/snapshot.js";
import { clusterKey } from "../../model/clusterRef.js";
import type { FindingRecord } from "../../store/types.js";
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
import { admitRequest, admitTenant, inBotScope, type BotAccess } from "./access.js";
import { checkClusterId, checkId, checkSnooze, checkUnsnooze } from "./cardData.js";
import { lookupCluster, OUT_OF_SCOPE } from "./clusterLookup.js";
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
  /** BOT_ALLOWED_TENANTS: the tenants whose users may act. Default: `appTenantId`; neither: every activity is refused. */
  allowedTenants?: readonly string[];
  /** ALERT_CONVERSATIONS: the conversations that get the alerts, whose members may act. None: every request is refused. */
  alertConversations?: readonly string[];
  /** MONITOR_SUBSCRIPTIONS: the clusters the bot acts on and tells about. None: no cluster. */
  subscriptions?: readonly string[];
  /** SNOOZE_MAX_DAYS. Default 7. */
  snoozeMaxDays?: number;
  /** SNOOZE_REASON_SEVERITY: a snooze of a check at or above it needs a reason. Default critical. */
  snoozeReasonSeverity?: Severity;
}

export interface TeamsBot {
  app: Application;
  adapter: TeamsAdapter;
  /** Alert cards to the conversations of ALERT_CONVERSATIONS the bot is installed in (flavour "bot": with Recheck and Snooze). */
  channel: DeliveryChannel;
  /** One request from the Bot Framework service through `adapter.process`, answered as plain values. */
  handle(request: PlainRequest): Promise<BotHttpResult>;
}

export const DEFAULT_RECHECK_COOLDOWN_MS = 60_000;
export const DEFAULT_SNOOZE_MAX_DAYS = 7;
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
  const access: BotAccess = {
    allowedTenants: (options.allowedTenants ?? (options.appTenantId ? [options.appTenantId] : [])).map((id) => id.trim().toLowerCase()).filter(Boolean),
    alertConversations: options.alertConversations ?? [],
    subscriptions: options.subscriptions ?? [],
  };
  const maxSnoozeHours = (options.snoozeMaxDays ?? DEFAULT_SNOOZE_MAX_DAYS) * 24;
  const reasonSeverity = options.snoozeReasonSeverity ?? "critical";

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
    if (!inBotScope(ref.subscriptionId, access)) return refuse(context, md`Recheck refused`, OUT_OF_SCOPE);
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
    const checked = checkSnooze(data, { maxHours: maxSnoozeHours });
    if (!checked.ok) return refuse(context, md`Nothing was snoozed`, checked.problem);
    const { ref, hours, reason } = checked;
    if (!inBotScope(ref.subscriptionId, access)) return refuse(context, md`Nothing was snoozed`, OUT_OF_SCOPE);
    // Only what fails now, as stored: a snooze of a passing check would hide its next failure.
    const state = await store.loadClusterState(ref);
    let targets: FindingRecord[];
    if (checked.check) {
      const stored = state.findings.get(checked.check);
      if (!stored) return refuse(context, md`Nothing was snoozed`, `aksmon has no finding of ${checked.check} for ${ref.name} yet: recheck it first`);
      if (stored.status !== "fail") return refuse(context, md`Nothing was snoozed`, `nothing to snooze: ${checked.check} passes on ${ref.name}`);
      targets = [stored];
    } else {
      targets = failingFindings(state.findings.values());
      if (targets.length === 0) return refuse(context, md`Nothing was snoozed`, `${ref.name} has no failing check to snooze`);
    }
    const needsReason = targets.find((finding) => atOrAbove(finding.severity, reasonSeverity));
    if (reason === "" && needsReason) {
      return refuse(
        context,
        md`Nothing was snoozed`,
        `a snooze of a ${needsReason.severity} check (${needsReason.check}) needs a reason: write why in the Snooze box, then press the button again`,
      );
    }
    const at = now();
    const until = new Date(at.getTime() + hours * 3_600_000).toISOString();
    const checks = targets.map((finding) => finding.check);
    const replaced = new Map((await store.listSuppressions(ref, at.toISOString())).map((suppression) => [suppression.check, suppression]));
    const who = userOf(context);
    const by = describeUser(who);
    for (const check of checks) {
      // The audit row first: a snooze that is in force but not in the trail must never exist.
      await store.recordAudit({ at: at.toISOString(), action: "snooze", cluster: ref, actor: by, via: "bot", check, until, ...(reason ? { reason } : {}) });
      await store.setSuppression(ref, { check, until, by, reason, createdAt: at.toISOString() });
    }
    const shown = checks.slice(0, 15).map((check) => escapeText(check, 80));
    const what = checks.length === 1 ? md`${shown[0]!}` : md`${plural(checks.length, "check")}`;
    const lines: Markdown[] = [];
    if (checks.length > 1) lines.push(md`Checks: ${joinChecks(shown, checks.length)}`);
    lines.push(reason ? md`Reason: ${escapeText(reason, 500)}` : md`No reason given.`);
    const previous = checks.length === 1 ? replaced.get(checks[0]!) : undefined;
    if (previous) lines.push(md`It replaces the snooze until ${formatUtc(previous.until, at.toISOString()) ?? escapeText(previous.until, 40)} by ${escapeText(previous.by, 160)}.`);
    lines.push(md`By ${escapeText(displayName(who), 120)}. No alert for ${checks.length === 1 ? "it" : "them"} until then; a recheck still evaluates ${checks.length === 1 ? "it" : "them"}, and a card says so if ${checks.length === 1 ? "it still fails" : "they still fail"} when the snooze ends.`);
    await reply(
      context,
      noticeCard({
        title: md`Snoozed ${what} on ${bold(clusterName(ref))} until ${formatUtc(until, at.toISOString()) ?? until} (${hours < 48 ? `${hours} h` : `${hours / 24} d`})`,
        tone: "good",
        lines,
      }),
    );
  });

  const unsnooze = async (context: TurnContext, ref: ClusterRef, check: string) => {
    if (!inBotScope(ref.subscriptionId, access)) return refuse(context, md`Nothing was unsnoozed`, OUT_OF_SCOPE);
    const at = now().toISOString();
    const current = (await store.listSuppressions(ref, at)).find((suppression) => suppression.check.toLowerCase() === check);
    if (!current) return refuse(context, md`Nothing was unsnoozed`, `${check} is not snoozed on ${ref.name}`);
    const who = userOf(context);
    await store.recordAudit({ at, action: "unsnooze", cluster: ref, actor: describeUser(who), via: "bot", check, reason: `ended the snooze until ${current.until} by ${current.by}` });
    await store.removeSuppression(ref, check);
    await reply(
      context,
      noticeCard({
        title: md`Unsnoozed ${escapeText(check, 80)} on ${bold(clusterName(ref))}`,
        tone: "good",
        lines: [
          md`It was snoozed until ${formatUtc(current.until, at) ?? escapeText(current.until, 40)} by ${escapeText(current.by, 160)}.`,
          md`By ${escapeText(displayName(who), 120)}. Its alerts are back from the next evaluation, which sends a card if it still fails.`,
        ],
      }),
    );
  };

  app.adaptiveCards.actionSubmit("unsnooze", async (context, _state, data: Record<string, unknown>) => {
    const checked = checkUnsnooze(data);
    if (!checked.ok) return refuse(context, md`Nothing was unsnoozed`, checked.problem);
    await unsnooze(context, checked.ref, checked.check);
  });

  const showFindings = async (context: TurnContext, ref: ClusterRef) => {
    if (!inBotScope(ref.subscriptionId, access)) return refuse(context, md`Cannot show findings`, OUT_OF_SCOPE);
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
        if (command.command === "unsnooze") return refuse(context, md`Which cluster and check?`, "name both: unsnooze <cluster> <check>");
        return refuse(context, md`Which cluster?`, `name the cluster: ${command.command} <name>, ${command.command} <resourceGroup/name> or ${command.command} <resource id>`);
      case "status":
      case "recheck":
      case "unsnooze": {
        const found = await lookupCluster(store, command.cluster, (subscriptionId) => inBotScope(subscriptionId, access));
        if (found.kind === "ambiguous") return reply(context, candidatesCard(command.cluster, found.candidates));
        if (found.kind === "invalid") {
          return refuse(context, md`${capitaliseMarkdown(command.kind)} refused: ${bold(escapeText(command.cluster, 100))}`, found.problem);
        }
        if (found.kind === "notFound" || found.kind === "outOfScope") {
          return refuse(context, md`${capitaliseMarkdown(command.kind)}: ${bold(escapeText(command.cluster, 100))} not found`, found.problem);
        }
        if (command.kind === "recheck") return runRecheck(context, found.ref);
        if (command.kind === "unsnooze") {
          const check = checkId(command.check);
          if (check === undefined || check === "unknown") return refuse(context, md`Nothing was unsnoozed`, `aksmon has no check ${command.check.slice(0, 80)}`);
          return unsnooze(context, found.ref, check);
        }
        if (!found.summary) {
          return refuse(context, md`No status for ${bold(clusterName(found.ref))} yet`, "aksmon has not evaluated this cluster yet: recheck it to get one");
        }
        const at = now().toISOString();
        const [state, suppressions] = await Promise.all([store.loadClusterState(found.ref), store.listSuppressions(found.ref, at)]);
        return reply(context, clusterStatusCard({ summary: found.summary, failing: failingFindings(state.findings.values()), suppressions, now: at }));
      }
    }
  });

  const channel = botChannel({
    adapter,
    store,
    appId,
    timeoutMs: options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
    log,
    alertConversations: access.alertConversations,
  });

  /** Who may act, before the routes read anything: a refused request is told why, a refused install is only logged. */
  const admitted = async (context: TurnContext): Promise<boolean> => {
    const activity = context.activity as ActivityLike;
    const request = activity.type === "message" || activity.type === "invoke";
    const admission = request ? admitRequest(activity, access) : admitTenant(activity, access);
    if (admission.ok) return true;
    log(admission.log);
    if (activity.type === "message") await refuse(context, md`aksmon did not act on this`, admission.reply);
    return false;
  };

  return {
    app,
    adapter,
    channel,
    async handle(request) {
      const response = botResponse();
      await adapter.process(botRequest(request), response, async (context) => {
        if (!(await admitted(context))) return;
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

function atOrAbove(severity: Severity, threshold: Severity): boolean {
  const rank = SEVERITIES.indexOf(severity);
  // A severity the catalogue does not know is treated as the worst.
  return rank < 0 || rank <= SEVERITIES.indexOf(threshold);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function capitaliseMarkdown(text: string): Markdown {
  return escapeName(capitalise(text));
}
