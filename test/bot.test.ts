/**
 * The Teams bot (`shared/alerts/bot`, @microsoft/teams-ai without any AI) through a FAKE BOT FRAMEWORK
 * CONNECTOR (test/support/botConnector.ts): a local HTTPS server at the activities' `serviceUrl` that
 * records what the bot posts, answers like the connector (200 `{ id }`, 429 or 412 with Retry-After, 403 for a
 * removed bot) and validates every card against the Adaptive Card 1.4 schema. Activities reach the bot
 * through `adapter.process` (`bot.handle`, the path of the Functions endpoint), with no app id (no
 * Entra call) or with an app id, a fixed-token credentials factory and the connector's own token
 * issuer. The store is REAL Azurite (own table prefix).
 *
 * The bot stack is loaded lazily here too (`loadTeamsBot()` in beforeAll); the first describe proves
 * that the command line and the pipeline do not load it.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { AdaptiveCard } from "../shared/alerts/cards/adaptiveCard.js";
import { alertMessage } from "../shared/alerts/cards/index.js";
import { loadTeamsBot, botRequest, botResponse, type Recheck, type TeamsBot, type TeamsBotOptions } from "../shared/alerts/bot/index.js";
import { parseCommand } from "../shared/alerts/bot/commands.js";
import { RecheckCooldown } from "../shared/alerts/bot/cooldown.js";
import { deliverDue } from "../shared/alerts/delivery.js";
import { Pacer } from "../shared/alerts/pacer.js";
import { catalogue } from "../shared/baseline/catalogue.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import type { ClusterAlert, Transition } from "../shared/model/alerts.js";
import { outboxEntryFor, TableStore } from "../shared/store/tableStore.js";
import type { FindingRecord } from "../shared/store/types.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";
import {
  ALICE,
  botAddedActivity,
  botRemovedActivity,
  cardSubmitActivity,
  fixedTokenCredentials,
  installationUpdateActivity,
  startBotConnector,
  teamsChannel,
  TENANT_ID,
  textMessageActivity,
  type BotConnector,
  type PostedActivity,
  type TeamsChannel,
} from "./support/botConnector.js";
import type { Json } from "./support/httpsServer.js";
import { allCards, elements, injectedMarkup, markdownTexts } from "./support/cardText.js";

const ROOT = join(import.meta.dirname, "..");
const SUB_A = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const SUB_B = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const T0 = "2026-11-26T14:00:00.000Z";
const AUTHORIZED_RANGES = "api-authorized-ip-ranges";
const LOCAL_ACCOUNTS = "local-accounts-disabled";
const HOSTILE = "[click](javascript:alert(1)) <at>General</at> **bold** _x_ `code` # h1\n> quote https://evil.example/x";

function refOf(subscriptionId: string, resourceGroup: string, name: string): ClusterRef {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId,
    resourceGroup,
    name,
  };
}

const PAYMENTS = refOf(SUB_A, "aks-prod", "prod-weu-payments");
const WEB_STAGING = refOf(SUB_A, "aks-staging", "web");
const WEB_DEV = refOf(SUB_B, "aks-dev", "web");
const UNSEEN = refOf(SUB_B, "aks-new", "never-evaluated");

function severityOf(check: string) {
  return catalogue.find((each) => each.id === check)!.severity;
}

function finding(check: string, status: "fail" | "pass", overrides: Partial<FindingRecord> = {}): FindingRecord {
  return {
    check,
    status,
    lastStatus: status,
    severity: severityOf(check),
    title: `Title of ${check}`,
    message: status === "fail" ? `${check} fails on this cluster` : `${check} passes`,
    evidence: [],
    ...(status === "fail" ? { firstSeen: "2026-11-25T09:00:00.000Z" } : {}),
    lastSeen: T0,
    everFailed: status === "fail",
    changes: [],
    baseline: "aksmon-baseline-2026.11",
    ...overrides,
  };
}

async function seedCluster(store: TableStore, ref: ClusterRef, failing: readonly string[], extra: Partial<FindingRecord> = {}): Promise<void> {
  const state = await store.loadClusterState(ref);
  const findings = catalogue
    .filter((check) => !failing.includes(check.id))
    .slice(0, 20)
    .map((check) => finding(check.id, "pass"));
  for (const check of failing) findings.push(finding(check, "fail", extra));
  expect(await store.commitEvaluation(ref, { previous: state, findings })).toBe("committed");
  await store.saveClusterSummary({
    ref,
    location: "westeurope",
    kubernetesVersion: "1.30.4",
    summary: { pass: 20, fail: failing.length, error: 1, notApplicable: 2, exempt: 0 },
    lastEvaluatedAt: T0,
    lastTrigger: "sweep",
    configHash: "hash",
  });
}

function driftAlert(ref: ClusterRef, alertId: string): ClusterAlert {
  const transition = (check: string, message: string, changes: Transition["changes"]): Transition => ({
    check,
    kind: "newFailure",
    severity: severityOf(check),
    title: `Title of ${check}`,
    from: "pass",
    to: "fail",
    message,
    evidence: [],
    remediation: `az aks update -g ${ref.resourceGroup} -n ${ref.name} --fix`,
    changes,
    flaps: 1,
  });
  return {
    kind: "drift",
    alertId,
    cluster: { ...ref, location: "westeurope" },
    evaluatedAt: T0,
    trigger: { kind: "event", actor: { name: "alice@contoso.com", at: T0, operation: "Microsoft.ContainerService/managedClusters/write" } },
    failures: [
      transition(AUTHORIZED_RANGES, "The API server is open to the internet.", [
        { path: "properties.apiServerAccessProfile.authorizedIPRanges", before: ["10.0.0.0/8", "20.1.2.0/24", "52.0.0.0/16"], after: null },
      ]),
      transition(LOCAL_ACCOUNTS, "Local accounts were re-enabled.", [{ path: "properties.disableLocalAccounts", before: true, after: false }]),
    ],
    resolved: [],
    stillFailing: 0,
  };
}

// Cards: every text a client renders as Markdown, and what markup it would show.

function submits(card: Json): Json[] {
  return allCards(card).flatMap((each) => [...(each.actions ?? []), ...elements(each.body ?? []).flatMap((element) => element.actions ?? [])]).filter((action: Json) => action.type === "Action.Submit");
}

function expectEscaped(card: Json): void {
  for (const text of markdownTexts(card)) expect(injectedMarkup(text), text.slice(0, 200)).toEqual([]);
}

/** The texts as a reader sees them: escapes taken out, bold markers gone. */
function plainText(card: Json): string {
  return markdownTexts(card)
    .join("\n")
    .replace(/\*\*/g, "")
    .replace(/\\(.)/g, "$1");
}

