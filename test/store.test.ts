/**
 * shared/store against Azurite's Table server running in this process (test/support/azurite.ts), with
 * the real @azure/data-tables client: keys, the ETag-guarded findings partition, the outbox, the other
 * tables, retention, and the command line's embedded Azurite persisting across a restart.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Evidence } from "../shared/baseline/types.js";
import { readSettings } from "../shared/config/settings.js";
import { catalogue } from "../shared/baseline/catalogue.js";
import { clusterKey } from "../shared/model/clusterRef.js";
import type { ClusterRef } from "../shared/model/snapshot.js";
import type { ClusterAlert } from "../shared/model/alerts.js";
import { configuredStore } from "../shared/store/configuredStore.js";
import { startEmbeddedAzurite, storeOrEmbedded } from "../shared/store/embeddedAzurite.js";
import {
  checkRowKey,
  clusterKeyOfPartition,
  clusterPartitionKey,
  clusterSummaryKeys,
  decodeKeyPart,
  encodeKeyPart,
  eventRowKey,
  InvalidKeyError,
  invertedTimestamp,
  joinKey,
  splitKey,
  timeOfInvertedTimestamp,
} from "../shared/store/keys.js";
import { StoreError } from "../shared/store/storageError.js";
import { outboxEntryFor, retentionCutoffs, storableEvidence, TableStore } from "../shared/store/tableStore.js";
import type { ClusterState, FindingRecord, OutboxEntry } from "../shared/store/types.js";
import { startAzurite, tablePrefix } from "./support/azurite.js";

const SUBSCRIPTION = "6e3a1b2c-0d4f-4a5b-9c8d-7e6f5a4b3c2d";
const T0 = "2026-11-20T10:00:00.000Z";

function refOf(resourceGroup: string, name: string, subscriptionId = SUBSCRIPTION): ClusterRef {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    subscriptionId,
    resourceGroup,
    name,
  };
}

function finding(check: string, overrides: Partial<FindingRecord> = {}): FindingRecord {
  return {
    check,
    status: "fail",
    lastStatus: "fail",
    severity: "high",
    title: `Title of ${check}`,
    message: `${check} fails`,
    evidence: [{ path: "properties.apiServerAccessProfile.authorizedIPRanges", value: null, expected: "a CIDR list" }],
    firstSeen: T0,
    lastSeen: T0,
    everFailed: true,
    changes: [T0],
    baseline: "aksmon-baseline-2026.11",
    ...overrides,
  };
}

/** The 62 checks of the catalogue, each with a verdict. */
function evaluationOf(at: string, failing: ReadonlySet<string> = new Set()): FindingRecord[] {
  return catalogue.map((check) =>
    failing.has(check.id)
      ? finding(check.id, { lastSeen: at })
      : finding(check.id, { status: "pass", lastStatus: "pass", everFailed: false, changes: [], lastSeen: at, firstSeen: undefined }),
  );
}

let alertSequence = 0;
function driftAlert(ref: ClusterRef, at = T0, alertId = `alert-${++alertSequence}`): ClusterAlert {
  return { kind: "drift", alertId, cluster: ref, evaluatedAt: at, trigger: { kind: "sweep", id: "sweep-1" }, failures: [], resolved: [], stillFailing: 0 };
}

function plusMinutes(time: string, minutes: number): string {
  return new Date(Date.parse(time) + minutes * 60_000).toISOString();
}

let azurite: { connectionString: string; close(): Promise<void> };
let store: TableStore;

beforeAll(async () => {
  azurite = await startAzurite();
  store = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("store") });
  await store.ensureTables();
});

afterAll(async () => {
  await azurite?.close();
});

