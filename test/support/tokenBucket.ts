/**
 * ARM's read throttling as documented since 2024: a token bucket per subscription (and one per tenant
 * for requests outside a subscription), 250 tokens refilled at 25 per second.
 */
export interface BucketSettings {
  capacity: number;
  refillPerSecond: number;
}

export type Take = { ok: true; remaining: number } | { ok: false; remaining: 0; retryAfterSeconds: number };

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly settings: BucketSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  take(key: string): Take {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    const seconds = (1 - bucket.tokens) / this.settings.refillPerSecond;
    return { ok: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }

  /** The whole tokens left, without taking one. */
  remaining(key: string): number {
    return Math.floor(this.refilled(key).tokens);
  }

  reset(): void {
    this.buckets.clear();
  }

  private refilled(key: string): { tokens: number; at: number } {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.settings.capacity, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedSeconds = (now - bucket.at) / 1000;
    bucket.tokens = Math.min(this.settings.capacity, bucket.tokens + elapsedSeconds * this.settings.refillPerSecond);
    bucket.at = now;
    return bucket;
  }
}
