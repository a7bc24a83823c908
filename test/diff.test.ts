import { describe, expect, it } from "vitest";
import { BASELINE_VERSION } from "../shared/baseline/catalogue.js";
import { evaluate } from "../shared/baseline/evaluate.js";
import { defaultProfile } from "../shared/baseline/profile.js";
import type { ClusterEvaluation } from "../shared/baseline/types.js";
import { diff, type DiffOptions } from "../shared/monitor/diff.js";
import type { Transition } from "../shared/model/alerts.js";
import type { ClusterState, Suppression } from "../shared/store/types.js";
import { clusterWith, compliantCluster, NOW, snapshotOf, type Json } from "./support/clusters.js";

const HOUR = 3_600_000;

function options(at: Date, extra: Partial<DiffOptions> = {}): DiffOptions {
  return { now: at, baseline: BASELINE_VERSION, minSeverity: "medium", flapWindowHours: 24, flapThreshold: 3, suppressions: new Map(), ...extra };
}

const empty = (): ClusterState => ({ clusterKey: "k", findings: new Map(), sequence: 0, pendingAlerts: [] });

async function evaluationOf(body: Json, at = NOW): Promise<ClusterEvaluation> {
  return evaluate(await snapshotOf(body), defaultProfile, at);
}

/** Runs evaluations in order through diff, carrying the stored records from one to the next. */
async function sequence(bodies: Json[], extra: Partial<DiffOptions> = {}, stepMs = HOUR): Promise<Transition[][]> {
  let state = empty();
  const steps: Transition[][] = [];
  for (const [index, body] of bodies.entries()) {
    const at = new Date(NOW.getTime() + index * stepMs);
    const result = diff(state, await evaluationOf(body, at), options(at, extra));
    steps.push(result.transitions);
    state = { ...state, findings: new Map(result.records.map((record) => [record.check, record])), sequence: state.sequence + 1 };
  }
  return steps;
}

const of = (transitions: Transition[], check: string) => transitions.find((t) => t.check === check)!;
const alertable = (transitions: Transition[]) =>
  transitions.filter((t) => ["newFailure", "regressed", "resolved"].includes(t.kind) && !t.quiet).map((t) => `${t.kind}:${t.check}`);

const open = clusterWith((c) => {
  c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
  c.properties.disableLocalAccounts = false;
});

describe("diff", () => {
  it("a first evaluation reports its failures as new; the same evaluation again reports nothing", async () => {
    const [first, second] = await sequence([open, open]);
    expect(alertable(first!)).toEqual(expect.arrayContaining(["newFailure:local-accounts-disabled", "newFailure:api-authorized-ip-ranges"]));
    expect(alertable(second!)).toEqual([]);
    expect(of(second!, "local-accounts-disabled").kind).toBe("stillFailing");
  });

  it("names the settings that changed, before and after", async () => {
    const [, drift] = await sequence([compliantCluster(), open]);
    const local = of(drift!, "local-accounts-disabled");
    expect(local.kind).toBe("newFailure");
    expect(local.changes).toEqual([{ path: "properties.disableLocalAccounts", before: true, after: false }]);
  });

  it("resolves a failure when it passes again, and calls a later failure a regression", async () => {
    const [, fixed, again] = await sequence([open, compliantCluster(), open]);
    expect(of(fixed!, "local-accounts-disabled").kind).toBe("resolved");
    expect(of(again!, "local-accounts-disabled").kind).toBe("regressed");
  });

  it("never resolves on an error: a failed read keeps the failure", async () => {
    const unreadable = clusterWith((c) => {
      c.properties.apiServerAccessProfile = { enablePrivateCluster: false, disableRunCommand: true };
      c.properties.disableLocalAccounts = false;
    });
    let state = empty();
    const first = diff(state, await evaluationOf(unreadable), options(NOW));
    state = { ...state, findings: new Map(first.records.map((r) => [r.check, r])) };
    const failing = await evaluationOf(unreadable);
    const erroring: ClusterEvaluation = {
      ...failing,
      findings: failing.findings.map((f) => ({ ...f, status: "error" as const, errorKind: "readFailed" as const, message: "Could not read: throttled" })),
    };
    const second = diff(state, erroring, options(new Date(NOW.getTime() + HOUR)));
    expect(second.transitions.every((t) => t.kind === "error")).toBe(true);
    const record = second.records.find((r) => r.check === "local-accounts-disabled")!;
    expect(record.status).toBe("fail");
    expect(record.lastStatus).toBe("error");
    expect(record.lastError).toBe("Could not read: throttled");
    state = { ...state, findings: new Map(second.records.map((r) => [r.check, r])) };
    const third = diff(state, await evaluationOf(unreadable, new Date(NOW.getTime() + 2 * HOUR)), options(new Date(NOW.getTime() + 2 * HOUR)));
    expect(alertable(third.transitions)).toEqual([]);
  });

  it("reports a flapping check once, with its count, on its first failure while flapping, then stays quiet while it flaps", async () => {
    const steps = await sequence([open, compliantCluster(), open, compliantCluster(), open, compliantCluster(), open]);
    const kinds = steps.map((step) => {
      const t = of(step, "local-accounts-disabled");
      return `${t.kind}${t.quiet ? `(${t.quiet.reason})` : ""}:${t.flaps}`;
    });
    expect(kinds).toEqual([
      "newFailure:0",
      "resolved:1",
      "regressed:2",
      "resolved:3",
      "regressed:4",
      "resolved(flapping):5",
      "regressed(flapping):6",
    ]);
  });

  it("keeps exempt, snoozed and below-minimum transitions quiet but recorded", async () => {
    const exempt = clusterWith((c) => {
      c.properties.disableLocalAccounts = false;
      c.tags = { "aksmon-exempt": "local-accounts-disabled" };
    });
    const [exemptStep] = await sequence([exempt]);
    expect(of(exemptStep!, "local-accounts-disabled").quiet?.reason).toBe("exempt");

    const snooze: Suppression = { check: "local-accounts-disabled", until: "2026-11-27T12:00:00Z", by: "oncall@contoso.com", reason: "fix tomorrow", createdAt: NOW.toISOString() };
    const [snoozed] = await sequence([open], { suppressions: new Map([["local-accounts-disabled", snooze]]) });
    expect(of(snoozed!, "local-accounts-disabled").quiet).toEqual({ reason: "suppressed", detail: "snoozed until 2026-11-27T12:00:00Z by oncall@contoso.com: fix tomorrow" });

    const [low] = await sequence([clusterWith((c) => (c.sku.tier = "Free"))], { minSeverity: "high" });
    expect(of(low!, "uptime-sla-tier")).toMatchObject({ kind: "newFailure", quiet: { reason: "belowMinimum" } });
  });

  it("keeps when a failure started while it goes on failing", async () => {
    const steps = await sequence([open, open, open]);
    let state = empty();
    const records = [];
    for (const [index] of steps.entries()) {
      const at = new Date(NOW.getTime() + index * HOUR);
      const result = diff(state, await evaluationOf(open, at), options(at));
      records.push(result.records.find((r) => r.check === "local-accounts-disabled")!);
      state = { ...state, findings: new Map(result.records.map((r) => [r.check, r])) };
    }
    expect(records.map((r) => r.firstSeen)).toEqual([NOW.toISOString(), NOW.toISOString(), NOW.toISOString()]);
    expect(records.at(-1)!.lastSeen).toBe(new Date(NOW.getTime() + 2 * HOUR).toISOString());
  });
});