describe("keys", () => {
  const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 60 });
  const anyText = fc.oneof(anyUtf16, fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 40 }));

  it("encode round-trips any string, lone surrogates included, and never yields a forbidden character", () => {
    fc.assert(
      fc.property(anyText, (value) => {
        const encoded = encodeKeyPart(value);
        expect(decodeKeyPart(encoded)).toBe(value);
        expect(encoded).toMatch(/^[A-Za-z0-9._()!-]*$/);
        // forbidden by Table Storage, plus what Azurite mishandles in deletes and transactions
        expect(encoded).not.toMatch(/[/\\#?%'~\u0000-\u001f\u007f-\u009f]/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("joined parts split back into the same parts", () => {
    fc.assert(
      fc.property(fc.array(anyText, { minLength: 1, maxLength: 4 }), (parts) => {
        fc.pre(parts.join("").length < 80);
        expect(splitKey(joinKey(parts))).toEqual(parts);
      }),
      { numRuns: 1_000 },
    );
  });

  it("cluster keys are lower-cased from validated parts, reversible, the same from a ref or its id", () => {
    const ref = refOf("RG-Prod.West(1)", "AKS_Prod-1");
    const key = clusterPartitionKey(ref);
    expect(key).toBe(`${SUBSCRIPTION}~rg-prod.west(1)~aks_prod-1`);
    expect(clusterPartitionKey(ref.id.toUpperCase().replace("SUBSCRIPTIONS", "subscriptions"))).toBe(key);
    expect(clusterPartitionKey(clusterKey(ref))).toBe(key);
    expect(clusterKeyOfPartition(key)).toBe(clusterKey(ref));
    expect(clusterSummaryKeys(ref)).toEqual({ partitionKey: SUBSCRIPTION, rowKey: "rg-prod.west(1)~aks_prod-1" });
    expect(() => clusterPartitionKey(refOf("rg/..", "aks"))).toThrow(InvalidKeyError);
    expect(() => clusterPartitionKey(refOf("rg", "aks", "not-a-subscription"))).toThrow(InvalidKeyError);
    expect(() => clusterPartitionKey(`${ref.id}/agentPools/pool1`)).toThrow(InvalidKeyError);
    expect(() => checkRowKey("../etc")).toThrow(InvalidKeyError);
  });

  it("inverted timestamps sort the newest first and read back", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8_000_000_000_000 }), fc.integer({ min: 0, max: 8_000_000_000_000 }), (a, b) => {
        const [ka, kb] = [invertedTimestamp(a), invertedTimestamp(b)];
        expect(ka).toHaveLength(16);
        expect(Math.sign(ka.localeCompare(kb))).toBe(Math.sign(b - a));
      }),
    );
    expect(timeOfInvertedTimestamp(invertedTimestamp(T0))).toBe(T0);
  });

  it("event ids: GUIDs ignore case, other ids are kept exactly, overlong ids are hashed", () => {
    expect(eventRowKey("0F8FAD5B-D9CB-469F-A165-70867728950E")).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(eventRowKey("Sub/Event#1")).not.toBe(eventRowKey("sub/event#1"));
    expect(eventRowKey("x".repeat(2_000))).toMatch(/^~sha256~[0-9a-f]{64}$/);
  });
});

