/**
 * Counts attempts per key in a sliding window (two fixed windows, weighted), the approximation
 * Cloudflare and nginx use: O(1) memory per key, no burst of 2x at a window edge.
 * Keys idle for two windows are dropped, so memory stays bounded by recent traffic.
 */
export class RateLimiter {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private windowStart: number;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** Records an attempt; returns 0 when allowed, else the seconds to wait before the next attempt. */
  hit(key: string): number {
    const now = this.rotate();
    const elapsed = (now - this.windowStart) / this.windowMs;
    const estimate = (this.previous.get(key) ?? 0) * (1 - elapsed) + (this.current.get(key) ?? 0);
    if (estimate >= this.limit) return Math.max(1, Math.ceil((this.windowStart + this.windowMs - now) / 1000));
    this.current.set(key, (this.current.get(key) ?? 0) + 1);
    return 0;
  }

  private rotate(): number {
    const now = this.now();
    const windows = Math.floor((now - this.windowStart) / this.windowMs);
    if (windows >= 1) {
      this.previous = windows === 1 ? this.current : new Map();
      this.current = new Map();
      this.windowStart += windows * this.windowMs;
    }
    return now;
  }
}
