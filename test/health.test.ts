/**
 * GET /api/health and the alertDelivery timer's start check, through the registered handlers with
 * @azure/functions' own HttpRequest and InvocationContext, against this file's own Azurite (the functions'
 * store is built from the settings, default table names). Health reports the outbox (pending, dead, the
 * oldest pending age) and says when alerts can reach no one: no channel, or a bot installed in none of
 * ALERT_CONVERSATIONS. Such a bot makes alerts wait, never die.
 */
import { HttpRequest, InvocationContext, type Timer } from "@azure/functions";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { alertDeliveryHandler } from "../functions/alertDelivery.js";
import { healthHandler } from "../functions/health.js";
import { resetReportedProblem } from "../shared/api/delivery.js";
import { resetInstanceBot } from "../shared/api/bot.js";
import { resetApiRuntime } from "../shared/api/instance.js";
import type { ClusterAlert } from "../shared/model/alerts.js";
import { outboxEntryFor, TableStore } from "../shared/store/tableStore.js";
import type { Health } from "../shared/health.js";
import { startAzurite } from "./support/azurite.js";
import { SUBSCRIPTIONS } from "./support/liveReads.js";
import { startTeamsReceiver, type TeamsReceiver } from "./support/teamsReceiver.js";

const SUB = SUBSCRIPTIONS[0];
const APP_ID = "6f1c8a52-4d7e-4b3a-9c21-0e5d8f7a6b41";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const ALERT_CHANNEL = "19:alerts0123456789abcdef@thread.tacv2";
const ENV = [
  "STORAGE_CONNECTION_STRING",
  "AzureWebJobsStorage",
  "AZURE_ACCESS_TOKEN",
  "MONITOR_SUBSCRIPTIONS",
  "TEAMS_WEBHOOK_URL",
  "MicrosoftAppId",
  "MicrosoftAppPassword",
  "MicrosoftAppTenantId",
  "MicrosoftAppType",
  "BOT_ALLOWED_TENANTS",
  "ALERT_CONVERSATIONS",
] as const;
const timer: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

let azurite: { connectionString: string; close(): Promise<void> };
let teams: TeamsReceiver;
let store: TableStore;
const saved: Record<string, string | undefined> = {};

beforeAll(async () => {
  [azurite, teams] = await Promise.all([startAzurite(), startTeamsReceiver()]);
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
  for (const name of ENV) saved[name] = process.env[name];
});
afterAll(async () => {
  await store?.close();
  await Promise.all([azurite?.close(), teams?.close()]);
});

/** The outbox has no delete of its own: pending alerts marked sent, dead ones re-queued and marked sent. */
async function emptyOutbox(): Promise<void> {
  await store.redriveDead(new Date().toISOString());
  for (const entry of await store.listOutbox("pending")) await store.markSent(entry, new Date().toISOString());
}

beforeEach(async () => {
  for (const name of ENV) delete process.env[name];
  process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.AZURE_ACCESS_TOKEN = "static-test-token";
  process.env.MONITOR_SUBSCRIPTIONS = SUB;
  resetApiRuntime();
  resetInstanceBot();
  resetReportedProblem();
  teams.reset();
  teams.up();
  for (const conversation of await store.listConversations()) await store.removeConversation(conversation.id);
});

afterEach(() => {
  for (const name of ENV) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetApiRuntime();
  resetInstanceBot();
});

async function getHealth(): Promise<{ status: number; body: Health }> {
  const response = await healthHandler(new HttpRequest({ method: "GET", url: "http://localhost/api/health" }), new InvocationContext({ functionName: "health" }));
  return { status: response.status ?? 200, body: response.jsonBody as Health };
}

function driftAlert(alertId: string, name = "aks-health"): ClusterAlert {
  const id = `/subscriptions/${SUB}/resourceGroups/rg-health/providers/Microsoft.ContainerService/managedClusters/${name}`;
  return {
    kind: "drift",
    alertId,
    cluster: { id, subscriptionId: SUB, resourceGroup: "rg-health", name },
    evaluatedAt: new Date().toISOString(),
    trigger: { kind: "sweep", id: "sweep-health" },
    failures: [
      {
        check: "local-accounts-disabled",
        kind: "newFailure",
        severity: "high",
        title: "Local accounts are disabled",
        from: "pass",
        to: "fail",
        message: "Local accounts are enabled",
        evidence: [{ path: "properties.disableLocalAccounts", value: false, expected: "true" }],
        changes: [],
        flaps: 1,
      },
    ],
    resolved: [],
    stillFailing: 0,
  };
}

function botSettings(): void {
  process.env.MicrosoftAppId = APP_ID;
  process.env.MicrosoftAppPassword = "not-a-real-secret-value";
  process.env.MicrosoftAppTenantId = TENANT;
  process.env.BOT_ALLOWED_TENANTS = TENANT;
  process.env.ALERT_CONVERSATIONS = ALERT_CHANNEL;
}

function context(name: string, lines: string[]): InvocationContext {
  return new InvocationContext({ functionName: name, logHandler: (level, ...args) => lines.push(`${level}: ${args.map(String).join(" ")}`) });
}