describe("findings partition", () => {
  it("round-trips a whole evaluation; a second commit writes only the changed findings, in one transaction", async () => {
    const ref = refOf("rg-roundtrip", "aks-1");
    const empty = await store.loadClusterState(ref);
    expect(empty).toMatchObject({ clusterKey: clusterKey(ref), sequence: 0, pendingAlerts: [] });
    expect(empty.etag).toBeUndefined();
    expect(empty.findings.size).toBe(0);

    const failing = new Set(["api-authorized-ip-ranges", "local-accounts-disabled"].filter((id) => catalogue.some((c) => c.id === id)));
    const first = evaluationOf(T0, failing);
    first[0] = { ...first[0]!, lastError: "readFailed: 403", flappingSince: T0, resolvedAt: T0 };
    expect(await store.commitEvaluation(ref, { previous: empty, findings: first })).toBe("committed");

    const loaded = await store.loadClusterState(ref);
    expect(loaded.sequence).toBe(1);
    expect(loaded.etag).toMatch(/^W\/"datetime/);
    expect(loaded.findings.size).toBe(catalogue.length);
    for (const record of first) expect(loaded.findings.get(record.check)).toEqual(record);

    const before = store.operations();
    const second = first.map((record, index) => (index < 3 ? { ...record, lastSeen: plusMinutes(T0, 5) } : record));
    expect(await store.commitEvaluation(ref, { previous: loaded, findings: second, lastAlertAt: T0 })).toBe("committed");
    const after = store.operations();
    expect(after.transactions - before.transactions).toBe(1);
    expect(after.writes - before.writes).toBe(0);
    const reloaded = await store.loadClusterState(ref);
    expect(reloaded.sequence).toBe(2);
    expect(reloaded.lastAlertAt).toBe(T0);
    expect(reloaded.findings.get(first[0]!.check)?.lastSeen).toBe(plusMinutes(T0, 5));
  });

  it("keeps evidence and changes under the property limit, deterministically", async () => {
    const ref = refOf("rg-evidence", "aks-1");
    const huge: Evidence[] = [
      { path: "properties.networkProfile", value: { ranges: Array.from({ length: 5_000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`) } },
      ...Array.from({ length: 200 }, (_, i) => ({ path: `properties.agentPoolProfiles[${i}].enableNodePublicIP`, value: "x".repeat(1_500) })),
    ];
    const record = finding("api-authorized-ip-ranges", { evidence: huge, changes: Array.from({ length: 500 }, (_, i) => plusMinutes(T0, i)) });
    expect(await store.commitEvaluation(ref, { previous: await store.loadClusterState(ref), findings: [record] })).toBe("committed");
    const stored = (await store.loadClusterState(ref)).findings.get(record.check)!;
    expect(stored.evidence).toEqual(storableEvidence(huge));
    expect(JSON.stringify(stored.evidence).length).toBeLessThan(32_000);
    expect(String(stored.evidence[0]!.value)).toMatch(/\(truncated: \d+ characters, sha256 [0-9a-f]{16}\)$/);
    expect(stored.evidence.at(-1)).toEqual({ path: "…", value: expect.stringMatching(/^\+\d+ more evidence items$/) });
    expect(stored.changes).toHaveLength(50);
  });

  it("stores evidence idempotently: what was stored is stored again unchanged (no false drift)", () => {
    const evidence = fc.array(
      fc.record({ path: fc.string({ maxLength: 400 }), value: fc.oneof(fc.jsonValue(), fc.string({ minLength: 1_000, maxLength: 5_000 })), expected: fc.option(fc.string({ maxLength: 700 }), { nil: undefined }) }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(evidence, (items) => {
        const clean = items.map(({ expected, ...item }) => (expected === undefined ? item : { ...item, expected }));
        const once = storableEvidence(clean);
        expect(storableEvidence(once)).toEqual(once);
        expect(JSON.stringify(once).length).toBeLessThanOrEqual(24_000);
      }),
      { numRuns: 200 },
    );
  });

  it("two commits from the same previous state: exactly one is committed, the other sees a conflict and wrote nothing", async () => {
    const ref = refOf("rg-race", "aks-1");
    const base = await store.loadClusterState(ref);
    await store.commitEvaluation(ref, { previous: base, findings: evaluationOf(T0) });
    const previous = await store.loadClusterState(ref);

    const a = evaluationOf(plusMinutes(T0, 1), new Set([catalogue[0]!.id]));
    const b = evaluationOf(plusMinutes(T0, 2), new Set([catalogue[1]!.id]));
    const results = await Promise.all([
      store.commitEvaluation(ref, { previous, findings: a, alert: driftAlert(ref) }),
      store.commitEvaluation(ref, { previous, findings: b, alert: driftAlert(ref) }),
    ]);
    expect([...results].sort()).toEqual(["committed", "conflict"]);

    // The loser's finding upserts came before its failed guard in the transaction: none of them stuck.
    const winner = results[0] === "committed" ? a : b;
    const after = await store.loadClusterState(ref);
    expect(after.sequence).toBe(previous.sequence + 1);
    expect([...after.findings.values()].sort((x, y) => x.check.localeCompare(y.check))).toEqual(
      [...winner].sort((x, y) => x.check.localeCompare(y.check)),
    );
    expect(after.pendingAlerts).toHaveLength(1);

    // The caller re-reads and re-diffs: from the fresh state the loser commits.
    expect(await store.commitEvaluation(ref, { previous: after, findings: results[0] === "committed" ? b : a })).toBe("committed");
  });

  it("a first-evaluation race (no ETag yet): one wins", async () => {
    const ref = refOf("rg-first", "aks-1");
    const never = await store.loadClusterState(ref);
    const results = await Promise.all(
      [0, 1, 2].map((i) => store.commitEvaluation(ref, { previous: never, findings: evaluationOf(plusMinutes(T0, i), new Set([catalogue[i]!.id])) })),
    );
    expect(results.filter((result) => result === "committed")).toHaveLength(1);
    expect((await store.loadClusterState(ref)).sequence).toBe(1);
  });

  it("a commit refused by the service changes nothing (101 actions), and the error is a StoreError", async () => {
    const ref = refOf("rg-atomic", "aks-1");
    await store.commitEvaluation(ref, { previous: await store.loadClusterState(ref), findings: evaluationOf(T0) });
    const previous = await store.loadClusterState(ref);
    const tooMany = Array.from({ length: 99 }, (_, i) => finding(`extra-check-${i}`)); // + alert + state = 101
    const failure = await store.commitEvaluation(ref, { previous, findings: tooMany, alert: driftAlert(ref) }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StoreError);
    expect(failure).toMatchObject({ status: 400 });
    expect(String((failure as Error).message)).not.toMatch(/AccountKey|Eby8vdM0/);
    const after = await store.loadClusterState(ref);
    expect(after.etag).toBe(previous.etag);
    expect(after.findings).toEqual(previous.findings);
    expect(after.pendingAlerts).toEqual([]);
  });

  it("pending alerts reach the outbox exactly once, even when promote runs twice or after an interruption", async () => {
    const ref = refOf("rg-promote", "aks-1");
    const alert = driftAlert(ref, T0, "promote-once");
    // Interrupted: committed with the findings, never promoted.
    expect(await store.commitEvaluation(ref, { previous: await store.loadClusterState(ref), findings: evaluationOf(T0), alert, lastAlertAt: T0 })).toBe("committed");
    const loaded = await store.loadClusterState(ref);
    expect(loaded.pendingAlerts).toEqual([alert]);

    await Promise.all([store.promotePendingAlerts(ref, loaded.pendingAlerts, { now: T0 }), store.promotePendingAlerts(ref, loaded.pendingAlerts, { now: T0 })]);
    await store.promotePendingAlerts(ref, loaded.pendingAlerts, { now: T0 });
    expect((await store.loadClusterState(ref)).pendingAlerts).toEqual([]);
    const pending = (await store.listOutbox("pending")).filter((entry) => entry.alertId === alert.alertId);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ alert, clusterKey: clusterKey(ref), attempts: 0, createdAt: T0, nextAttemptAt: T0 });

    // Sent, and then a late promote (a stale list) puts it back: the sender drops it instead of sending it again.
    const claimed = await store.claim(pending[0]!, 30_000, T0);
    await store.markSent(claimed!, plusMinutes(T0, 1));
    await store.promotePendingAlerts(ref, loaded.pendingAlerts, { now: T0 });
    const resurrected = (await store.dueAlerts(plusMinutes(T0, 2), 100)).filter((entry) => entry.alertId === alert.alertId);
    expect(resurrected).toHaveLength(1);
    expect(await store.claim(resurrected[0]!, 30_000, plusMinutes(T0, 2))).toBeUndefined();
    expect((await store.listOutbox("pending")).some((entry) => entry.alertId === alert.alertId)).toBe(false);
    expect((await store.listOutbox("sent")).filter((entry) => entry.alertId === alert.alertId)).toHaveLength(1);
  });
});

describe("outbox", () => {
  const ref = refOf("rg-outbox", "aks-1");
  // Ids with every character a key may not hold, and those Azurite mishandles in deletes and transactions.
  const nastyId = "a/b\\c#d?e%f'g~h i\u0007é😀";

  it("enqueue, due, two senders claim (one wins), retry, dead with the last error kept, sent", async () => {
    const first = outboxEntryFor(driftAlert(ref, T0, nastyId), { now: T0 });
    const later = outboxEntryFor(driftAlert(ref, T0, "later"), { now: T0, notBefore: plusMinutes(T0, 10) });
    expect(await store.enqueue(first)).toBe("enqueued");
    expect(await store.enqueue(first)).toBe("duplicate");
    expect(await store.enqueue(later)).toBe("enqueued");

    const due = await store.dueAlerts(T0, 10);
    expect(due.map((entry) => entry.alertId)).toContain(nastyId);
    expect(due.map((entry) => entry.alertId)).not.toContain("later");
    const entry = due.find((candidate) => candidate.alertId === nastyId)!;

    const claims = await Promise.all([store.claim(entry, 60_000, T0), store.claim(entry, 60_000, T0)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const claimed = claims.find(Boolean)!;
    expect(claimed).toMatchObject({ attempts: 1, leaseUntil: plusMinutes(T0, 1) });
    expect((await store.dueAlerts(plusMinutes(T0, 0.5), 10)).map((e) => e.alertId)).not.toContain(nastyId);

    const retried = await store.markRetry(claimed, { nextAttemptAt: plusMinutes(T0, 2), error: "429 Too Many Requests" });
    expect(retried).toMatchObject({ nextAttemptAt: plusMinutes(T0, 2), lastError: "429 Too Many Requests" });
    expect(retried?.leaseUntil).toBeUndefined();
    expect(await store.markRetry(claimed, { nextAttemptAt: T0, error: "stale" })).toBeUndefined();
    expect((await store.dueAlerts(plusMinutes(T0, 1), 10)).map((e) => e.alertId)).not.toContain(nastyId);

    const again = (await store.dueAlerts(plusMinutes(T0, 2), 10)).find((candidate) => candidate.alertId === nastyId)!;
    const second = await store.claim(again, 60_000, plusMinutes(T0, 2));
    expect(second?.attempts).toBe(2);
    await store.markDead(second!, "500 from the webhook, 2 attempts");
    await store.markDead(second!, "500 from the webhook, 2 attempts");
    const dead = (await store.listOutbox("dead")).filter((e) => e.alertId === nastyId);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ state: "dead", attempts: 2, lastError: "500 from the webhook, 2 attempts", alert: first.alert });

    const dueLater = (await store.dueAlerts(plusMinutes(T0, 10), 10)).find((candidate) => candidate.alertId === "later")!;
    const sending = await store.claim(dueLater, 60_000, plusMinutes(T0, 10));
    await store.markSent(sending!, plusMinutes(T0, 11));
    await store.markSent(sending!, plusMinutes(T0, 11));
    expect((await store.listOutbox("sent")).filter((e) => e.alertId === "later")).toEqual([
      expect.objectContaining({ state: "sent", sentAt: plusMinutes(T0, 11), attempts: 1 }),
    ]);
    expect((await store.listOutbox("pending")).map((e) => e.alertId)).not.toContain("later");
  });

  it("dueAlerts lists the oldest first, up to the limit", async () => {
    const prefix = `order-${Date.now()}`;
    const ids = [3, 1, 2].map((minute) => ({ id: `${prefix}-${minute}`, at: plusMinutes("2020-01-01T00:00:00.000Z", minute) }));
    for (const { id, at } of ids) await store.enqueue(outboxEntryFor(driftAlert(ref, at, id), { now: at }));
    const due = (await store.dueAlerts("2020-01-01T01:00:00.000Z", 2)).map((entry) => entry.alertId);
    expect(due).toEqual([`${prefix}-1`, `${prefix}-2`]);
  });

  it("a pending drift alert can take new news while nobody holds it (If-Match)", async () => {
    const cluster = refOf("rg-merge", "AKS-Merge");
    expect(await store.pendingDriftAlert(clusterKey(cluster), T0)).toBeUndefined();
    await store.enqueue(outboxEntryFor(driftAlert(cluster, T0, "merge-1"), { now: T0, notBefore: plusMinutes(T0, 15) }));
    const pending = await store.pendingDriftAlert(cluster.id.toUpperCase(), T0);
    expect(pending?.alertId).toBe("merge-1");

    const merged = { ...pending!, alert: { ...(pending!.alert as ClusterAlert), stillFailing: 3 } };
    const replaced = await store.replacePending(merged);
    expect(replaced?.etag).not.toBe(pending!.etag);
    expect(await store.replacePending(merged)).toBeUndefined(); // stale ETag
    expect((await store.pendingDriftAlert(clusterKey(cluster), T0))?.alert).toMatchObject({ stillFailing: 3 });

    const due = (await store.dueAlerts(plusMinutes(T0, 15), 100)).find((entry) => entry.alertId === "merge-1")!;
    await store.claim(due, 60_000, plusMinutes(T0, 15));
    expect(await store.pendingDriftAlert(clusterKey(cluster), plusMinutes(T0, 15))).toBeUndefined(); // held by a sender
  });
});

describe("the other tables", () => {
  it("events: insert-only, the second delivery of an id is a duplicate", async () => {
    const ref = refOf("rg-events", "aks-1");
    const event = { id: "0F8FAD5B-D9CB-469F-A165-70867728950E", type: "Microsoft.Resources.ResourceWriteSuccess", time: T0, clusterKey: clusterKey(ref), actor: { name: "alice@contoso.com", at: T0 } };
    expect(await store.recordEvent(event)).toBe("new");
    expect(await store.recordEvent(event)).toBe("duplicate");
    expect(await store.recordEvent({ ...event, id: event.id.toLowerCase() })).toBe("duplicate");
    const unattached = { id: "not/a#guid?", type: "Microsoft.ContainerService.NewKubernetesVersionAvailable", time: T0 };
    expect(await store.recordEvent(unattached)).toBe("new");
    expect(await store.recordEvent(unattached)).toBe("duplicate");
  });

  it("the evaluation gate: one holder at a time, covered after a later read, taken over when the lease expired, never moved back", async () => {
    const ref = refOf("rg-gate", "aks-1");
    const claim = (holder: string, arrivedAt: string, now: string) => store.claimEvaluation(ref, { arrivedAt, holder, now, leaseMs: 60_000 });
    expect(await claim("a", T0, T0)).toEqual({ outcome: "claimed" });
    expect(await claim("b", plusMinutes(T0, 0.1), plusMinutes(T0, 0.2))).toMatchObject({ outcome: "busy", holder: "a" });
    await store.releaseEvaluation(ref, { holder: "a", now: plusMinutes(T0, 0.3), evaluatedThrough: plusMinutes(T0, 0.15) });
    // b arrived before a's read started: covered; c after it: takes the gate for one more evaluation.
    expect(await claim("b", plusMinutes(T0, 0.1), plusMinutes(T0, 0.4))).toEqual({ outcome: "covered", evaluatedThrough: plusMinutes(T0, 0.15) });
    expect(await claim("c", plusMinutes(T0, 0.25), plusMinutes(T0, 0.4))).toEqual({ outcome: "claimed", evaluatedThrough: plusMinutes(T0, 0.15) });
    // c never releases: after the lease, d takes over; c's late release neither steals the lease back nor moves the gate back.
    expect(await claim("d", plusMinutes(T0, 0.5), plusMinutes(T0, 2))).toMatchObject({ outcome: "claimed" });
    await store.releaseEvaluation(ref, { holder: "c", now: plusMinutes(T0, 2.1), evaluatedThrough: plusMinutes(T0, 0.01) });
    expect(await claim("e", plusMinutes(T0, 2.2), plusMinutes(T0, 2.2))).toMatchObject({ outcome: "busy", holder: "d" });
    await store.releaseEvaluation(ref, { holder: "d", now: plusMinutes(T0, 2.3), evaluatedThrough: plusMinutes(T0, 2.05) });
    expect(await claim("f", plusMinutes(T0, 2), plusMinutes(T0, 2.4))).toEqual({ outcome: "covered", evaluatedThrough: plusMinutes(T0, 2.05) });
  });

  it("the actor of the latest write event recorded in a window", async () => {
    const ref = refOf("rg-gate", "aks-actor");
    const base = { type: "Microsoft.Resources.ResourceWriteSuccess", time: T0, clusterKey: clusterKey(ref) };
    await store.recordEvent({ ...base, id: "actor-1", actor: { name: "alice@contoso.com", at: plusMinutes(T0, 1) } }, plusMinutes(T0, 1));
    await store.recordEvent({ ...base, id: "actor-2", actor: { name: "bob@contoso.com", at: plusMinutes(T0, 2), operation: "Microsoft.ContainerService/managedClusters/agentPools/write" } }, plusMinutes(T0, 2));
    await store.recordEvent({ ...base, id: "actor-3" }, plusMinutes(T0, 3));
    expect(await store.latestActor(ref, { after: T0, until: plusMinutes(T0, 5) })).toMatchObject({ name: "bob@contoso.com", operation: "Microsoft.ContainerService/managedClusters/agentPools/write" });
    expect(await store.latestActor(ref, { after: T0, until: plusMinutes(T0, 1.5) })).toMatchObject({ name: "alice@contoso.com" });
    expect(await store.latestActor(ref, { after: plusMinutes(T0, 2), until: plusMinutes(T0, 5) })).toBeUndefined();
  });

  it("suppressions: expired ones are not returned, and are deleted when asked", async () => {
    const ref = refOf("rg-suppress", "aks-1");
    const base = { by: "bob@contoso.com", reason: "change freeze", createdAt: T0 };
    await store.setSuppression(ref, { ...base, check: "api-authorized-ip-ranges", until: plusMinutes(T0, 60) });
    await store.setSuppression(ref, { ...base, check: "local-accounts-disabled", until: plusMinutes(T0, 10) });
    const upper = { ...ref, resourceGroup: "RG-SUPPRESS", name: "AKS-1" };
    expect((await store.listSuppressions(upper, plusMinutes(T0, 5))).map((s) => s.check).sort()).toEqual(["api-authorized-ip-ranges", "local-accounts-disabled"]);
    expect((await store.listSuppressions(ref, plusMinutes(T0, 30))).map((s) => s.check)).toEqual(["api-authorized-ip-ranges"]);
    await store.listSuppressions(ref, plusMinutes(T0, 30), { deleteExpired: true });
    expect((await store.listSuppressions(ref, T0)).map((s) => s.check)).toEqual(["api-authorized-ip-ranges"]);
    await store.removeSuppression(ref, "api-authorized-ip-ranges");
    await store.removeSuppression(ref, "api-authorized-ip-ranges");
    expect(await store.listSuppressions(ref, T0)).toEqual([]);
  });

  it("evaluations: newest first, limited", async () => {
    const ref = refOf("rg-trend", "aks-1");
    const summary = { pass: 40, fail: 12, error: 7, notApplicable: 3, exempt: 0 };
    for (const minute of [5, 1, 30, 12]) {
      await store.recordEvaluation(ref, { at: plusMinutes(T0, minute), trigger: "sweep", triggerId: `sweep-${minute}`, summary, durationMs: 12.4, transitions: minute });
    }
    const newest = await store.listEvaluations(ref, { limit: 3 });
    expect(newest.map((record) => record.transitions)).toEqual([30, 12, 5]);
    expect(newest[0]).toEqual({ at: plusMinutes(T0, 30), trigger: "sweep", triggerId: "sweep-30", summary, durationMs: 12, transitions: 30 });
  });

  it("cluster summaries: display case kept, looked up case-insensitively, listed by page and subscription", async () => {
    const other = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
    const summary = { pass: 1, fail: 2, error: 0, notApplicable: 0, exempt: 1 };
    const refs = [refOf("RG-Fleet", "AKS-A", other), refOf("RG-Fleet", "AKS-B", other), refOf("RG-Fleet", "AKS-C", other), refOf("rg-x", "aks-d")];
    for (const ref of refs) {
      await store.saveClusterSummary({ ref, summary, lastEvaluatedAt: T0, lastTrigger: "cli", configHash: "abc", location: "westeurope" });
    }
    const found = await store.getClusterSummary(refOf("rg-fleet", "aks-a", other));
    expect(found).toEqual({ ref: refs[0], summary, lastEvaluatedAt: T0, lastTrigger: "cli", configHash: "abc", location: "westeurope" });
    expect(await store.getClusterSummary(refOf("rg-fleet", "absent", other))).toBeUndefined();

    const first = await store.listClusterSummaries({ subscriptionId: other.toUpperCase(), pageSize: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.continuation).toBeDefined();
    const second = await store.listClusterSummaries({ subscriptionId: other, pageSize: 2, continuation: first.continuation! });
    expect([...first.items, ...second.items].map((record) => record.ref.name)).toEqual(["AKS-A", "AKS-B", "AKS-C"]);
    expect(second.continuation).toBeUndefined();
  });

  it("conversations: saved, replaced, listed, removed", async () => {
    const id = "19:abc@thread.tacv2;messageid=1700000000000";
    await store.saveConversation({ id, reference: { conversation: { id }, serviceUrl: "https://smba.trafficmanager.net/emea/" }, savedAt: T0 });
    await store.saveConversation({ id, reference: { conversation: { id }, serviceUrl: "https://smba.trafficmanager.net/amer/" }, savedAt: T0 });
    expect(await store.listConversations()).toEqual([{ id, reference: { conversation: { id }, serviceUrl: "https://smba.trafficmanager.net/amer/" }, savedAt: T0 }]);
    await store.removeConversation(id);
    expect(await store.listConversations()).toEqual([]);
  });

  it("retention: purge deletes old evaluations, events and sent alerts in batches, keeps the rest", async () => {
    const own = TableStore.connect({ connectionString: azurite.connectionString, tablePrefix: tablePrefix("purge") });
    await own.ensureTables();
    const ref = refOf("rg-purge", "aks-1");
    const summary = { pass: 1, fail: 0, error: 0, notApplicable: 0, exempt: 0 };
    const old = "2026-01-01T00:00:00.000Z";
    const recent = "2026-11-01T00:00:00.000Z";
    for (let i = 0; i < 130; i++) {
      await own.recordEvaluation(ref, { at: plusMinutes(old, i), trigger: "sweep", summary, durationMs: 1, transitions: 0 });
    }
    await own.recordEvaluation(ref, { at: recent, trigger: "sweep", summary, durationMs: 1, transitions: 0 });
    await own.recordEvent({ id: "old-event", type: "t", time: old, clusterKey: clusterKey(ref) }, old);
    await own.recordEvent({ id: "new-event", type: "t", time: recent }, recent);
    for (const [id, at] of [["old-sent", old], ["new-sent", recent]] as const) {
      await own.enqueue(outboxEntryFor(driftAlert(ref, at, id), { now: at }));
      const [entry] = (await own.listOutbox("pending")).filter((e) => e.alertId === id);
      await own.markSent((await own.claim(entry!, 1_000, at))!, at);
    }

    const cutoffs = retentionCutoffs(90, "2026-11-26T00:00:00.000Z");
    expect(cutoffs.evaluationsOlderThan).toBe("2026-08-28T00:00:00.000Z");
    const before = own.operations();
    expect(await own.purge(cutoffs)).toEqual({ evaluations: 130, events: 1, sent: 1, dead: 0, audit: 0 });
    expect(own.operations().transactions - before.transactions).toBe(4); // 100 + 30 evaluations, 1 event, 1 sent
    expect((await own.listEvaluations(ref, { limit: 500 })).map((record) => record.at)).toEqual([recent]);
    expect(await own.recordEvent({ id: "new-event", type: "t", time: recent }, recent)).toBe("duplicate");
    expect(await own.recordEvent({ id: "old-event", type: "t", time: old, clusterKey: clusterKey(ref) }, old)).toBe("new");
    expect((await own.listOutbox("sent")).map((entry) => entry.alertId)).toEqual(["new-sent"]);
    expect(await own.purge(cutoffs)).toEqual({ evaluations: 0, events: 1, sent: 0, dead: 0, audit: 0 });
  });

  it("RETENTION_DAYS: a positive whole number, default 90", () => {
    expect(readSettings({}).RETENTION_DAYS).toBe(90);
    expect(readSettings({ RETENTION_DAYS: "30" }).RETENTION_DAYS).toBe(30);
    for (const bad of ["0", "-1", "1.5", "ninety"]) expect(() => readSettings({ RETENTION_DAYS: bad })).toThrow(/^Setting RETENTION_DAYS is invalid/);
  });
});

describe("storage operations per evaluation", () => {
  it("load 1 read; commit 1 transaction; promote 1 insert + 1 delete", async () => {
    const ref = refOf("rg-count", "aks-1");
    const count = async <T>(run: () => Promise<T>) => {
      const before = store.operations();
      const result = await run();
      const after = store.operations();
      return { result, reads: after.reads - before.reads, writes: after.writes - before.writes, transactions: after.transactions - before.transactions };
    };
    const load = await count(() => store.loadClusterState(ref));
    const alert = driftAlert(ref);
    const commit = await count(() => store.commitEvaluation(ref, { previous: load.result as ClusterState, findings: evaluationOf(T0), alert }));
    const promote = await count(() => store.promotePendingAlerts(ref, [alert]));
    const reload = await count(() => store.loadClusterState(ref));
    expect([load.reads, load.writes, load.transactions]).toEqual([1, 0, 0]);
    expect([commit.reads, commit.writes, commit.transactions]).toEqual([0, 0, 1]);
    expect([promote.reads, promote.writes, promote.transactions]).toEqual([0, 2, 0]);
    expect(reload.reads).toBe(1);
    const outboxEntry = (await store.listOutbox("pending")).find((entry) => entry.alertId === alert.alertId) as OutboxEntry;
    const claim = await count(() => store.claim(outboxEntry, 1_000, T0));
    expect([claim.reads, claim.writes]).toEqual([2, 1]); // first claim looks for a sent/dead twin
  });
});

describe("connecting", () => {
  it("refuses plain http except to an emulator, and never echoes a connection string", () => {
    const key = Buffer.from("not-a-real-key").toString("base64");
    expect(() =>
      TableStore.connect({ connectionString: `DefaultEndpointsProtocol=http;AccountName=prod;AccountKey=${key};TableEndpoint=http://prod.example.com/prod;` }),
    ).toThrow(/refusing plain http to prod\.example\.com/);
    expect(() => TableStore.connect({ connectionString: `nonsense;AccountKey=${key}` })).toThrow(/not a valid Table Storage connection string/);
    try {
      TableStore.connect({ connectionString: `nonsense;AccountKey=${key}` });
    } catch (error) {
      expect(String(error)).not.toContain(key);
    }
    expect(() => TableStore.connect({ connectionString: "UseDevelopmentStorage=true" })).not.toThrow();
    const credential = { getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 60_000 }) };
    expect(() => TableStore.connect({ endpoint: "https://account.table.core.windows.net/", credential })).not.toThrow();
    expect(() => TableStore.connect({ endpoint: "http://account.table.core.windows.net", credential })).toThrow(/refusing plain http/);
  });

  it("configuredStore: a managed identity endpoint (AzureWebJobsStorage__tableServiceUri) is refused only when not https", () => {
    expect(() => readSettings({ AzureWebJobsStorage__tableServiceUri: "http://st.table.core.windows.net" })).toThrow(/AzureWebJobsStorage__tableServiceUri/);
    expect(readSettings({ AzureWebJobsStorage__accountName: "staksmonprod" }).AzureWebJobsStorage__accountName).toBe("staksmonprod");
    expect(() => readSettings({ AzureWebJobsStorage__accountName: "Bad_Name" })).toThrow(/AzureWebJobsStorage__accountName/);
  });

  it("the connection string settings first; the embedded Azurite only on the command line", async () => {
    const home = mkdtempSync(join(tmpdir(), "aksmon-home-"));
    try {
      const prefix = tablePrefix("settings");
      const viaSetting = await storeOrEmbedded({ AzureWebJobsStorage: azurite.connectionString, AKSMON_HOME: home }, { tablePrefix: prefix });
      expect(await viaSetting.listConversations()).toEqual([]);
      await viaSetting.close();
      await expect(configuredStore({})).rejects.toThrow(/set STORAGE_CONNECTION_STRING, AzureWebJobsStorage, or AzureWebJobsStorage__tableServiceUri/);
      const embedded = await storeOrEmbedded({ AKSMON_HOME: home });
      expect(embedded.tableNames().findings).toBe("aksmonfindings");
      await embedded.close();
      await embedded.close();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe("embedded Azurite", () => {
  it("persists under <home>/azurite across a restart, and one process at a time uses it", async () => {
    const home = mkdtempSync(join(tmpdir(), "aksmon-home-"));
    try {
      const ref = refOf("rg-persist", "aks-1");
      const first = await startEmbeddedAzurite(home);
      await expect(startEmbeddedAzurite(home)).rejects.toThrow(/in use by another aksmon \(pid \d+\)/);
      const writer = TableStore.connect({ connectionString: first.connectionString });
      await writer.ensureTables();
      await writer.commitEvaluation(ref, { previous: await writer.loadClusterState(ref), findings: evaluationOf(T0, new Set([catalogue[0]!.id])) });
      await first.close();

      const second = await startEmbeddedAzurite(home);
      try {
        expect(second.directory).toBe(join(home, "azurite"));
        const reader = TableStore.connect({ connectionString: second.connectionString });
        const state = await reader.loadClusterState(ref);
        expect(state.sequence).toBe(1);
        expect(state.findings.get(catalogue[0]!.id)?.status).toBe("fail");
      } finally {
        await second.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