// ---------------------------------------------------------------------------------------------------

describe("the bot stack is loaded lazily", () => {
  const STACK = /^(@microsoft\/teams-ai|botbuilder|botbuilder-[a-z-]+|botframework-[a-z-]+|openai|gpt-tokenizer)(\/|$)/;

  /** Every module a source file reaches through static imports (`import ... from`, `export ... from`), not `import()`. */
  function staticGraph(entry: string): { files: Set<string>; packages: Map<string, string> } {
    const files = new Set<string>();
    const packages = new Map<string, string>();
    const visit = (file: string) => {
      if (files.has(file)) return;
      files.add(file);
      const source = readFileSync(file, "utf8");
      const statements = source.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/gm);
      for (const [, typeOnly, specifier] of statements) {
        if (typeOnly || !specifier) continue; // `import type` is erased
        if (specifier.startsWith(".")) {
          visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
        } else if (!specifier.startsWith("node:")) {
          packages.set(specifier, file);
        }
      }
    };
    visit(join(ROOT, entry));
    return { files, packages };
  }

  it.each(["shared/cli/main.ts", "shared/monitor/pipeline.ts", "shared/alerts/delivery.ts", "shared/alerts/bot/index.ts", "shared/store/tableStore.ts"])(
    "%s reaches no bot package through a static import",
    (entry) => {
      const { files, packages } = staticGraph(entry);
      expect(files.size).toBeGreaterThan(entry.endsWith("index.ts") ? 1 : 3);
      const offenders = [...packages].filter(([name]) => STACK.test(name)).map(([name, file]) => `${name} from ${file}`);
      expect(offenders).toEqual([]);
    },
  );

  it("the only module that imports teams-ai statically is teamsBot.ts, reached through loadTeamsBot's import()", () => {
    const { packages } = staticGraph("shared/alerts/bot/teamsBot.ts");
    expect(packages.get("@microsoft/teams-ai")).toBe(join(ROOT, "shared/alerts/bot/teamsBot.ts"));
    expect(readFileSync(join(ROOT, "shared/alerts/bot/index.ts"), "utf8")).toMatch(/import\("\.\/teamsBot\.js"\)/);
  });

  const built = join(ROOT, "dist/shared/alerts/bot/index.js");
  it.skipIf(!existsSync(built))("the built command line and pipeline load no bot module; loadTeamsBot() does (timed in a fresh process)", async () => {
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(import.meta.url);
      const stack = () => Object.keys(require.cache).filter((file) => /node_modules[\\\\/](@microsoft[\\\\/]teams-ai|botbuilder|botframework-connector|openai)[\\\\/]/.test(file)).length;
      const t0 = performance.now();
      await import("./dist/shared/cli/main.js");
      await import("./dist/shared/monitor/pipeline.js");
      await import("./dist/shared/alerts/delivery.js");
      const t1 = performance.now();
      const before = stack();
      const { loadTeamsBot } = await import("./dist/shared/alerts/bot/index.js");
      const afterIndex = stack();
      const t2 = performance.now();
      const bot = await loadTeamsBot();
      const t3 = performance.now();
      console.log(JSON.stringify({ withoutBotMs: t1 - t0, botMs: t3 - t2, before, afterIndex, after: stack(), createTeamsBot: typeof bot.createTeamsBot }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT });
    const measured = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number | string>;
    console.log(`import cost: cli+pipeline+delivery ${Math.round(measured.withoutBotMs as number)} ms; loadTeamsBot() ${Math.round(measured.botMs as number)} ms more`);
    expect(measured.before).toBe(0);
    expect(measured.afterIndex).toBe(0);
    expect(measured.after).toBeGreaterThan(50);
    expect(measured.createTeamsBot).toBe("function");
  });
});

describe("pure parts", () => {
  it("parses commands (mention removed, entities, slash, case)", () => {
    expect(parseCommand("status prod-weu-payments")).toEqual({ kind: "status", cluster: "prod-weu-payments" });
    expect(parseCommand("  /Recheck&nbsp;aks-prod/prod-weu-payments \n")).toEqual({ kind: "recheck", cluster: "aks-prod/prod-weu-payments" });
    expect(parseCommand("<at>aksmon</at> help")).toEqual({ kind: "help" });
    expect(parseCommand("")).toEqual({ kind: "help" });
    expect(parseCommand("status")).toEqual({ kind: "missingCluster", command: "status" });
    expect(parseCommand("deploy all")).toEqual({ kind: "unknown", text: "deploy all" });
  });

  it("the cooldown admits one recheck per cluster per window, case-insensitively", () => {
    const cooldown = new RecheckCooldown(60_000);
    expect(cooldown.admit("/subscriptions/A/x", "alice", 0)).toEqual({ ok: true });
    expect(cooldown.admit("/subscriptions/a/X", "bob", 10_000)).toEqual({ ok: false, retryAfterMs: 50_000, by: "alice", at: 0 });
    expect(cooldown.admit("/subscriptions/a/other", "bob", 10_000)).toEqual({ ok: true });
    expect(cooldown.admit("/subscriptions/a/x", "bob", 60_000)).toEqual({ ok: true });
  });

  it("botRequest and botResponse: lower-cased headers from a Headers object, the adapter's answer as plain values", () => {
    const request = botRequest({ method: "post", headers: new Headers({ Authorization: "Bearer x", "Content-Type": "application/json" }), body: { type: "message" } });
    expect(request).toEqual({ method: "POST", headers: { authorization: "Bearer x", "content-type": "application/json" }, body: { type: "message" } });
    expect(botRequest({ method: "POST", headers: { "X-A": ["1", "2"] }, body: "text" })).toEqual({ method: "POST", headers: { "x-a": "1, 2" } });
    const response = botResponse();
    response.status(200).header("User-Agent", "teamsai-js").send({ status: 200 }).end();
    expect(response.ended).toBe(true);
    expect(response.result()).toEqual({ status: 200, headers: { "user-agent": "teamsai-js", "content-type": "application/json; charset=utf-8" }, body: { status: 200 } });
  });
});

