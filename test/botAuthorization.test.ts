/**
 * Who may act through the Teams bot (issue 10, item 1, and the /api/messages half of item 5), through the
 * REAL `teamsMessages` handler (functions/teamsMessages.ts) with an app id set: activities signed by the
 * test connector's token issuer (test/support/botConnector.ts), the instance bot built from the settings
 * (BOT_ALLOWED_TENANTS, ALERT_CONVERSATIONS, MONITOR_SUBSCRIPTIONS, SNOOZE_*), the store on this file's own
 * Azurite. Then the snooze's end through the real pipeline (the nightly sweep's `monitorCluster`), alerts
 * only to ALERT_CONVERSATIONS, and the size limit of /api/messages on a streamed 60 MB body.
 */
import { HttpRequest, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_ACTIVITY_BYTES, teamsMessagesHandler } from "../functions/teamsMessages.js";
import { alertTargets } from "../shared/alerts/bot/proactive.js";
import { admitRequest, tenantOf } from "../shared/alerts/bot/access.js";
import { alertMessage } from "../shared/alerts/cards/index.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import { instanceBot, instanceBotTestOptions, resetInstanceBot } from "../shared/api/bot.js";
import { apiRuntime, resetApiRuntime } from "../shared/api/instance.js";
import { settingsSchema } from "../shared/config/settings.js";
import type { ClusterAlert } from "../shared/model/alerts.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startAzurite } from "./support/azurite.js";
import {
  ALICE,
  botAddedActivity,
  cardSubmitActivity,
  fixedTokenCredentials,
  startBotConnector,
  teamsChannel,
  TENANT_ID,
  textMessageActivity,
  type BotConnector,
  type TeamsChannel,
} from "./support/botConnector.js";
import { clusterWith, snapshotOf, type Json } from "./support/clusters.js";
import { cardTexts } from "./support/pipeline.js";

const APP_ID = "9f1c8e2a-7b3d-4c5e-8f60-1a2b3c4d5e6f";
const FOREIGN_TENANT = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
const TOKEN = "outbound-token";
const SUB_IN = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const SUB_OUT = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
const RANGES = "api-authorized-ip-ranges";
const LOCAL = "local-accounts-disabled";
const SETTINGS = [...Object.keys(settingsSchema.shape), "AzureWebJobsStorage"];
const T0 = Date.parse("2026-11-26T12:00:00Z");

let azurite: { connectionString: string; close(): Promise<void> };
let connector: BotConnector;
let store: TableStore;
let team: TeamsChannel;
let clockMs = T0;
const logged: string[] = [];
const saved: Record<string, string | undefined> = {};

