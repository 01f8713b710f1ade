// A client as the web app is one, for the multi-node tests and benchmark: its socket goes through a load
// balancer, and when it closes (a node killed or draining) it connects again and resumes from the last event
// it had. It records every event, and how long each outage lasted (socket closed → ready again).

export class ResumingClient {
  readonly events: any[] = [];
  reconnects = 0;
  /** Milliseconds from each close to the next ready (failover as a person lives it). */
  readonly outages: number[] = [];
  /** Called with each event as it arrives (the benchmark's latency clock). */
  onEvent: (event: any) => void = () => {};
  private since: string | undefined;
  private stopped = false;
  private closedAt: number | null = null;
  private ws: WebSocket | null = null;

  constructor(
    private readonly token: string,
    /** The balancer (or node) it goes through: http://host:port. */
    private readonly via: string,
    /** A client's backoff before it tries again (the web app's starts like this and grows). */
    private readonly retryMs = 100,
  ) {}

  /** Resolves once the first connection is ready. */
  start(): Promise<void> {
    return new Promise((ready) => this.open(ready));
  }

  private open(ready: () => void): void {
    const ws = new WebSocket(this.via.replace(/^http/, "ws") + "/ws", {
      headers: { authorization: `Bearer ${this.token}` },
    } as any);
    this.ws = ws;
    ws.onopen = () =>
      ws.send(JSON.stringify({ type: "hello", token: this.token, ...(this.since ? { since: this.since } : {}) }));
    ws.onmessage = (e) => {
      const f = JSON.parse(String(e.data));
      if (f.type === "ready") {
        this.since ??= f.lastEventId;
        if (this.closedAt !== null) this.outages.push(performance.now() - this.closedAt);
        this.closedAt = null;
        ready();
      } else if (f.type === "event") {
        this.events.push(f.event);
        this.since = f.event.id;
        this.onEvent(f.event);
      }
    };
    ws.onclose = () => {
      if (this.stopped) return;
      this.reconnects++;
      this.closedAt ??= performance.now();
      setTimeout(() => this.open(() => {}), this.retryMs);
    };
  }

  texts(): string[] {
    return this.events.filter((e) => e.type === "message.created").map((e) => e.message.text);
  }

  stop(): void {
    this.stopped = true;
    this.ws?.close();
  }
}
