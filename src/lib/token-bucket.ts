/**
 * Allows `rate` actions per second on average with bursts up to `burst`: a person typing fast or a
 * client flushing its outbox after a reconnect gets through, a flood does not. O(1) per connection.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** True when it has refilled completely: forgetting it changes nothing. */
  isFull(): boolean {
    return this.tokens + ((this.now() - this.last) / 1000) * this.rate >= this.burst;
  }

  /** Takes a token; returns 0 when allowed, else the seconds until one is available. */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}

/**
 * One bucket per key (a person's id), so a limit holds across all their connections and the HTTP API.
 * Buckets that have refilled are dropped now and then: memory follows the people active recently.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private takes = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** Takes a token from key's bucket; 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    if (++this.takes % 10_000 === 0) this.prune();
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.rate, this.burst, this.now)));
    return bucket.take();
  }

  private prune(): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(key);
  }
}
