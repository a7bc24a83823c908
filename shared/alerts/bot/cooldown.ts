/**
 * At most one recheck per cluster per cooldown, whoever asks: a second click (or a colleague's) within
 * it is answered politely instead of being passed on to ARM. Held in memory by the bot instance; a
 * Functions app scaled out to several instances holds one each.
 */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number; by: string; at: number };

/** Entries kept before expired ones are swept. */
const SWEEP_FROM = 1_000;

export class RecheckCooldown {
  private readonly last = new Map<string, { at: number; by: string }>();

  constructor(private readonly cooldownMs: number) {}

  /** Admits a recheck of `clusterKey` at `now` (and starts its cooldown), or says when the next one may run. */
  admit(clusterKey: string, by: string, now: number): Admission {
    const key = clusterKey.toLowerCase();
    const previous = this.last.get(key);
    if (previous && now - previous.at < this.cooldownMs) {
      return { ok: false, retryAfterMs: this.cooldownMs - (now - previous.at), by: previous.by, at: previous.at };
    }
    if (this.last.size >= SWEEP_FROM) this.sweep(now);
    this.last.set(key, { at: now, by });
    return { ok: true };
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.last) if (now - entry.at >= this.cooldownMs) this.last.delete(key);
  }
}
