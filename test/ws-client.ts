// A real WebSocket client for tests: records every frame, waits for the ones a test expects.

export interface Closed {
  code: number;
  reason: string;
}

export class TestSocket {
  readonly frames: any[] = [];
  readonly closed: Promise<Closed>;
  private waiters: { pred: (f: any) => boolean; resolve: (f: any) => void }[] = [];

  private constructor(readonly ws: WebSocket) {
    const { promise, resolve } = Promise.withResolvers<Closed>();
    this.closed = promise;
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data));
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => (w.pred(frame) ? (w.resolve(frame), false) : true));
    };
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
  }

  /**
   * Opens a socket to the server at baseUrl (http://... or https://...), with optional auth header, cookie,
   * Origin, or TLS options (`{ ca }`: the certificate to trust).
   */
  static async connect(
    baseUrl: string,
    opts: { token?: string; cookie?: string; origin?: string; tls?: Record<string, unknown> } = {},
  ): Promise<TestSocket> {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.cookie) headers.cookie = opts.cookie;
    if (opts.origin) headers.origin = opts.origin;
    const ws = new WebSocket(baseUrl.replace(/^http/, "ws") + "/ws", { headers, tls: opts.tls } as any);
    const socket = new TestSocket(ws);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("websocket failed to open"));
    await promise;
    return socket;
  }

  /** Connects with the token in the first frame and waits for ready. */
  static async ready(
    baseUrl: string,
    token: string,
    since?: string,
    tls?: Record<string, unknown>,
  ): Promise<TestSocket> {
    const s = await TestSocket.connect(baseUrl, { tls });
    s.send({ type: "hello", token, ...(since !== undefined ? { since } : {}) });
    await s.next((f) => f.type === "ready");
    return s;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or still to come) that matches. */
  next(pred: (f: any) => boolean, timeoutMs = 5000): Promise<any> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    const { promise, resolve, reject } = Promise.withResolvers<any>();
    const timer = setTimeout(
      () => reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(-600)}`)),
      timeoutMs,
    );
    this.waiters.push({ pred, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    return promise;
  }

  /** Sends and waits for the reply (ack, pong or error) naming this request id. */
  async request(frame: Record<string, unknown> & { id: string }): Promise<any> {
    this.send(frame);
    return this.next((f) => f.id === frame.id && f.type !== "event");
  }

  events(type?: string): any[] {
    return this.frames.filter((f) => f.type === "event" && (!type || f.event.type === type)).map((f) => f.event);
  }

  /** Waits until n events (of the type, if given) have arrived. */
  async waitForEvents(n: number, type?: string, timeoutMs = 5000): Promise<any[]> {
    if (this.events(type).length < n) await this.next(() => this.events(type).length >= n, timeoutMs);
    return this.events(type);
  }

  close(): void {
    this.ws.close();
  }
}
