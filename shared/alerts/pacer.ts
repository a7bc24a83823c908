/**
 * Client-side pacing per destination, so that the monitor stays inside a webhook's rate limits instead
 * of learning them from 429s. Teams documents sliding windows for connectors and incoming webhooks
 * (connectors-using.md, "Rate limiting for connectors"): 4 requests per second, 60 per 30 seconds,
 * 100 per hour, 150 per 2 hours, 1,800 per day. The default keeps to the first two, the ones a burst of
 * alerts meets; `TEAMS_CONNECTOR_WINDOWS` has all five.
 *
 * `await pacer.wait(key)` before each send. Each call reserves the earliest moment at which one more
 * send keeps every window of that key within its limit, then sleeps once until then (a timer, no
 * polling). Reservations are made in call order, so concurrent senders share a key's budget fairly and
 * first come, first served. `pause(key, ms)` holds a key after a 429 with Retry-After: waits already
 * sleeping re-reserve when they wake inside the pause.
 *
 * The clock is injectable (`now`, `sleep`) so that tests can check the long windows without waiting.
 */

export interface RateWindow {
  /** At most `limit` sends in any interval of `perMs` milliseconds. */
  limit: number;
  perMs: number;
}

/** The windows a burst of Teams webhook posts meets: 4 per second and 60 per 30 seconds. */
export const TEAMS_WEBHOOK_WINDOWS: readonly RateWindow[] = [
  { limit: 4, perMs: 1_000 },
  { limit: 60, perMs: 30_000 },
];

/** All the windows Teams documents for connectors and incoming webhooks. */
export const TEAMS_CONNECTOR_WINDOWS: readonly RateWindow[] = [
  ...TEAMS_WEBHOOK_WINDOWS,
  { limit: 100, perMs: 3_600_000 },
  { limit: 150, perMs: 7_200_000 },
  { limit: 1_800, perMs: 86_400_000 },
];

export interface PacerClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: PacerClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export interface PacerOptions {
  windows?: readonly RateWindow[];
  clock?: PacerClock;
}

interface Lane {
  /** Reserved send times, ascending: the past ones still inside the longest window, and the future ones. */
  sends: number[];
  pausedUntil: number;
}

export class Pacer {
  readonly windows: readonly RateWindow[];
  private readonly clock: PacerClock;
  private readonly lanes = new Map<string, Lane>();
  private readonly longestMs: number;

  constructor(options: PacerOptions = {}) {
    this.windows = options.windows ?? TEAMS_WEBHOOK_WINDOWS;
    for (const window of this.windows) {
      if (!(Number.isInteger(window.limit) && window.limit >= 1 && window.perMs > 0)) {
        throw new Error(`invalid rate window: ${window.limit} per ${window.perMs} ms`);
      }
    }
    this.clock = options.clock ?? systemClock;
    this.longestMs = Math.max(0, ...this.windows.map((window) => window.perMs));
  }

  /**
   * Resolves when one send to `key` may go out, and counts that send. Use a key that is not the secret
   * URL itself when keys may be logged (`redactUrl(url)`, a channel id).
   */
  async wait(key: string): Promise<void> {
    const lane = this.lane(key);
    for (;;) {
      const at = this.reserve(lane);
      const delay = at - this.clock.now();
      if (delay > 0) await this.clock.sleep(delay);
      // A pause that came while sleeping (a 429 to another sender): give the slot back and queue again.
      if (lane.pausedUntil > at) {
        this.release(lane, at);
        continue;
      }
      return;
    }
  }

  /** Holds `key` for `ms` from now (a 429's Retry-After): no wait resolves before then. */
  pause(key: string, ms: number): void {
    const lane = this.lane(key);
    lane.pausedUntil = Math.max(lane.pausedUntil, this.clock.now() + Math.max(0, ms));
  }

  /** The moment the next `wait(key)` would resolve (now, if it would not wait): for logs and tests. */
  nextSlot(key: string): number {
    const lane = this.lanes.get(key);
    return lane ? this.earliest(lane) : this.clock.now();
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { sends: [], pausedUntil: 0 };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** The earliest time, not before the last reservation (first come, first served), that every window allows. */
  private earliest(lane: Lane): number {
    const now = this.clock.now();
    const sends = lane.sends;
    let at = Math.max(now, lane.pausedUntil, sends.at(-1) ?? -Infinity);
    // Each step only moves `at` later; it stops once no window is full at `at`.
    for (let moved = true; moved; ) {
      moved = false;
      for (const { limit, perMs } of this.windows) {
        if (sends.length < limit) continue;
        // The send `limit` places back must have left the window: (at - perMs, at] holds fewer than `limit`.
        const oldest = sends[sends.length - limit]!;
        if (oldest > at - perMs) {
          at = oldest + perMs;
          moved = true;
        }
      }
    }
    return at;
  }

  private reserve(lane: Lane): number {
    const at = this.earliest(lane);
    lane.sends.push(at);
    // Forget the sends no window can see any more.
    const horizon = at - this.longestMs;
    let drop = 0;
    while (drop < lane.sends.length && lane.sends[drop]! <= horizon) drop++;
    if (drop > 0) lane.sends.splice(0, drop);
    return at;
  }

  private release(lane: Lane, at: number): void {
    const index = lane.sends.lastIndexOf(at);
    if (index >= 0) lane.sends.splice(index, 1);
  }
}
