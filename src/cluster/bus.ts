// The bus between the nodes of a cluster (PARLEY_BUS_URL): Redis pub/sub through Bun's built-in RedisClient,
// one channel for everything. It is at-most-once by nature — a message published while a node is
// disconnected never reaches it — so nothing depends on it alone: events carry their stream ids and every
// node fills gaps from the store (cluster/sequencer.ts); signals (typing, presence, call signalling) are
// moments that may be lost like a dropped frame.
//
// Bun's client reconnects by itself but does not subscribe again on the new connection. So the subscriber
// is ours to mend: on every connect after the first it subscribes again (after dropping whatever
// subscription the client may still believe it has, so a listener is never registered twice), and tells the
// node, which then checks the stream's head for what went by meanwhile.
import { RedisClient } from "bun";
import type { Logger } from "../lib/log.ts";

export const BUS_CHANNEL = "parley:cluster";

const RETRY_MS = 500;

export class Bus {
  private readonly pub: RedisClient;
  private sub: RedisClient;
  private closed = false;
  private subscribed = false;
  private everSubscribed = false;
  private retry: Timer | null = null;
  /** Messages published, received, and given up (a publish that failed: the gap fill covers events). */
  readonly stats = { published: 0, received: 0, publishFailures: 0, reconnects: 0 };

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    /** Each message from the channel, as published (our own included: the caller skips those). */
    private readonly onMessage: (text: string) => void,
    /** The subscription is back after a disconnection: whatever was published meanwhile is lost. */
    private readonly onResubscribed: () => void,
  ) {
    this.pub = new RedisClient(url, { enableOfflineQueue: false, maxRetries: 4_000_000_000 });
    this.sub = this.subscriber();
  }

  /** Connected and subscribed now. */
  get up(): boolean {
    return this.subscribed && this.sub.connected && this.pub.connected;
  }

  private subscriber(): RedisClient {
    const sub = new RedisClient(this.url, { enableOfflineQueue: false, maxRetries: 4_000_000_000 });
    sub.onconnect = () => void this.subscribe(sub);
    sub.onclose = (err) => {
      if (this.closed || sub !== this.sub) return;
      if (this.subscribed)
        this.log.warn("cluster bus disconnected; reconnecting", { err: String(err?.message ?? err) });
      this.subscribed = false;
      // The client gave up (or was never connected): a new one, later.
      this.later();
    };
    return sub;
  }

  /** Resolves once subscribed the first time (start-up waits for it, bounded by the caller). */
  async start(): Promise<void> {
    await this.subscribe(this.sub);
  }

  private async subscribe(sub: RedisClient): Promise<void> {
    if (this.closed || sub !== this.sub || this.subscribed) return;
    try {
      if (!sub.connected) await sub.connect();
      // A subscription the client kept from before the disconnection would deliver each message twice.
      await sub.unsubscribe(BUS_CHANNEL).catch(() => {});
      await sub.subscribe(BUS_CHANNEL, (message) => {
        this.stats.received++;
        this.onMessage(message);
      });
    } catch (err) {
      if (!this.closed) this.log.warn("cluster bus: subscribing failed; trying again", { err: String(err) });
      this.later();
      return;
    }
    this.subscribed = true;
    const again = this.everSubscribed;
    this.everSubscribed = true;
    if (again) {
      this.stats.reconnects++;
      this.log.info("cluster bus subscribed again");
      this.onResubscribed();
    }
  }

  private later(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.closed || this.subscribed) return;
      if (!this.sub.connected) {
        this.sub.onclose = null;
        this.sub.close();
        this.sub = this.subscriber();
      }
      void this.subscribe(this.sub);
    }, RETRY_MS);
    this.retry.unref();
  }

  /** Fire and forget: a message that cannot be published is lost (counted); events are filled from the store. */
  publish(text: string): void {
    if (!this.pub.connected) {
      this.stats.publishFailures++;
      // The client reconnects by itself on the next command; ask for it without waiting.
      void this.pub.connect().catch(() => {});
      return;
    }
    this.stats.published++;
    this.pub.publish(BUS_CHANNEL, text).catch(() => this.stats.publishFailures++);
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.sub.onclose = null;
    this.sub.close();
    this.pub.close();
  }
}
