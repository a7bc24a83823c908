/**
 * The audit trail's store (shared/store/audit.ts) against Azurite: append-only (two actions in the same
 * millisecond both stay), a cluster's trail newest first, the fleet's since a time, ids read back whole.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditRecord } from "../shared/model/audit.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import { TableStore } from "../shared/store/tableStore.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";

const SUBSCRIPTION = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const ref = (name: string): ClusterRef => ({
  id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-Prod/providers/Microsoft.ContainerService/managedClusters/${name}`,
  subscriptionId: SUBSCRIPTION,
  resourceGroup: "rg-Prod",
  name,
});

let azurite: Awaited<ReturnType<typeof startAzurite>>;
let store: TableStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("audit") });
  await store.ensureTables();
});
afterAll(() => azurite.close());

describe("audit trail", () => {
  it("keeps every action, even two of the same millisecond, and reads a cluster's trail newest first", async () => {
    const a = ref("aks-a");
    const snooze: AuditRecord = {
      at: "2026-12-01T10:00:00.000Z",
      action: "snooze",
      cluster: a,
      actor: "Alice Example (aad 0c9a7f3e-0000-4000-8000-000000000001)",
      via: "bot",
      check: "api-authorized-ip-ranges",
      until: "2026-12-02T10:00:00.000Z",
      reason: "change window CHG-1234",
    };
    await store.recordAudit(snooze);
    await store.recordAudit({ ...snooze, reason: "the same click, twice" });
    await store.recordAudit({ at: "2026-12-01T11:00:00.000Z", action: "unsnooze", cluster: a, actor: "Bob", via: "bot", check: "api-authorized-ip-ranges" });
    await store.recordAudit({ at: "2026-12-01T09:00:00.000Z", action: "recheck", cluster: ref("aks-b"), actor: "ops@contoso.com", via: "http" });

    const trail = await store.listAudit({ cluster: a });
    expect(trail.map((row) => [row.action, row.reason])).toEqual([
      ["unsnooze", undefined],
      ["snooze", expect.any(String)],
      ["snooze", expect.any(String)],
    ]);
    expect(new Set(trail.slice(1).map((row) => row.reason))).toEqual(new Set(["change window CHG-1234", "the same click, twice"]));
    expect(trail[1]).toMatchObject({ cluster: a, actor: snooze.actor, via: "bot", check: snooze.check, until: snooze.until });
  });

  it("reads the fleet's trail since a time, and a limit keeps the newest", async () => {
    const since = await store.listAudit({ since: "2026-12-01T09:30:00.000Z" });
    expect(since.map((row) => row.action)).toEqual(["unsnooze", "snooze", "snooze"]);
    const all = await store.listAudit({});
    expect(all.map((row) => row.cluster.name)).toEqual(["aks-a", "aks-a", "aks-a", "aks-b"]);
    expect((await store.listAudit({ cluster: ref("aks-a"), limit: 1 }))[0]?.action).toBe("unsnooze");
  });

  it("refuses a record without a valid time, writing nothing", async () => {
    const before = (await store.listAudit({})).length;
    await expect(store.recordAudit({ at: "yesterday", action: "recheck", cluster: ref("aks-c"), actor: "x", via: "cli" })).rejects.toThrow(/not a time/);
    expect((await store.listAudit({})).length).toBe(before);
  });
});
