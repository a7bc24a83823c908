/**
 * The audit trail's writers and its reader (issue 10, item 1): a recheck appends a row when it is admitted
 * (bot and HTTP go through recheckCluster), an evaluation that sees a check's tag exemption appear or go
 * appends one (the pipeline), and `aksmon audit [--cluster] [--since] [--json]` lists them through the
 * command line's own program (buildProgram), on this file's own Azurite (STORAGE_CONNECTION_STRING).
 * The bot's snooze and unsnooze rows are proven in botAuthorization.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { recheckCluster } from "../shared/api/recheck.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import type { CommandResult } from "../shared/cli/check.js";
import { buildProgram } from "../shared/cli/main.js";
import { settingsSchema } from "../shared/config/settings.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { monitorCluster, type MonitorSettings } from "../shared/monitor/pipeline.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startAzurite } from "./support/azurite.js";
import { clusterWith, snapshotOf, type Json } from "./support/clusters.js";

const SUB = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const SETTINGS = [...Object.keys(settingsSchema.shape), "AzureWebJobsStorage"];
const T0 = Date.parse("2026-11-26T12:00:00Z");
const monitorSettings: MonitorSettings = { profile: defaultProfile, minSeverity: "medium", cooldownMinutes: 0, flapWindowHours: 24, flapThreshold: 3 };

let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;
const saved: Record<string, string | undefined> = {};

function refOf(name: string): ClusterRef {
  return { id: `/subscriptions/${SUB}/resourceGroups/rg-audit/providers/Microsoft.ContainerService/managedClusters/${name}`, subscriptionId: SUB, resourceGroup: "rg-audit", name };
}

function cluster(name: string, tags?: Record<string, string>): Json {
  return clusterWith((c) => {
    c.id = refOf(name).id;
    c.name = name;
    c.properties.disableLocalAccounts = false;
    if (tags) c.tags = tags;
    else delete c.tags;
  });
}

async function aksmon(...args: string[]): Promise<CommandResult> {
  const results: CommandResult[] = [];
  await buildProgram((result) => results.push(result)).parseAsync(args, { from: "user" });
  expect(results).toHaveLength(1);
  return results[0]!;
}

beforeAll(async () => {
  azurite = await startAzurite();
  store = TableStore.connect({ connectionString: azurite.connectionString });
  await store.ensureTables();
  for (const name of SETTINGS) saved[name] = process.env[name];
});
afterAll(async () => {
  await store?.close();
  await azurite?.close();
});
beforeEach(() => {
  for (const name of SETTINGS) delete process.env[name];
  process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
});
afterEach(() => {
  for (const name of SETTINGS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe("writers", () => {
  it("an admitted recheck appends a row (who, via); one refused by the cooldown does not", async () => {
    const ref = refOf("aks-recheck");
    const deps = {
      store,
      reader: { read: async (read: ClusterRef) => ({ ok: false as const, ref: read, error: { kind: "notFound" as const, message: "gone" } }) },
      monitorSettings,
      now: () => new Date(T0),
    };
    expect((await recheckCluster(ref, deps, { by: "Alice (aad 0c9a)", via: "bot" })).kind).toBe("unreadable");
    expect((await recheckCluster(ref, deps, { by: "Bob" })).kind).toBe("cooldown");
    expect(await store.listAudit({ cluster: ref })).toEqual([
      { at: new Date(T0).toISOString(), action: "recheck", cluster: ref, actor: "Alice (aad 0c9a)", via: "bot" },
    ]);
  });

  it("an evaluation that sees a tag exemption appear, then go, appends one row each (who wrote the tag when the event says so)", async () => {
    const ref = refOf("aks-exempt");
    const at = (hours: number) => new Date(T0 + hours * 3_600_000);
    await monitorCluster(await snapshotOf(cluster("aks-exempt")), { kind: "sweep" }, store, monitorSettings, at(0));
    expect(await store.listAudit({ cluster: ref })).toEqual([]);
    const tags = { "aksmon-exempt": "local-accounts-disabled", "aksmon-exempt-reason": "break-glass account, CHG-9" };
    const actor = { name: "carol@contoso.com", at: at(1).toISOString() };
    await monitorCluster(await snapshotOf(cluster("aks-exempt", tags)), { kind: "event", id: "e-1", actor }, store, monitorSettings, at(1));
    await monitorCluster(await snapshotOf(cluster("aks-exempt", tags)), { kind: "sweep" }, store, monitorSettings, at(2));
    await monitorCluster(await snapshotOf(cluster("aks-exempt")), { kind: "sweep" }, store, monitorSettings, at(3));
    const trail = await store.listAudit({ cluster: ref });
    expect(trail.map((row) => [row.action, row.check, row.actor, row.via, row.reason])).toEqual([
      ["exemptionRemoved", "local-accounts-disabled", "evaluation", "evaluation", undefined],
      ["exemptionAdded", "local-accounts-disabled", "carol@contoso.com", "evaluation", "break-glass account, CHG-9"],
    ]);
  });
});

describe("aksmon audit", () => {
  const one = refOf("aks-cli-one");
  const two = refOf("aks-cli-two");

  beforeAll(async () => {
    await store.recordAudit({ at: "2026-11-20T08:00:00.000Z", action: "snooze", cluster: one, actor: "Alice (aad a1)", via: "bot", check: "api-authorized-ip-ranges", until: "2026-11-27T08:00:00.000Z", reason: "CHG-1" });
    await store.recordAudit({ at: "2026-11-21T08:00:00.000Z", action: "unsnooze", cluster: one, actor: "Bob (aad b2)", via: "bot", check: "api-authorized-ip-ranges" });
    await store.recordAudit({ at: "2026-11-22T08:00:00.000Z", action: "recheck", cluster: two, actor: "Carol", via: "http" });
  });

  it("--cluster --json: that cluster's rows, newest first, with who, when, what, until, reason and via", async () => {
    const result = await aksmon("audit", "--cluster", one.id, "--json");
    expect(result.exitCode).toBe(0);
    const body = JSON.parse(result.stdout) as { count: number; audit: Array<Record<string, unknown>> };
    expect(body.count).toBe(2);
    expect(body.audit).toEqual([
      { at: "2026-11-21T08:00:00.000Z", action: "unsnooze", cluster: one.id, actor: "Bob (aad b2)", via: "bot", check: "api-authorized-ip-ranges" },
      { at: "2026-11-20T08:00:00.000Z", action: "snooze", cluster: one.id, actor: "Alice (aad a1)", via: "bot", check: "api-authorized-ip-ranges", until: "2026-11-27T08:00:00.000Z", reason: "CHG-1" },
    ]);
  });

  it("--since filters by time; the table names each row; bad input is a usage error and nothing is read", async () => {
    const result = await aksmon("audit", "--since", "2026-11-21");
    expect(result.stdout).toContain("unsnooze");
    expect(result.stdout).toContain("recheck");
    expect(result.stdout).toContain("by Carol  via http");
    expect(result.stdout).not.toContain("CHG-1");
    await expect(aksmon("audit", "--since", "yesterday")).rejects.toThrow(/--since "yesterday" is not an ISO 8601 time/);
    await expect(aksmon("audit", "--cluster", "aks-cli-one")).rejects.toThrow(/--cluster "aks-cli-one" is not a managed cluster's resource id/);
  });
});