// ---------------------------------------------------------------------------------------------------

let azurite: { connectionString: string; close(): Promise<void> };
let connector: BotConnector;
let createTeamsBot: (options: TeamsBotOptions) => TeamsBot;
let clockMs = Date.parse(T0);
const now = () => new Date(clockMs);
const logged: string[] = [];

async function newStore(name: string): Promise<TableStore> {
  const store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix(name) });
  await store.ensureTables();
  return store;
}

/** The conversations that get alerts (ALERT_CONVERSATIONS): each describe adds its team's. */
const alertConversations: string[] = [];

function newBot(store: TableStore, recheck: Recheck, extra: Partial<TeamsBotOptions> = {}): TeamsBot {
  return createTeamsBot({
    store,
    recheck,
    now,
    log: (message) => logged.push(message),
    allowedTenants: [TENANT_ID],
    alertConversations,
    subscriptions: [SUB_A, SUB_B],
    ...extra,
  });
}

async function post(bot: TeamsBot, activity: Json, headers: Record<string, string> = {}) {
  return bot.handle({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: activity });
}

/** What the bot posted in answer to an activity (replies carry its id as `replyToId`). */
function repliesTo(activity: Json): PostedActivity[] {
  return connector.activities.filter((posted) => posted.replyToId === activity.id);
}

function onlyReply(activity: Json): Json {
  const replies = repliesTo(activity);
  expect(replies, JSON.stringify(connector.requests.map((request) => [request.path, request.status, request.error]))).toHaveLength(1);
  const card = replies[0]!.card!;
  expect(connector.validateCard(card)).toBeUndefined();
  expectEscaped(card);
  return card;
}

beforeAll(async () => {
  [azurite, connector, { createTeamsBot }] = await Promise.all([startAzurite(), startBotConnector(), loadTeamsBot()]);
});
afterAll(async () => {
  await Promise.all([azurite?.close(), connector?.close()]);
});
beforeEach(() => {
  connector.reset();
  logged.length = 0;
});

