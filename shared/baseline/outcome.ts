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

/**
 * The common shape of a rule over node pools: every pool must satisfy `ok`; failing pools are named
 * in the message and each gives one evidence row. No pools at all is missing data, never a pass.
 */
export function everyPool(
  pools: PoolView[],
  rule: {
    /** The field under the pool path, for evidence, e.g. `enableEncryptionAtHost`. */
    field: string;
    read: (pool: PoolView) => unknown;
    ok: (value: unknown, pool: PoolView) => boolean;
    expected: string;
    /** e.g. "have encryption at host enabled" → "2 of 3 pools do not have ..." */
    what: string;
  },
): CheckOutcome {
  if (pools.length === 0) {
    return missingData("Not evaluated: the snapshot has no node pools.");
  }
  const bad = pools.filter((pool) => !rule.ok(rule.read(pool), pool));
  if (bad.length === 0) {
    return pass(`All ${pools.length} node pool(s) ${rule.what}.`);
  }
  const names = bad.map((pool) => pool.name).join(", ");
  return fail(
    `${bad.length} of ${pools.length} node pool(s) do not ${rule.what}: ${names}.`,
    bad.map((pool) => ({ path: `${pool.path}.${rule.field}`, value: rule.read(pool) ?? null, expected: rule.expected })),
  );
}
