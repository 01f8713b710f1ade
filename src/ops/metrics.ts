// Prometheus metrics in the text exposition format (version 0.0.4), without a client library: counters,
// gauges and histograms, with labels, and values read at scrape time where Parley already keeps them.

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const labelText = (l: Labels) => {
  const keys = Object.keys(l);
  return keys.length === 0 ? "" : `{${keys.map((k) => `${k}="${escapeLabel(l[k]!)}"`).join(",")}}`;
};
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN");

interface Metric {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram";
  lines(): string[];
}

export class Counter implements Metric {
  readonly type = "counter";
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const v = this.values.get(key) ?? { labels, value: 0 };
    v.value += by;
    this.values.set(key, v);
  }
  lines(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values.values()].map((v) => `${this.name}${labelText(v.labels)} ${num(v.value)}`);
  }
}

/** A value read when scraped (a counter kept elsewhere, or a gauge). */
export class Collected implements Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
    private readonly read: () => number | { labels: Labels; value: number }[],
  ) {}
  lines(): string[] {
    const v = this.read();
    if (typeof v === "number") return [`${this.name} ${num(v)}`];
    return v.map((x) => `${this.name}${labelText(x.labels)} ${num(x.value)}`);
  }
}

export class Histogram implements Metric {
  readonly type = "histogram";
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) this.counts[i]!++;
  }
  lines(): string[] {
    return [
      ...this.buckets.map((b, i) => `${this.name}_bucket{le="${num(b)}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${num(this.sum)}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  add<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return (
      this.metrics
        .map((m) => [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines()].join("\n"))
        .join("\n") + "\n"
    );
  }
}

/** Seconds; from a fraction of a millisecond (a fast commit) to seconds (a stalled disk). */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * How late timers fire: the event loop's lag, sampled every half second; the gauge shows the worst of the
 * last ten seconds, so a scrape every 15 s or so sees the spikes.
 */
export function eventLoopLag(): { seconds: () => number; stop: () => void } {
  const samples: number[] = [];
  let expected = performance.now() + 500;
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push(Math.max(0, now - expected) / 1000);
    if (samples.length > 20) samples.shift();
    expected = now + 500;
  }, 500);
  timer.unref();
  return { seconds: () => Math.max(0, ...samples), stop: () => clearInterval(timer) };
}