describe("installation and proactive alerts", () => {
  let store: TableStore;
  let bot: TeamsBot;
  let team: TeamsChannel;
  const recheck = vi.fn<Recheck>(async () => ({ summary: "ok" }));

  beforeAll(async () => {
    store = await newStore("botinstall");
    bot = newBot(store, recheck);
    team = teamsChannel("AKS platform");
    alertConversations.push(team.channelId);
  });

  it("with no conversation saved, the channel rejects the alert and says why", async () => {
    const alert = driftAlert(PAYMENTS, "alert-none");
    const result = await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert);
    expect(result.kind).toBe("reject");
    expect(result.kind === "reject" && result.error).toMatch(/not installed in any conversation of ALERT_CONVERSATIONS/);
    expect(result.kind === "reject" && result.error).toContain(team.channelId);
    expect(bot.channel).toMatchObject({ flavour: "bot", key: "teams-bot" });
    expect(connector.requests).toHaveLength(0);
  });

  it("being added to a team saves the conversation reference (no user data) and says hello in the channel", async () => {
    const added = botAddedActivity({ serviceUrl: connector.serviceUrl, channel: team });
    expect(await post(bot, added)).toMatchObject({ status: 200 });
    const [saved, ...others] = await store.listConversations();
    expect(others).toEqual([]);
    expect(saved).toMatchObject({ id: team.channelId, savedAt: T0 });
    expect(saved!.reference).toEqual({
      channelId: "msteams",
      serviceUrl: connector.serviceUrl,
      conversation: { id: team.channelId, conversationType: "channel", isGroup: true, tenantId: added.conversation.tenantId },
      bot: { id: added.recipient.id, name: "aksmon" },
      locale: "en-US",
    });
    const hello = onlyReply(added);
    expect(plainText(hello)).toContain("aksmon is installed here");
    expect(connector.activities[0]!.conversationId).toBe(team.channelId);
    // Teams also sends installationUpdate: saved once, not twice, and no second hello.
    connector.reset();
    expect(await post(bot, installationUpdateActivity({ serviceUrl: connector.serviceUrl, channel: team }, "add"))).toMatchObject({ status: 200 });
    expect(await store.listConversations()).toHaveLength(1);
    expect(connector.activities).toHaveLength(0);
  });

  it("a personal install gets no alerts (only team channels and group chats do)", async () => {
    const personal = installationUpdateActivity({ serviceUrl: connector.serviceUrl, channel: teamsChannel("x"), conversationId: "a:1personal-chat" }, "add");
    personal.conversation = { id: "a:1personal-chat", conversationType: "personal", tenantId: personal.conversation.tenantId };
    expect(await post(bot, personal)).toMatchObject({ status: 200 });
    expect((await store.listConversations()).map((record) => record.id)).toEqual([team.channelId]);
  });

  it("an alert from the outbox reaches the channel as a new message: the bot variant of the card, schema-valid, with Recheck and Snooze", async () => {
    const alert = driftAlert(PAYMENTS, "alert-proactive");
    expect(await store.enqueue(outboxEntryFor(alert, { now: T0 }))).toBe("enqueued");
    const report = await deliverDue(store, bot.channel, {
      pacer: new Pacer(),
      maxAttempts: 3,
      leaseMs: 60_000,
      backoff: { baseMs: 1_000, maxMs: 10_000 },
      batch: 10,
      now,
    });
    expect(report).toEqual({ sent: 1, retried: 0, dead: 0, merged: 0 });
    expect(await store.listOutbox("sent")).toHaveLength(1);

    expect(connector.activities).toHaveLength(1);
    const posted = connector.activities[0]!;
    expect(posted.conversationId).toBe(team.channelId);
    expect(posted.replyToId).toBeUndefined(); // POST /v3/conversations/{id}/activities: its own thread
    expect(connector.requests[0]!.path).toBe(`v3/conversations/${team.channelId}/activities`);
    expect(posted.activity.attachments[0].contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = posted.card!;
    expect(connector.validateCard(card)).toBeUndefined();
    expectEscaped(card);
    expect(plainText(card)).toContain("prod-weu-payments drifted: 2 new failures");
    expect(plainText(card)).toContain("Changed by alice@contoso.com");
    const data = submits(card).map((action) => action.data);
    expect(data).toContainEqual({ verb: "recheck", clusterId: PAYMENTS.id });
    expect(data).toContainEqual({ verb: "snooze", clusterId: PAYMENTS.id, hours: 24 });
    expect(data).toContainEqual({ verb: "snooze", clusterId: PAYMENTS.id, hours: 168 });
    // The same card through the webhook flavour would carry no submit button.
    expect(submits(alertMessage(alert, { channel: "webhook" }).attachments[0].content as unknown as Json)).toEqual([]);
  });

  it("a 429 is one attempt (no SDK retry), answered `retry` with its Retry-After; a 503 and a hang-up are `retry` too", async () => {
    const alert = driftAlert(PAYMENTS, "alert-throttled");
    const message = alertMessage(alert, { channel: "bot" });
    connector.script([{ status: 429, retryAfterSeconds: 30 }]);
    const started = performance.now();
    const throttled = await bot.channel.send(message, alert);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(throttled).toMatchObject({ kind: "retry", status: 429, retryAfterMs: 30_000 });
    expect(connector.requests).toHaveLength(1);

    connector.reset();
    connector.script([{ status: 503 }]);
    expect(await bot.channel.send(message, alert)).toMatchObject({ kind: "retry", status: 503 });
    expect(connector.requests).toHaveLength(1);

    connector.reset();
    connector.script([{ hangUp: true }]);
    const hungUp = await bot.channel.send(message, alert);
    expect(hungUp.kind).toBe("retry");
    expect(hungUp.kind === "retry" && hungUp.status).toBeUndefined();
    expect(connector.requests).toHaveLength(1);

    // A connector that does not answer within the send timeout.
    connector.reset();
    connector.script([{ delayMs: 1_500 }]);
    const impatient = newBot(store, recheck, { sendTimeoutMs: 200 });
    const timedStart = performance.now();
    const timedOut = await impatient.channel.send(message, alert);
    expect(performance.now() - timedStart).toBeLessThan(1_400);
    expect(timedOut.kind).toBe("retry");
    expect(await store.listConversations()).toHaveLength(1);
  });

  it("a 412 is retryable like a 429 (Teams' rate-limit guidance), Retry-After honoured: 412 then 200 delivers the alert once", async () => {
    const alert = driftAlert(PAYMENTS, "alert-precondition");
    connector.script([{ status: 412 }]);
    const bare = await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert);
    expect(bare).toMatchObject({ kind: "retry", status: 412 });
    expect(bare).not.toHaveProperty("retryAfterMs");
    expect(connector.activities).toHaveLength(0);

    // Through the outbox: 412 with Retry-After 1 s, then the connector's normal 200.
    connector.reset();
    expect(await store.enqueue(outboxEntryFor(alert, { now: T0 }))).toBe("enqueued");
    let at = Date.parse(T0);
    // A backoff of at least 30 s: only the Retry-After can make the retry due after 1 s.
    const options = { pacer: new Pacer(), maxAttempts: 3, leaseMs: 60_000, backoff: { baseMs: 60_000, maxMs: 600_000 }, batch: 10, now: () => new Date(at) };
    connector.script([{ status: 412, retryAfterSeconds: 1 }]);
    expect(await deliverDue(store, bot.channel, options)).toEqual({ sent: 0, retried: 1, dead: 0, merged: 0 });
    const pending = (await store.listOutbox("pending")).find((entry) => entry.alertId === alert.alertId);
    expect(pending).toMatchObject({ nextAttemptAt: new Date(at + 1_000).toISOString(), lastError: expect.stringContaining("HTTP 412") });
    at += 500;
    expect(await deliverDue(store, bot.channel, options)).toEqual({ sent: 0, retried: 0, dead: 0, merged: 0 });
    at += 500;
    expect(await deliverDue(store, bot.channel, options)).toEqual({ sent: 1, retried: 0, dead: 0, merged: 0 });
    expect(connector.requests.map((request) => request.status)).toEqual([412, 200]);
    expect(connector.activities).toHaveLength(1);
    expect(connector.activities[0]!.conversationId).toBe(team.channelId);
    expect((await store.listOutbox("sent")).filter((entry) => entry.alertId === alert.alertId)).toHaveLength(1);
  });

  it("a card the connector refuses (400, 413) is `reject`ed (sending it again would fail again); the conversation is kept", async () => {
    const alert = driftAlert(PAYMENTS, "alert-refused");
    connector.script([{ status: 400, body: { error: { code: "BadArgument", message: "Unknown attachment type" } } }]);
    const result = await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert);
    expect(result).toMatchObject({ kind: "reject", status: 400, error: expect.stringContaining("HTTP 400 BadArgument: Unknown attachment type") });
    expect(await store.listConversations()).toHaveLength(1);
  });

  it("a conversation that answers 403 (bot removed) is deleted; the alert is still `sent` when another conversation took it", async () => {
    const other = teamsChannel("Security");
    alertConversations.push(other.channelId);
    await post(bot, botAddedActivity({ serviceUrl: connector.serviceUrl, channel: other }));
    expect(await store.listConversations()).toHaveLength(2);
    connector.reset();
    connector.remove(team.channelId);
    const alert = driftAlert(PAYMENTS, "alert-removed");
    const result = await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert);
    expect(result.kind).toBe("sent");
    expect(connector.activities.map((posted) => posted.conversationId)).toEqual([other.channelId]);
    expect(connector.requests.find((request) => request.conversationId === team.channelId)).toMatchObject({ status: 403, outcome: "removed" });
    expect((await store.listConversations()).map((record) => record.id)).toEqual([other.channelId]);

    // Removed from the last one too: deleted, and the alert is rejected with the reason.
    connector.reset();
    connector.remove(other.channelId);
    const last = await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert);
    expect(last.kind).toBe("reject");
    expect(last.kind === "reject" && last.error).toMatch(/removed from every conversation/);
    expect(await store.listConversations()).toEqual([]);
  });

  it("being removed from a team (conversationUpdate or installationUpdate remove) deletes its conversation", async () => {
    const one = teamsChannel("One");
    const two = teamsChannel("Two");
    await post(bot, botAddedActivity({ serviceUrl: connector.serviceUrl, channel: one }));
    await post(bot, installationUpdateActivity({ serviceUrl: connector.serviceUrl, channel: two }, "add"));
    expect((await store.listConversations()).map((record) => record.id).sort()).toEqual([one.channelId, two.channelId].sort());
    await post(bot, botRemovedActivity({ serviceUrl: connector.serviceUrl, channel: one }));
    await post(bot, installationUpdateActivity({ serviceUrl: connector.serviceUrl, channel: two }, "remove"));
    expect(await store.listConversations()).toEqual([]);
  });
});