describe("GET /api/health", () => {
  it("ok with the webhook: the baseline, 62 checks, the channel and an empty outbox", async () => {
    await emptyOutbox();
    process.env.TEAMS_WEBHOOK_URL = teams.url;
    const { status, body } = await getHealth();
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", checks: 62, delivery: { channel: "webhook" }, outbox: { pending: 0, dead: 0 } });
    expect(body.problem).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(teams.secret);
  });

  it("answers 503 naming the bad setting, without its value", async () => {
    process.env.MONITOR_SUBSCRIPTIONS = "not-a-guid";
    const { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body.problem).toMatch(/^Setting MONITOR_SUBSCRIPTIONS is invalid/);
    expect(JSON.stringify(body)).not.toContain("not-a-guid");
  });

  it("counts pending and dead alerts and the oldest pending age; an hour-old undelivered alert or a dead one is `degraded` (still 200)", async () => {
    await emptyOutbox();
    process.env.TEAMS_WEBHOOK_URL = teams.url;
    const now = Date.now();
    const written = new Date(now - 95 * 60_000).toISOString();
    await store.enqueue(outboxEntryFor(driftAlert("health-old"), { now: written }));
    await store.enqueue(outboxEntryFor(driftAlert("health-new", "aks-health-2"), { now: new Date(now - 60_000).toISOString() }));
    await store.enqueue(outboxEntryFor(driftAlert("health-dead", "aks-health-3"), { now: new Date(now - 60_000).toISOString() }));
    const [toKill] = (await store.listOutbox("pending")).filter((entry) => entry.alertId === "health-dead");
    await store.markDead(toKill!, "HTTP 400 from example: bad card");
    const { status, body } = await getHealth();
    expect(status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.outbox).toMatchObject({ pending: 2, dead: 1, oldestPendingAt: written });
    expect(body.outbox!.oldestPendingMinutes).toBeGreaterThanOrEqual(95);
    expect(body.outbox!.oldestPendingMinutes).toBeLessThan(100);
    expect(body.problems).toEqual([expect.stringMatching(/^1 alert\(s\) could not be delivered and are dead/), expect.stringMatching(/^the oldest undelivered alert waits for 9\d min \(2 pending\)/)]);
    // Counts only: no alert ids, no errors, no cluster names.
    expect(JSON.stringify(body)).not.toMatch(/health-old|bad card|aks-health/);
    await emptyOutbox();
  });

  it("misconfigured (503) when neither TEAMS_WEBHOOK_URL nor a bot is set", async () => {
    const { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "misconfigured", delivery: { channel: "none" } });
    expect(body.problem).toMatch(/neither TEAMS_WEBHOOK_URL nor a Teams bot \(MicrosoftAppId\) is set/);
  });

  it("misconfigured (503) when the bot is installed in none of ALERT_CONVERSATIONS, with counts and never a conversation id or the password", async () => {
    botSettings();
    let { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "misconfigured", delivery: { channel: "bot", conversations: { configured: 1, installed: 0, receiving: 0 } } });
    expect(body.problem).toMatch(/Teams bot \(MicrosoftAppId\) is installed in no conversation/);

    // Installed in another team only: still none of the alert conversations.
    await store.saveConversation({ id: "19:someotherteam@thread.tacv2", reference: { conversation: { id: "19:someotherteam@thread.tacv2" } }, savedAt: new Date().toISOString() });
    ({ status, body } = await getHealth());
    expect(status).toBe(503);
    expect(body.delivery).toEqual({ channel: "bot", conversations: { configured: 1, installed: 1, receiving: 0 } });
    expect(body.problem).toMatch(/installed in 1 conversation\(s\) but in none of the 1 of ALERT_CONVERSATIONS/);

    // Installed where alerts go: ok.
    await store.saveConversation({ id: ALERT_CHANNEL, reference: { conversation: { id: ALERT_CHANNEL } }, savedAt: new Date().toISOString() });
    await emptyOutbox();
    ({ status, body } = await getHealth());
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "ok", delivery: { channel: "bot", conversations: { configured: 1, installed: 2, receiving: 1 } } });
    const text = JSON.stringify(body);
    expect(text).not.toContain("19:");
    expect(text).not.toContain("not-a-real-secret-value");
  });

  it("unavailable (503) when the store cannot be read, naming no connection string", async () => {
    process.env.TEAMS_WEBHOOK_URL = teams.url;
    process.env.STORAGE_CONNECTION_STRING = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Zm9vYmFy;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;";
    const { status, body } = await getHealth();
    expect(status).toBe(503);
    expect(body.status).toBe("unavailable");
    expect(body.problem).toMatch(/^could not read the store: /);
    expect(JSON.stringify(body)).not.toContain("Zm9vYmFy");
  });
});

describe("alertDelivery with a bot installed nowhere", () => {
  it("logs a clear error at its first run (and not every minute), and the alert waits with that reason instead of going dead", async () => {
    await emptyOutbox();
    botSettings();
    await store.enqueue(outboxEntryFor(driftAlert("bot-nowhere"), { now: new Date().toISOString() }));
    const first: string[] = [];
    await alertDeliveryHandler(timer, context("alertDelivery", first));
    expect(first.filter((line) => line.startsWith("error: "))).toEqual([expect.stringMatching(/^error: alertDelivery: the Teams bot \(MicrosoftAppId\) is installed in no conversation/)]);
    expect(await store.listOutbox("dead")).toEqual([]);
    const [waiting] = (await store.listOutbox("pending")).filter((entry) => entry.alertId === "bot-nowhere");
    expect(waiting).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/installed in no conversation.*add the aksmon app to the alert channel's team/) });
    expect(first.join("\n")).toMatch(/alertDelivery: bot: 0 sent, 1 to retry, 0 dead/);

    const second: string[] = [];
    await alertDeliveryHandler(timer, context("alertDelivery", second));
    expect(second.filter((line) => line.startsWith("error: "))).toEqual([]);
    expect(second.join("\n")).not.toContain("not-a-real-secret-value");
    await emptyOutbox();
  });
});
