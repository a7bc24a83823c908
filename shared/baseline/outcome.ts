import type { ReadResult } from "../model/snapshot.js";
import type { CheckOutcome, Evidence, PoolView } from "./types.js";

export function pass(message: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "pass", message, evidence };
}

export function fail(message: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "fail", message, evidence };
}

export function notApplicable(message: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "notApplicable", message, evidence };
}

/** The snapshot lacks data the check needs: an error, never a pass. */
export function missingData(message: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "error", message, evidence, errorKind: "missingData" };
}

/**
 * Unwraps a part of the snapshot read beyond the cluster JSON, or says why the check cannot use it:
 * not read at all (missingData) or read and failed (readFailed).
 */
export function readPart<T>(
  part: ReadResult<T> | undefined,
  what: string,
): { ok: true; value: T } | { ok: false; outcome: CheckOutcome } {
  if (part === undefined) {
    return { ok: false, outcome: missingData(`Not evaluated: the snapshot does not include ${what}.`) };
  }
  if (!part.ok) {
    const status = part.error.status === undefined ? "" : ` (HTTP ${part.error.status})`;
    return {
      ok: false,
      outcome: {
        status: "error",
        errorKind: "readFailed",
        message: `Could not read ${what}: ${part.error.kind}${status}: ${part.error.message}`,
        evidence: [],
      },
    };
  }
  return { ok: true, value: part.value };
}

/** A rule over node pools: what each pool must do, and how to tell. */
export interface PoolRule {
  /** e.g. "have Secure Boot enabled" → "1 of 2 node pool(s) do not have Secure Boot enabled: ..." */
  what: string;
  /** The failing form when "do not {what}" reads badly, e.g. "allow unsafe sysctls". */
  failWhat?: string;
  noun?: string;
  /** Why the rule does not apply to this pool, or undefined when it does. */
  skip?: (pool: PoolView) => string | undefined;
  /** Evidence rows of what is wrong with the pool; empty when it complies. */
  problems: (pool: PoolView) => Evidence[];
  /** A few words shown after a failing pool's name. */
  detail?: (pool: PoolView) => string;
}

/**
 * Judges every pool (never only the first): failing pools are named in the message and give the
 * evidence; pools the rule does not apply to are named as skipped. No pools at all is missing data,
 * never a pass.
 */
export function judgePools(pools: PoolView[], rule: PoolRule): CheckOutcome {
  if (pools.length === 0) return missingData("Not evaluated: the snapshot has no node pools.");
  const noun = rule.noun ?? "node pool";
  const skipped: string[] = [];
  const failing: string[] = [];
  const evidence: Evidence[] = [];
  let inScope = 0;
  for (const pool of pools) {
    const why = rule.skip?.(pool);
    if (why) {
      skipped.push(`${pool.name} (${why})`);
      continue;
    }
    inScope++;
    const rows = rule.problems(pool);
    if (rows.length === 0) continue;
    failing.push(rule.detail ? `${pool.name} (${rule.detail(pool)})` : pool.name);
    evidence.push(...rows);
  }
  if (inScope === 0) return notApplicable(`No ${noun} is in scope: ${skipped.join(", ")}.`);
  const note = skipped.length > 0 ? `; skipped: ${skipped.join(", ")}` : "";
  if (failing.length === 0) return pass(`All ${inScope} ${noun}(s) ${rule.what}${note}.`);
  return fail(
    `${failing.length} of ${inScope} ${noun}(s) ${rule.failWhat ?? `do not ${rule.what}`}: ${failing.join(", ")}${note}.`,
    evidence,
  );
}

/** The simplest pool rule: one field per pool must satisfy `ok`. `what` is a verb phrase ("use ..."). */
export function everyPool(
  pools: PoolView[],
  rule: {
    /** The field under the pool path, for evidence, e.g. `enableEncryptionAtHost`. */
    field: string;
    read: (pool: PoolView) => unknown;
    ok: (value: unknown, pool: PoolView) => boolean;
    expected: string;
    what: string;
  },
): CheckOutcome {
  return judgePools(pools, {
    what: rule.what,
    problems: (pool) => {
      const value = rule.read(pool);
      return rule.ok(value, pool) ? [] : [{ path: `${pool.path}.${rule.field}`, value: value ?? null, expected: rule.expected }];
    },
  });
}

/** Adds a clause to an outcome's message. */
export function withNote(outcome: CheckOutcome, note: string): CheckOutcome {
  return { ...outcome, message: `${outcome.message.replace(/\.$/, "")}; ${note}.` };
}
