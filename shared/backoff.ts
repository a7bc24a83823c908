/**
 * Exponential backoff with jitter, shared by everything that retries (the ARM traffic policy, the
 * alert delivery loop).
 *
 * The "equal jitter" variant: the ceiling of attempt n is `min(maxMs, baseMs * 2^n)`, and the wait is a
 * random point in the upper half of it. Never less than half the ceiling (so retries do spread out
 * over time), never more than the ceiling (so `maxMs` is a real bound), and randomised so that many
 * clients throttled at the same moment do not come back at the same moment.
 */
export interface BackoffOptions {
  /** The ceiling of the first retry (attempt 0). */
  baseMs: number;
  /** The largest ceiling: the longest wait ever returned. */
  maxMs: number;
  /** A number in [0, 1); `Math.random` unless a test fixes it. */
  random?: () => number;
}

/** The wait before retry number `attempt` (0 for the first retry), in milliseconds. */
export function backoffMs(attempt: number, { baseMs, maxMs, random = Math.random }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * A `Retry-After` header value as a wait in milliseconds: a number of seconds (`120`, `1.5`) or an HTTP
 * date (`Wed, 21 Oct 2015 07:28:00 GMT`, a wait of zero when it is past). Undefined when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month; `Date.parse` alone would read "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