function refOf(subscriptionId: string, name: string): ClusterRef {
  return { id: `/subscriptions/${subscriptionId}/resourceGroups/rg-test/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId, resourceGroup: "rg-test", name };
}

/** Local accounts on and the API server public with no authorized ranges: two high failures. */
function drifted(name: string, subscriptionId = SUB_IN): Json {
  return clusterWith((c) => {
    c.id = refOf(subscriptionId, name).id;
    c.name = name;
    c.properties.disableLocalAccounts = false;
    c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
  });
}

const monitorSettings: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

async function evaluated(name: string, subscriptionId = SUB_IN) {
  const snapshot = await snapshotOf(drifted(name, subscriptionId));
  return monitorCluster(snapshot, { kind: "sweep", id: `sweep-${clockMs}` }, store, monitorSettings, new Date(clockMs));
}

function context(): InvocationContext {
  return new InvocationContext({ functionName: "teamsMessages", invocationId: "00000000-0000-4000-8000-0000000b0001", logHandler: (_level, ...args) => logged.push(args.map(String).join(" ")) });
}

async function send(activity: Json): Promise<HttpResponseInit> {
  const token = connector.channelToken({ appId: APP_ID, serviceUrl: connector.serviceUrl });
  return teamsMessagesHandler(
    new HttpRequest({ method: "POST", url: "http://localhost/api/messages", body: { string: JSON.stringify(activity) }, headers: { "content-type": "application/json", authorization: `Bearer ${token}` } }),
    context(),
  );
}

/** An activity from another tenant (its own Teams, its own install of the bot by app id). */
function foreign(activity: Json): Json {
  activity.conversation.tenantId = FOREIGN_TENANT;
  activity.channelData.tenant.id = FOREIGN_TENANT;
  return activity;
}

function personal(activity: Json): Json {
  activity.conversation = { id: "a:1personal-chat-with-the-bot", conversationType: "personal", tenantId: activity.conversation.tenantId };
  delete activity.channelData.team;
  delete activity.channelData.channel;
  return activity;
}

function replyText(activity: Json): string {
  const replies = connector.activities.filter((posted) => posted.replyToId === activity.id);
  expect(replies).toHaveLength(1);
  return cardTexts(replies[0]!.card).join("\n");
}

const snooze = (ref: ClusterRef, check: string | undefined, extra: Json = {}): Json => ({ verb: "snooze", clusterId: ref.id, ...(check ? { check } : {}), hours: 168, reason: "change CHG-1", ...extra });
const click = (value: Json, channel = team) => cardSubmitActivity({ serviceUrl: connector.serviceUrl, channel, replyToId: "1700000000001", conversationId: `${channel.channelId};messageid=1700000000001` }, value);
const say = (text: string, channel = team) => textMessageActivity({ serviceUrl: connector.serviceUrl, channel }, text);

const IN = refOf(SUB_IN, "aks-payments");
const OUT = refOf(SUB_OUT, "aks-elsewhere");

beforeAll(async () => {
  [azurite, connector] = await Promise.all([startAzurite(), startBotConnector({ token: TOKEN })]);
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
  for (const name of SETTINGS) saved[name] = process.env[name];
  team = teamsChannel("AKS platform");
});
afterAll(async () => {
  instanceBotTestOptions.extra = undefined;
  await store?.close();
  await Promise.all([azurite?.close(), connector?.close()]);
});
beforeEach(() => {
  for (const name of SETTINGS) delete process.env[name];
  Object.assign(process.env, {
    STORAGE_CONNECTION_STRING: azurite.connectionString,
    AZURE_RESOURCE_MANAGER_ENDPOINT: "https://127.0.0.1:9",
    AZURE_ACCESS_TOKEN: "unused",
    MONITOR_SUBSCRIPTIONS: SUB_IN,
    MicrosoftAppId: APP_ID,
    MicrosoftAppTenantId: TENANT_ID,
    ALERT_CONVERSATIONS: team.channelId,
  });
  instanceBotTestOptions.extra = {
    credentialsFactory: fixedTokenCredentials(APP_ID, TOKEN),
    authSettings: { ToBotFromChannelOpenIdMetadataUrl: connector.openIdMetadataUrl },
    now: () => new Date(clockMs),
  };
  resetApiRuntime();
  resetInstanceBot();
  connector.reset();
  logged.length = 0;
});
afterEach(() => {
  for (const name of SETTINGS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetApiRuntime();
  resetInstanceBot();
});

describe("who may act", () => {
  beforeAll(async () => {
    clockMs = T0;
    await evaluated("aks-payments");
    await evaluated("aks-elsewhere", SUB_OUT);
  });

  it("a correctly signed activity from another tenant, in a personal chat, stores no snooze (in scope or not) and `status` tells nothing", async () => {
    for (const ref of [IN, OUT]) {
      const activity = personal(foreign(click(snooze(ref, RANGES))));
      expect((await send(activity)).status).toBe(200);
      const text = replyText(activity);
      expect(text).toContain("aksmon did not act on this");
      expect(text).toContain("belongs to another tenant");
      expect(text).not.toContain(ref.name);
      expect(await store.listSuppressions(ref, new Date(clockMs).toISOString())).toEqual([]);
    }
    const status = personal(foreign(say("status aks-payments")));
    await send(status);
    const text = replyText(status);
    expect(text).not.toContain("aks-payments");
    expect(text).not.toMatch(/failing|api-authorized/);
    expect(logged.some((line) => line.includes(`tenant ${FOREIGN_TENANT}: not in BOT_ALLOWED_TENANTS`))).toBe(true);
    expect(await store.listAudit()).toEqual([]);
  });

  it("its own tenant in a personal chat or in a team that gets no alerts is refused too, saying why; a foreign install is not saved", async () => {
    const chat = personal(click(snooze(IN, RANGES)));
    await send(chat);
    expect(replyText(chat)).toContain("only in the conversations that receive its alerts");
    const other = teamsChannel("Another team");
    const elsewhere = say("status aks-payments", other);
    await send(elsewhere);
    expect(replyText(elsewhere)).toContain("only in the conversations that receive its alerts");
    expect(replyText(elsewhere)).not.toContain("aks-payments");
    expect(await store.listSuppressions(IN, new Date(clockMs).toISOString())).toEqual([]);

    const before = (await store.listConversations()).length;
    expect((await send(foreign(botAddedActivity({ serviceUrl: connector.serviceUrl, channel: teamsChannel("Foreign team") })))).status).toBe(200);
    expect(await store.listConversations()).toHaveLength(before);
  });

  it("no allowed tenant at all (BOT_ALLOWED_TENANTS and MicrosoftAppTenantId unset) refuses everything, with a reply and a log line", async () => {
    delete process.env.MicrosoftAppTenantId;
    const activity = click(snooze(IN, RANGES));
    await send(activity);
    expect(replyText(activity)).toContain("no allowed tenant configured");
    expect(logged.some((line) => line.includes("no tenant is allowed"))).toBe(true);
    expect(await store.listSuppressions(IN, new Date(clockMs).toISOString())).toEqual([]);
    // BOT_ALLOWED_TENANTS alone admits its tenants.
    process.env.BOT_ALLOWED_TENANTS = `${FOREIGN_TENANT},${TENANT_ID.toUpperCase()}`;
    resetApiRuntime();
    resetInstanceBot();
    const status = say("status aks-payments");
    await send(status);
    expect(replyText(status)).toMatch(/aks-payments: \d+ failing checks/);
  });

  it("in the alert team, a cluster outside MONITOR_SUBSCRIPTIONS is refused for status, snooze, recheck and lookups, and nothing is written", async () => {
    for (const value of [snooze(OUT, RANGES), { verb: "showFindings", clusterId: OUT.id }, { verb: "recheck", clusterId: OUT.id }]) {
      const activity = click(value);
      await send(activity);
      expect(replyText(activity)).toContain("not monitored here (MONITOR_SUBSCRIPTIONS)");
    }
    for (const text of [`status ${OUT.id}`, "status aks-elsewhere", "recheck rg-test/aks-elsewhere"]) {
      const activity = say(text);
      await send(activity);
      expect(replyText(activity)).toMatch(/not monitored here|has not evaluated a cluster of that name/);
      expect(replyText(activity)).not.toMatch(/failing checks/);
    }
    expect(await store.listSuppressions(OUT, new Date(clockMs).toISOString())).toEqual([]);
    expect(await store.listAudit({ cluster: OUT })).toEqual([]);
    // The same in scope works.
    const status = say("status aks-payments");
    await send(status);
    expect(replyText(status)).toMatch(/aks-payments: \d+ failing checks/);
  });

  it("the pure parts: the tenant from the conversation or the channel data (conflicting ones refused), the conversation's reply chain cut off", () => {
    const activity = say("help") as never as Parameters<typeof tenantOf>[0];
    expect(tenantOf(activity)).toBe(TENANT_ID);
    expect(tenantOf({ ...activity, conversation: { ...activity.conversation, tenantId: FOREIGN_TENANT } })).toBe("conflict");
    const access = { allowedTenants: [TENANT_ID], alertConversations: [team.channelId], subscriptions: [SUB_IN] };
    expect(admitRequest({ ...activity, conversation: { ...activity.conversation, id: `${team.channelId};messageid=1` } }, access)).toEqual({ ok: true });
    expect(admitRequest(activity, { ...access, alertConversations: [] })).toMatchObject({ ok: false, log: expect.stringContaining("ALERT_CONVERSATIONS is empty") });
  });
});

describe("snoozes: only a failing check, at most SNOOZE_MAX_DAYS, a reason from SNOOZE_REASON_SEVERITY, audited, and a card when one ends while failing", () => {
  const CLUSTER = refOf(SUB_IN, "aks-snooze");

  it("a passing check cannot be snoozed; too long a snooze and a missing reason are refused naming the rule", async () => {
    clockMs = T0 + 3_600_000;
    await evaluated("aks-snooze");
    process.env.SNOOZE_MAX_DAYS = "1";
    process.env.SNOOZE_REASON_SEVERITY = "high";
    resetApiRuntime();
    const passing = click(snooze(CLUSTER, "run-command-disabled", { hours: 24 }));
    await send(passing);
    expect(replyText(passing)).toMatch(/nothing to snooze: run-command-disabled passes on aks-snooze/i);
    const long = click(snooze(CLUSTER, RANGES, { hours: 168 }));
    await send(long);
    expect(replyText(long)).toContain("at most 24 h (SNOOZE_MAX_DAYS)");
    const noReason = click(snooze(CLUSTER, RANGES, { hours: 24, reason: " " }));
    await send(noReason);
    expect(replyText(noReason).toLowerCase()).toContain(`a snooze of a high check (${RANGES}) needs a reason`);
    expect(await store.listSuppressions(CLUSTER, new Date(clockMs).toISOString())).toEqual([]);
    expect(await store.listAudit({ cluster: CLUSTER })).toEqual([]);
  });

  it("each snooze and unsnooze appends an audit row (who with the aad id, when, until, reason, via); a second snooze replaces the first but not its row", async () => {
    const first = click(snooze(CLUSTER, RANGES, { hours: 24, reason: "CHG-1" }));
    await send(first);
    expect(replyText(first)).toContain(`Snoozed ${RANGES} on aks-snooze`);
    clockMs += 60_000;
    const second = click(snooze(CLUSTER, RANGES, { hours: 168, reason: "CHG-2" }), team);
    second.from = { id: "29:bob", name: "Bob", aadObjectId: "11111111-2222-4333-8444-555555555555" };
    await send(second);
    expect(replyText(second)).toContain("It replaces the snooze until");
    const trail = await store.listAudit({ cluster: CLUSTER });
    expect(trail.map((row) => [row.action, row.actor, row.reason, row.via])).toEqual([
      ["snooze", "Bob (aad 11111111-2222-4333-8444-555555555555)", "CHG-2", "bot"],
      ["snooze", `Alice Example (aad ${ALICE.aadObjectId})`, "CHG-1", "bot"],
    ]);
    expect(trail[0]!.until).toBe(new Date(clockMs + 168 * 3_600_000).toISOString());

    clockMs += 60_000;
    const unsnooze = say(`unsnooze aks-snooze ${RANGES}`);
    await send(unsnooze);
    expect(replyText(unsnooze)).toContain(`Unsnoozed ${RANGES} on aks-snooze`);
    expect(await store.listSuppressions(CLUSTER, new Date(clockMs).toISOString())).toEqual([]);
    expect((await store.listAudit({ cluster: CLUSTER }))[0]).toMatchObject({ action: "unsnooze", check: RANGES, actor: expect.stringContaining("Alice Example (aad") });
    const again = say(`unsnooze aks-snooze ${RANGES}`);
    await send(again);
    expect(replyText(again).toLowerCase()).toContain(`${RANGES} is not snoozed on aks-snooze`);
  });

  it("a snooze that ends while the check still fails sends a card \"snooze ended, still failing\" at the first evaluation after it, once", async () => {
    const cluster = refOf(SUB_IN, "aks-ends");
    clockMs = T0 + 2 * 3_600_000;
    const first = await evaluated("aks-ends");
    expect(first.alert?.failures.map((t) => t.check)).toEqual(expect.arrayContaining([RANGES, LOCAL]));
    const activity = click(snooze(cluster, RANGES, { hours: 24 }));
    await send(activity);
    expect(await store.listSuppressions(cluster, new Date(clockMs).toISOString())).toHaveLength(1);
    clockMs += 12 * 3_600_000;
    const during = await evaluated("aks-ends");
    expect(during.alert).toBeUndefined();
    clockMs += 13 * 3_600_000; // past `until`: the nightly sweep's evaluation
    const after = await evaluated("aks-ends");
    expect(after.alert?.failures.map((t) => [t.check, t.kind, Boolean(t.snoozeEnded)])).toEqual([[RANGES, "stillFailing", true]]);
    const text = cardTexts(alertMessage(after.alert!, { channel: "bot" }).attachments[0].content).join("\n");
    expect(text).toContain("aks-ends drifted: 1 snooze ended, still failing");
    expect(text).toContain(`${RANGES} (snooze ended, still failing)`);
    const next = await evaluated("aks-ends");
    expect(next.alert).toBeUndefined();
  });
});

describe("alerts go only to ALERT_CONVERSATIONS", () => {
  it("an install elsewhere gets nothing; configured ids not installed are named; none configured is a clear reject", async () => {
    const quiet = teamsChannel("Installed, not configured");
    const missing = "19:configured-not-installed@thread.tacv2";
    process.env.ALERT_CONVERSATIONS = `${team.channelId},${missing}`;
    for (const channel of [team, quiet]) await send(botAddedActivity({ serviceUrl: connector.serviceUrl, channel }));
    expect((await store.listConversations()).map((record) => record.id)).toEqual(expect.arrayContaining([team.channelId, quiet.channelId]));
    connector.reset();
    const bot = await instanceBot(await apiRuntime(), (message) => logged.push(message));
    const alert: ClusterAlert = { kind: "drift", alertId: "a-1", cluster: IN, evaluatedAt: new Date(clockMs).toISOString(), trigger: { kind: "sweep" }, failures: [], resolved: [], stillFailing: 0 };
    expect(await bot.channel.send(alertMessage(alert, { channel: "bot" }), alert)).toMatchObject({ kind: "sent" });
    expect(connector.activities.map((posted) => posted.conversationId)).toEqual([team.channelId]);
    expect(logged.some((line) => line.includes(`ALERT_CONVERSATIONS not installed: ${missing}`))).toBe(true);

    process.env.ALERT_CONVERSATIONS = missing;
    resetApiRuntime();
    resetInstanceBot();
    const unplaced = await instanceBot(await apiRuntime());
    expect(await unplaced.channel.send(alertMessage(alert, { channel: "bot" }), alert)).toMatchObject({ kind: "reject", error: expect.stringContaining(missing) });
    delete process.env.ALERT_CONVERSATIONS;
    resetApiRuntime();
    resetInstanceBot();
    const unconfigured = await instanceBot(await apiRuntime());
    expect(await unconfigured.channel.send(alertMessage(alert, { channel: "bot" }), alert)).toMatchObject({ kind: "reject", error: expect.stringContaining("set ALERT_CONVERSATIONS") });
    expect(alertTargets([{ id: "a", reference: {}, savedAt: "" }, { id: "b", reference: {}, savedAt: "" }], ["b", "c"])).toEqual({ targets: [{ id: "b", reference: {}, savedAt: "" }], notInstalled: ["c"] });
  });
});

describe("/api/messages size", () => {
  /** A lazily produced body of `total` bytes of JSON-ish text, counting what the handler pulled. */
  function streamedBody(total: number) {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    const counter = { pulled: 0 };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }, { highWaterMark: 0 });
    return { stream, counter };
  }

  function streamedRequest(stream: ReadableStream<Uint8Array>, headers: Record<string, string> = {}): HttpRequest {
    const nativeRequest = new Request("http://localhost/api/messages", { method: "POST", body: stream, headers, duplex: "half" } as RequestInit);
    return new HttpRequest({ nativeRequest } as never);
  }

  it("a content-length over the limit is 413 before a byte is read or any token checked", async () => {
    const { stream, counter } = streamedBody(60 * 1024 * 1024);
    const response = await teamsMessagesHandler(streamedRequest(stream, { "content-length": String(60 * 1024 * 1024) }), context());
    expect(response.status).toBe(413);
    expect(counter.pulled).toBe(0);
    expect(connector.requests).toEqual([]);
  });

  it("a streamed 60 MB body without a length is cut off at the limit (413): the rest is never read, memory stays flat", async () => {
    const total = 60 * 1024 * 1024;
    const { stream, counter } = streamedBody(total);
    const before = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    const response = await teamsMessagesHandler(streamedRequest(stream), context());
    const grown = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed - before;
    expect(response.status).toBe(413);
    expect(counter.pulled).toBeLessThan(MAX_ACTIVITY_BYTES + 4 * 64 * 1024);
    expect(grown).toBeLessThan(20 * 1024 * 1024);
    // Under the limit, an activity still goes through (here: refused 401 by the adapter, no token).
    const small = await teamsMessagesHandler(new HttpRequest({ method: "POST", url: "http://localhost/api/messages", body: { string: JSON.stringify(say("help")) } }), context());
    expect(small.status).toBe(401);
  });
});
