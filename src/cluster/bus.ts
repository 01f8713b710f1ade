// The bus between the nodes of a cluster (PARLEY_BUS_URL): Redis pub/sub through Bun's built-in RedisClient,
// one channel for everything. It is at-most-once by nature — a message published while a node is
// disconnected never reaches it — so nothing depends on it alone: events carry their stream ids and every
// node fills gaps from the store (cluster/sequencer.ts); signals (typing, presence, call signalling) are
// moments that may be lost like a dropped frame.
//
// Whether a subscription survives a reconnection is the client's business, and Bun's has not always kept it
// (nor said when it reconnected). So the bus checks its own subscription: every second it publishes an echo
// that only it listens for; when its echo has not come back for a while, the subscriber is replaced by a
// new client with a new subscription (never a second listener on the old one, which would deliver every
// message twice), and the node is told, so it checks the stream's head for what went by meanwhile.
import { RedisClient } from "bun";
import { randomBytes } from "node:crypto";
import type { Logger } from "../lib/log.ts";

export const BUS_CHANNEL = "parley:cluster";

/** Echoes start with this; nodes ignore everyone's. */
const ECHO = "\u0000echo:";
const ECHO_EVERY_MS = 1000;
/** An echo missing this long means the subscription is gone. */
const ECHO_LOST_MS = 2500;

const clientOptions = { enableOfflineQueue: false, maxRetries: 0, connectionTimeout: 2000 };

export class Bus {
  private readonly pub: RedisClient;
  private pubConnecting = false;
  private sub: RedisClient | null = null;
  private closed = false;
  private subscribing: Promise<boolean> | null = null;
  private readonly echo = ECHO + randomBytes(8).toString("hex");
  private lastEcho = 0;
  private everSubscribed = false;
  private readonly timer: Timer;
  /** Messages published, received, and given up (a publish that failed: the gap fill covers events). */
  readonly stats = { published: 0, received: 0, publishFailures: 0, resubscriptions: 0 };

  constructor(
    private readonly url: string,
    private readonly log: Logger,
    /** Each message from the channel (the node skips its own). */
    private readonly onMessage: (text: string) => void,
    /** Subscribed again after losing the subscription: whatever was published meanwhile is lost. */
    private readonly onResubscribed: () => void,
  ) {
    this.pub = new RedisClient(url, clientOptions);
    this.connectPub();
    this.timer = setInterval(() => this.check(), ECHO_EVERY_MS);
    this.timer.unref();
  }

  /** Subscribed, with an echo back recently. */
  get up(): boolean {
    return this.sub !== null && Date.now() - this.lastEcho < ECHO_LOST_MS;
  }

  /** Resolves once subscribed (true), or when this attempt failed (false: the checks keep trying). */
  start(): Promise<boolean> {
    return this.subscribe();
  }

  private subscribe(): Promise<boolean> {
    return (this.subscribing ??= this.newSubscriber().finally(() => (this.subscribing = null)));
  }

  private async newSubscriber(): Promise<boolean> {
    const old = this.sub;
    this.sub = null;
    old?.close();
    if (this.closed) return false;
    const sub = new RedisClient(this.url, clientOptions);
    try {
      await sub.connect();
      await sub.subscribe(BUS_CHANNEL, (message) => {
        if (sub !== this.sub) return; // a replaced client's last words
        if (message.startsWith(ECHO)) {
          if (message === this.echo) this.lastEcho = Date.now();
          return;
        }
        this.stats.received++;
        this.onMessage(message);
      });
    } catch (err) {
      sub.close();
      if (!this.closed) this.log.warn("cluster bus: subscribing failed; trying again", { err: String(err) });
      return false;
    }
    if (this.closed) {
      sub.close();
      return false;
    }
    this.sub = sub;
    this.lastEcho = Date.now();
    if (this.everSubscribed) {
      this.stats.resubscriptions++;
      this.log.info("cluster bus subscribed again");
      this.onResubscribed();
    }
    this.everSubscribed = true;
    return true;
  }

  private check(): void {
    if (this.closed || this.subscribing) return;
    if (this.sub && Date.now() - this.lastEcho > ECHO_LOST_MS) {
      this.log.warn("cluster bus: the subscription stopped answering; subscribing again");
      void this.subscribe();
      return;
    }
    if (!this.sub) {
      void this.subscribe();
      return;
    }
    this.send(this.echo, false);
  }

  /** Fire and forget: a message that cannot be published is lost (counted); events are filled from the store. */
  publish(text: string): void {
    this.send(text, true);
  }

  private send(text: string, counted: boolean): void {
    if (!this.pub.connected) {
      if (counted) this.stats.publishFailures++;
      this.connectPub();
      return;
    }
    if (counted) this.stats.published++;
    this.pub.publish(BUS_CHANNEL, text).catch(() => {
      if (counted) this.stats.publishFailures++;
    });
  }

  /** (Re)connects the publisher in the background: Bun's client reconnects when asked to. */
  private connectPub(): void {
    if (this.pubConnecting || this.closed) return;
    this.pubConnecting = true;
    this.pub
      .connect()
      .catch(() => {})
      .finally(() => (this.pubConnecting = false));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.sub?.close();
    this.sub = null;
    this.pub.close();
  }
}
