// What both load generators (load.ts, raw-load.ts) share: a latency reservoir, and sending at a steady rate.

/** Reservoir sampling: percentiles stay honest without holding every sample. */
export class Reservoir {
  samples: number[] = [];
  private seen = 0;
  constructor(private readonly max: number) {}

  record(value: number): void {
    this.seen++;
    if (this.samples.length < this.max) this.samples.push(value);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.max) this.samples[j] = value;
    }
  }

  reset(): void {
    this.samples = [];
    this.seen = 0;
  }

  /** The samples, sorted. */
  sorted(): number[] {
    return this.samples.sort((a, b) => a - b);
  }
}

/**
 * Calls sendOne at `rate` per second for `seconds`: every tick sends what the rate owes so far, so the load
 * is steady rather than a burst each second. Resolves with how many were sent once the time is up.
 */
export function sendAtRate(
  rate: number,
  seconds: number,
  tickMs: number,
  now: () => number,
  sendOne: () => void,
): Promise<number> {
  const t0 = now();
  const end = t0 + seconds * 1000;
  let sent = 0;
  return new Promise<number>((resolve) => {
    const timer = setInterval(() => {
      const t = now();
      if (t >= end) {
        clearInterval(timer);
        return resolve(sent);
      }
      const owed = Math.floor(((t - t0) / 1000) * rate) - sent;
      for (let i = 0; i < owed; i++, sent++) sendOne();
    }, tickMs);
  });
}