describe("card actions and commands", () => {
  let store: TableStore;
  let bot: TeamsBot;
  const team = teamsChannel("AKS platform");
  alertConversations.push(team.channelId);
  const recheck = vi.fn<Recheck>();
  /** A click on a button of a card the bot posted earlier: in the card's reply chain. */
  const click = (value: Json, from = ALICE) =>
    cardSubmitActivity({ serviceUrl: connector.serviceUrl, channel: team, from, conversationId: `${team.channelId};messageid=1700000000001`, replyToId: "1700000000001" }, value);
  const say = (text: string) => textMessageActivity({ serviceUrl: connector.serviceUrl, channel: team }, text);

  beforeAll(async () => {
    store = await newStore("botactions");
    bot = newBot(store, recheck);
    await seedCluster(store, PAYMENTS, [AUTHORIZED_RANGES, LOCAL_ACCOUNTS]);
    await seedCluster(store, WEB_STAGING, ["uptime-sla-tier"]);
    await seedCluster(store, WEB_DEV, []);
  });
  beforeEach(() => {
    recheck.mockReset();
    recheck.mockImplementation(async (clusterId) => ({ summary: `${clusterId.split("/").pop()}: 2 failing, 0 new\nEvaluated in 1.4 s` }));
    clockMs += 10 * 60_000; // past every cooldown
  });

  it("Recheck calls the injected recheck once and replies in the card's thread", async () => {
    const activity = click({ verb: "recheck", clusterId: PAYMENTS.id });
    expect(await post(bot, activity)).toMatchObject({ status: 200 });
    expect(recheck).toHaveBeenCalledTimes(1);
    expect(recheck).toHaveBeenCalledWith(PAYMENTS.id, `Alice Example (aad ${ALICE.aadObjectId})`);
    const card = onlyReply(activity);
    expect(repliesTo(activity)[0]!.conversationId).toBe(`${team.channelId};messageid=1700000000001`);
    expect(connector.requests[0]!.path).toBe(`v3/conversations/${team.channelId};messageid=1700000000001/activities/${activity.id}`);
    expect(plainText(card)).toContain("Recheck of prod-weu-payments");
    expect(plainText(card)).toContain("prod-weu-payments: 2 failing, 0 new");
    expect(plainText(card)).toContain("Evaluated in 1.4 s");
  });

  it("a second click within the cooldown (anyone's) is refused politely and does not reach the pipeline; after it, rechecks run again", async () => {
    await post(bot, click({ verb: "recheck", clusterId: PAYMENTS.id }));
    expect(recheck).toHaveBeenCalledTimes(1);
    clockMs += 12_000;
    const bob = { id: "29:bob", name: "Bob", aadObjectId: "11111111-2222-4333-8444-555555555555" };
    const again = click({ verb: "recheck", clusterId: PAYMENTS.id.toLowerCase() }, bob);
    expect(await post(bot, again)).toMatchObject({ status: 200 });
    expect(recheck).toHaveBeenCalledTimes(1);
    const refusal = plainText(onlyReply(again));
    expect(refusal).toContain("was rechecked moments ago");
    expect(refusal).toContain("Alice Example");
    expect(refusal).toContain("12 s ago");
    expect(refusal).toContain("in 48 s");
    // Another cluster is not held back.
    await post(bot, say(`recheck ${WEB_STAGING.resourceGroup}/web`));
    expect(recheck).toHaveBeenCalledTimes(2);
    clockMs += 48_000;
    await post(bot, click({ verb: "recheck", clusterId: PAYMENTS.id }));
    expect(recheck).toHaveBeenCalledTimes(3);
  });

  it("an invalid clusterId is refused with a clear message and never reaches the pipeline", async () => {
    const cases: Array<[unknown, RegExp]> = [
      ["/subscriptions/6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x", /not a managed cluster id/],
      [`${PAYMENTS.id}/agentPools/system`, /not a managed cluster id/],
      ["/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/x", /not a subscription id/],
      [`/subscriptions/${SUB_A}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${HOSTILE}`, /not a managed cluster id|not a valid AKS cluster name/],
      [42, /no cluster id/],
      [undefined, /no cluster id/],
    ];
    for (const [clusterId, problem] of cases) {
      const activity = click({ verb: "recheck", clusterId: clusterId as string });
      expect(await post(bot, activity)).toMatchObject({ status: 200 });
      const text = plainText(onlyReply(activity));
      expect(text).toContain("Recheck refused");
      expect(text).toMatch(problem);
    }
    expect(recheck).not.toHaveBeenCalled();
  });

  it("a recheck that fails or throws is answered with the reason, escaped", async () => {
    recheck.mockResolvedValueOnce({ error: `ARM answered 403 for ${HOSTILE}` });
    const failed = click({ verb: "recheck", clusterId: WEB_DEV.id });
    await post(bot, failed);
    const card = onlyReply(failed);
    expect(plainText(card)).toContain("The recheck of web did not finish");
    expect(plainText(card)).toContain("ARM answered 403 for [click](javascript:alert(1))");
    clockMs += 61_000;
    recheck.mockRejectedValueOnce(new Error("socket hang up"));
    const threw = click({ verb: "recheck", clusterId: WEB_DEV.id });
    await post(bot, threw);
    expect(plainText(onlyReply(threw))).toContain("socket hang up");
    expect(logged.some((line) => line.includes("the recheck of"))).toBe(true);
  });

  it("Snooze 24 h on one check stores the suppression with until, by and reason, and confirms it", async () => {
    const activity = click({ verb: "snooze", clusterId: PAYMENTS.id, check: AUTHORIZED_RANGES, hours: 24, reason: "  Change CHG-1234: ranges restored tonight  " });
    expect(await post(bot, activity)).toMatchObject({ status: 200 });
    const at = now().toISOString();
    const until = new Date(clockMs + 24 * 3_600_000).toISOString();
    expect(await store.listSuppressions(PAYMENTS, at)).toEqual([
      { check: AUTHORIZED_RANGES, until, by: `Alice Example (aad ${ALICE.aadObjectId})`, reason: "Change CHG-1234: ranges restored tonight", createdAt: at },
    ]);
    const text = plainText(onlyReply(activity));
    expect(text).toContain(`Snoozed ${AUTHORIZED_RANGES} on prod-weu-payments until`);
    expect(text).toContain("(24 h)");
    expect(text).toContain("Reason: Change CHG-1234: ranges restored tonight");
    expect(text).toContain("By Alice Example");
  });

  it("Snooze 7 d without a check covers every failing check of the cluster", async () => {
    const activity = click({ verb: "snooze", clusterId: WEB_STAGING.id, hours: 168, reason: "Staging rebuild next week" });
    await post(bot, activity);
    const suppressions = await store.listSuppressions(WEB_STAGING, now().toISOString());
    expect(suppressions.map((suppression) => [suppression.check, suppression.until])).toEqual([
      ["uptime-sla-tier", new Date(clockMs + 168 * 3_600_000).toISOString()],
    ]);
    expect(plainText(onlyReply(activity))).toMatch(/Snoozed uptime-sla-tier on web until .* \(7 d\)/);
    // A cluster with nothing failing has nothing to snooze.
    const nothing = click({ verb: "snooze", clusterId: WEB_DEV.id, hours: 24, reason: "why not" });
    await post(bot, nothing);
    expect(plainText(onlyReply(nothing))).toContain("has no failing check to snooze");
    expect(await store.listSuppressions(WEB_DEV, now().toISOString())).toEqual([]);
  });

  it("a snooze with another duration, an unknown check, a 501-character reason or of a check that does not fail is refused and stores nothing", async () => {
    const cases: Array<[Json, RegExp]> = [
      [{ verb: "snooze", clusterId: WEB_DEV.id, check: LOCAL_ACCOUNTS, hours: 24, reason: "x" }, /nothing to snooze: local-accounts-disabled passes|has no finding of local-accounts-disabled/i],
      [{ verb: "snooze", clusterId: WEB_DEV.id, check: LOCAL_ACCOUNTS, hours: 12, reason: "x" }, /24 hours or 168 hours/],
      [{ verb: "snooze", clusterId: WEB_DEV.id, check: LOCAL_ACCOUNTS, hours: 169, reason: "x" }, /at most 7 days \(SNOOZE_MAX_DAYS\)/],
      [{ verb: "snooze", clusterId: WEB_DEV.id, check: LOCAL_ACCOUNTS, hours: "forever", reason: "x" }, /24 hours or 168 hours/],
      [{ verb: "snooze", clusterId: WEB_DEV.id, check: "no-such-check", hours: 24, reason: "x" }, /check aksmon does not have/],
      [{ verb: "snooze", clusterId: WEB_DEV.id, check: LOCAL_ACCOUNTS, hours: 24, reason: "r".repeat(501) }, /at most 500 characters/],
      [{ verb: "snooze", clusterId: "prod-weu-payments", hours: 24, reason: "x" }, /not a managed cluster id/],
    ];
    for (const [value, problem] of cases) {
      const activity = click(value);
      await post(bot, activity);
      const text = plainText(onlyReply(activity));
      expect(text).toContain("Nothing was snoozed");
      expect(text).toMatch(problem);
    }
    expect(await store.listSuppressions(WEB_DEV, now().toISOString())).toEqual([]);
    // 500 characters are fine, and hours may arrive as a string.
    await post(bot, click({ verb: "snooze", clusterId: PAYMENTS.id, check: LOCAL_ACCOUNTS, hours: "24", reason: "r".repeat(500) }));
    expect((await store.listSuppressions(PAYMENTS, now().toISOString())).find((each) => each.check === LOCAL_ACCOUNTS)?.reason).toHaveLength(500);
  });

  it("Show findings lists the cluster's stored failing findings, the snoozed one marked", async () => {
    await store.setSuppression(PAYMENTS, { check: LOCAL_ACCOUNTS, until: new Date(clockMs + 3_600_000).toISOString(), by: "Carol", reason: "r", createdAt: now().toISOString() });
    const activity = click({ verb: "showFindings", clusterId: PAYMENTS.id });
    await post(bot, activity);
    const card = onlyReply(activity);
    const text = plainText(card);
    expect(text).toContain("prod-weu-payments: 2 failing checks");
    expect(text).toContain(`High ${AUTHORIZED_RANGES}: ${AUTHORIZED_RANGES} fails on this cluster`);
    expect(text).toMatch(new RegExp(`${LOCAL_ACCOUNTS}: .*snoozed until .* by Carol`));
    expect(text).not.toContain("uptime-sla-tier"); // another cluster's
    expect(text).toContain("failing since 2026-11-25 09:00 UTC");
    expect(submits(card).map((action) => action.data.verb)).toEqual(expect.arrayContaining(["recheck", "snooze"]));
    // A cluster aksmon never evaluated.
    const unseen = click({ verb: "showFindings", clusterId: UNSEEN.id });
    await post(bot, unseen);
    expect(plainText(onlyReply(unseen))).toContain("has not evaluated this cluster yet");
  });

  it("`status <name>` answers with the cluster's posture, worst failures and buttons", async () => {
    const activity = say("status prod-weu-payments");
    await post(bot, activity);
    const card = onlyReply(activity);
    const text = plainText(card);
    expect(text).toContain("prod-weu-payments: 2 failing checks");
    expect(text).toContain(`Subscription ${SUB_A} · resource group aks-prod · westeurope`);
    expect(text).toContain(AUTHORIZED_RANGES);
    expect(submits(card).map((action) => action.data)).toEqual([
      { verb: "recheck", clusterId: PAYMENTS.id },
      { verb: "showFindings", clusterId: PAYMENTS.id },
    ]);
    expect(card.actions[0]).toMatchObject({ type: "Action.OpenUrl", url: expect.stringMatching(/^https:\/\/portal\.azure\.com\//) });
    // By id and in another case.
    const byId = say(`STATUS ${PAYMENTS.id.toUpperCase().replace("/SUBSCRIPTIONS/", "/subscriptions/")}`);
    await post(bot, byId);
    expect(plainText(onlyReply(byId))).toContain("prod-weu-payments: 2 failing checks");
    expect(recheck).not.toHaveBeenCalled();
  });

  it("`recheck <rg/name>` resolves through the clusters table and rechecks that cluster", async () => {
    const activity = say("recheck AKS-PROD/prod-weu-payments");
    await post(bot, activity);
    expect(recheck).toHaveBeenCalledWith(PAYMENTS.id, `Alice Example (aad ${ALICE.aadObjectId})`);
    expect(plainText(onlyReply(activity))).toContain("Recheck of prod-weu-payments");
    // An id aksmon has not seen yet is rechecked as given (the pipeline reads it).
    const unseen = say(`recheck ${UNSEEN.id}`);
    await post(bot, unseen);
    expect(recheck).toHaveBeenLastCalledWith(UNSEEN.id, expect.any(String));
  });

  it("an ambiguous name is answered with the candidates; an unknown one and a bad one are refused", async () => {
    const ambiguous = say("status web");
    await post(bot, ambiguous);
    const text = plainText(onlyReply(ambiguous));
    expect(text).toContain("web matches 2 clusters");
    expect(text).toContain(`aks-staging/web in subscription ${SUB_A}`);
    expect(text).toContain(`aks-dev/web in subscription ${SUB_B}`);
    const narrowed = say("status aks-dev/web");
    await post(bot, narrowed);
    expect(plainText(onlyReply(narrowed))).toContain("web: no failing checks");

    const unknown = say("recheck nosuch");
    await post(bot, unknown);
    expect(plainText(onlyReply(unknown))).toMatch(/has not evaluated a cluster of that name/);
    const bad = say("status a/b/c/d");
    await post(bot, bad);
    expect(plainText(onlyReply(bad))).toMatch(/Status refused: a\/b\/c\/d\nName a cluster as name, resourceGroup\/name/);
    expect(recheck).not.toHaveBeenCalled();
  });

  it("`help`, a bare mention, an unknown command and an unknown button get the command list", async () => {
    for (const activity of [say("help"), say(""), say("deploy everything"), click({ verb: "selfDestruct" })]) {
      await post(bot, activity);
      const text = plainText(onlyReply(activity));
      expect(text).toContain("status <cluster>");
      expect(text).toContain("recheck <cluster>");
    }
  });

  it("hostile text stays escaped: a typed cluster name, a snooze reason, a user's name, a recheck summary", async () => {
    const typed = say(`status ${HOSTILE}`);
    await post(bot, typed);
    expect(plainText(onlyReply(typed))).toContain("[click](javascript:alert(1))");

    const mallory = { id: "29:m", name: "Mallory <at>everyone</at> [x](https://evil.example)", aadObjectId: "22222222-3333-4444-8555-666666666666" };
    const snooze = click({ verb: "snooze", clusterId: PAYMENTS.id, check: AUTHORIZED_RANGES, hours: 24, reason: HOSTILE }, mallory);
    await post(bot, snooze);
    const confirmation = plainText(onlyReply(snooze));
    expect(confirmation).toContain("Mallory <at>everyone</at>");
    expect(confirmation).toContain("Reason: [click](javascript:alert(1))");

    recheck.mockResolvedValueOnce({ summary: `${HOSTILE}\n- item\n1. item` });
    const rechecked = click({ verb: "recheck", clusterId: WEB_STAGING.id });
    await post(bot, rechecked);
    expect(plainText(onlyReply(rechecked))).toContain("<at>General</at>");
  });

  it("a proactive alert about a cluster with a hostile name is schema-valid, escaped, and has no buttons that would carry its id", async () => {
    const hostile: ClusterRef = { id: `/subscriptions/${SUB_A}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/${HOSTILE}`, subscriptionId: SUB_A, resourceGroup: "rg", name: HOSTILE };
    await post(bot, botAddedActivity({ serviceUrl: connector.serviceUrl, channel: team }));
    connector.reset();
    const alert = driftAlert(hostile, "alert-hostile");
    expect(await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert)).toMatchObject({ kind: "sent" });
    const card = connector.activities[0]!.card!;
    expect(connector.validateCard(card)).toBeUndefined();
    expectEscaped(card);
    expect(plainText(card)).toContain("[click](javascript:alert(1))");
    expect(submits(card)).toEqual([]);
    expect(JSON.stringify(card)).not.toContain('"url":"https://evil');
  });
});

describe("with an app id: authenticated requests, and a credentials factory instead of Entra", () => {
  const APP_ID = "9f1c8e2a-7b3d-4c5e-8f60-1a2b3c4d5e6f";
  const TOKEN = "outbound-token-from-the-injected-factory";
  let secured: BotConnector;
  let store: TableStore;
  let bot: TeamsBot;
  let credentials: ReturnType<typeof fixedTokenCredentials>;
  const team = teamsChannel("Secured");
  alertConversations.push(team.channelId);

  beforeAll(async () => {
    secured = await startBotConnector({ token: TOKEN });
    store = await newStore("botauth");
    await seedCluster(store, PAYMENTS, [AUTHORIZED_RANGES]);
    credentials = fixedTokenCredentials(APP_ID, TOKEN);
    bot = newBot(store, async () => ({ summary: "fine" }), {
      appId: APP_ID,
      appType: "SingleTenant",
      appTenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
      credentialsFactory: credentials,
      authSettings: { ToBotFromChannelOpenIdMetadataUrl: secured.openIdMetadataUrl },
    });
  });
  afterAll(() => secured?.close());
  beforeEach(() => secured.reset());

  it("an activity without a token, with a stranger's signature or for another service URL is refused 401 and does nothing", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const activity = textMessageActivity({ serviceUrl: secured.serviceUrl, channel: team }, "status prod-weu-payments");
      expect((await post(bot, activity)).status).toBe(401);
      const stranger = secured.channelToken({ appId: APP_ID, serviceUrl: secured.serviceUrl, signedBy: "stranger" });
      expect((await post(bot, activity, { authorization: `Bearer ${stranger}` })).status).toBe(401);
      const expired = secured.channelToken({ appId: APP_ID, serviceUrl: secured.serviceUrl, expiresInSeconds: -3_600 });
      expect((await post(bot, activity, { authorization: `Bearer ${expired}` })).status).toBe(401);
      const elsewhere = secured.channelToken({ appId: APP_ID, serviceUrl: "https://attacker.example/" });
      expect((await post(bot, activity, { authorization: `Bearer ${elsewhere}` })).status).toBe(401);
      const otherBot = secured.channelToken({ appId: "another-app", serviceUrl: secured.serviceUrl });
      expect((await post(bot, activity, { authorization: `Bearer ${otherBot}` })).status).toBe(401);
      const added = botAddedActivity({ serviceUrl: secured.serviceUrl, channel: team });
      expect((await post(bot, added)).status).toBe(401);
    } finally {
      errors.mockRestore();
    }
    expect(secured.activities).toEqual([]);
    expect(await store.listConversations()).toEqual([]);
  });

  it("a signed activity is handled, and the reply and proactive alerts carry the injected factory's token", async () => {
    const token = secured.channelToken({ appId: APP_ID, serviceUrl: secured.serviceUrl });
    const added = botAddedActivity({ serviceUrl: secured.serviceUrl, channel: team });
    expect(await post(bot, added, { authorization: `Bearer ${token}` })).toMatchObject({ status: 200 });
    const status = textMessageActivity({ serviceUrl: secured.serviceUrl, channel: team }, "status prod-weu-payments");
    expect(await post(bot, status, { authorization: `Bearer ${token}` })).toMatchObject({ status: 200 });
    expect(secured.activities.map((posted) => posted.replyToId)).toEqual([added.id, status.id]);
    const alert = driftAlert(PAYMENTS, "alert-secured");
    expect(await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert)).toMatchObject({ kind: "sent" });
    const posts = secured.requests.filter((request) => request.method === "POST");
    expect(posts).toHaveLength(3);
    for (const request of posts) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    expect(credentials.issued).toBeGreaterThan(0);
  });

  it("a token that cannot be had (Entra unreachable) makes the alert `retry`; configuration mistakes fail at creation", async () => {
    const failing = fixedTokenCredentials(APP_ID, TOKEN);
    failing.createCredentials = async () => {
      throw new Error("AADSTS7000215: Invalid client secret provided.");
    };
    const broken = newBot(store, async () => ({ summary: "" }), { appId: APP_ID, credentialsFactory: failing });
    expect(await store.listConversations()).toHaveLength(1);
    const alert = driftAlert(PAYMENTS, "alert-no-token");
    const result = await broken.channel.send(alertMessage(alert, { channel: "bot" }), alert);
    expect(result).toMatchObject({ kind: "retry", error: expect.stringContaining("Invalid client secret") });
    expect(secured.requests.filter((request) => request.method === "POST")).toHaveLength(0);

    const recheck: Recheck = async () => ({ summary: "" });
    expect(() => newBot(store, recheck, { appId: APP_ID })).toThrow(/no app password/);
    expect(() => newBot(store, recheck, { appPassword: "secret" })).toThrow(/no app id/);
    expect(() => newBot(store, recheck, { appId: APP_ID, appPassword: "secret", appType: "SingleTenant" })).toThrow(/MicrosoftAppTenantId is required/);
    expect(() => newBot(store, recheck, { appId: APP_ID, appType: "UserAssignedMSI", appTenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" })).not.toThrow();
  });

  it("adapter.process directly, with the plain request and response objects: non-POST 405, a body that is not an object 400", async () => {
    const response = botResponse();
    await bot.adapter.process(botRequest({ method: "GET", headers: {}, body: undefined }), response, async (context) => {
      await bot.app.run(context);
    });
    expect(response.ended).toBe(true);
    expect(response.result().status).toBe(405);
    const notObject = await bot.handle({ method: "POST", headers: {}, body: "not json" });
    expect(notObject.status).toBe(400);
    expect(notObject.headers["user-agent"]).toMatch(/^teamsai-js\//);
  });
});
