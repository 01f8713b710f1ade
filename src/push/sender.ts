// Delivers Web Push requests without ever touching a send: a bounded queue worked by a few concurrent
// requests, retried with backoff when the push service is busy (429) or failing (5xx), and forgetting
// subscriptions the service says are gone (404, 410). Bursts for one conversation collapse into the
// newest notification while it waits, and the Topic header asks the push service to do the same.
import { eq } from "drizzle-orm";
import type { Logger } from "../lib/log.ts";
import { fetchOutbound, OutboundRefused, type OutboundPolicy } from "../lib/outbound.ts";
import { pushSubscriptions } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import type { SubscriptionRow } from "./subscriptions.ts";
import type { VapidKeys } from "./vapid.ts";

let library: Promise<typeof import("web-push")> | undefined;
/** The push library (encryption and VAPID signing), loaded with the first push rather than at start. */
const webPushLibrary = () => (library ??= import("web-push"));

export interface PushMessage {
  /** Bursts with the same key for the same subscription collapse into the newest. */
  key: string;
  payload: object;
  /** Seconds the push service keeps it for a device that is offline. */
  ttl: number;
  urgency: "very-low" | "low" | "normal" | "high";
}

interface Job {
  subscription: SubscriptionRow;
  message: PushMessage;
  attempt: number;
}

export interface PushStats {
  queued: number;
  sent: number;
  failed: number;
  retried: number;
  dropped: number;
  expired: number;
}

export interface SenderOptions {
  concurrency: number;
  maxQueue: number;
  maxAttempts: number;
  /** First retry after this long, doubling each time (or the service's Retry-After, if longer). */
  backoffMs: number;
}

const DEFAULTS: SenderOptions = { concurrency: 4, maxQueue: 10_000, maxAttempts: 5, backoffMs: 1000 };

export class PushSender {
  private readonly waiting: Job[] = [];
  private readonly byKey = new Map<string, Job>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private running = 0;
  /** Subscriptions with a request in flight: one at a time per device, so later ones can collapse meanwhile. */
  private readonly busy = new Set<string>();
  private stopped = false;
  readonly stats: PushStats = { queued: 0, sent: 0, failed: 0, retried: 0, dropped: 0, expired: 0 };
  private readonly options: SenderOptions;

  constructor(
    private readonly store: Store,
    private readonly vapid: VapidKeys & { subject: string },
    private readonly policy: OutboundPolicy,
    private readonly log: Logger,
    options: Partial<SenderOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** A subscription that will never work again. */
  private forget(id: string): Promise<unknown> {
    return this.store.write((tx) => tx.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id)).run(), "push");
  }

  enqueue(subscription: SubscriptionRow, message: PushMessage): void {
    if (this.stopped) return;
    const key = `${subscription.id}:${message.key}`;
    const pending = this.byKey.get(key);
    if (pending) {
      // Not sent yet: the newest message replaces it (one notification per conversation, updated).
      pending.message = message;
      return;
    }
    if (this.waiting.length >= this.options.maxQueue) {
      this.stats.dropped++;
      this.log.warn("push queue full; notification dropped", { subscriptionId: subscription.id });
      return;
    }
    const job: Job = { subscription, message, attempt: 0 };
    this.byKey.set(key, job);
    this.waiting.push(job);
    this.stats.queued++;
    this.pump();
  }

  /** Waits for nothing more: pending retries are abandoned (they are best effort). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.waiting.length = 0;
    this.byKey.clear();
  }

  get depth(): number {
    return this.waiting.length + this.running;
  }

  private pump(): void {
    while (!this.stopped && this.running < this.options.concurrency) {
      const at = this.waiting.findIndex((j) => !this.busy.has(j.subscription.id));
      if (at === -1) return;
      const [job] = this.waiting.splice(at, 1) as [Job];
      this.byKey.delete(`${job.subscription.id}:${job.message.key}`);
      this.running++;
      this.busy.add(job.subscription.id);
      void this.deliver(job).finally(() => {
        this.running--;
        this.busy.delete(job.subscription.id);
        this.pump();
      });
    }
  }

  private async deliver(job: Job): Promise<void> {
    const { subscription: sub, message } = job;
    let status = 0;
    let retryAfter = 0;
    try {
      const webpush = await webPushLibrary();
      const details = webpush.generateRequestDetails(
        { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
        JSON.stringify(message.payload),
        {
          vapidDetails: this.vapid,
          TTL: message.ttl,
          urgency: message.urgency,
          // Topic: at most 32 URL-safe characters; the push service replaces an undelivered one with the same topic.
          topic: new Bun.CryptoHasher("sha256").update(message.key).digest("base64url").slice(0, 32),
          contentEncoding: "aes128gcm",
        },
      );
      // Checked again at every send, against the address it resolves to now, and connected to that address.
      const res = await fetchOutbound(
        details.endpoint,
        {
          method: details.method,
          headers: details.headers as Record<string, string>,
          body: details.body as Uint8Array,
          timeoutMs: 15_000,
          maxBytes: 4096,
        },
        this.policy,
      );
      status = res.status;
      retryAfter = Number(res.headers.get("retry-after") ?? 0);
    } catch (err) {
      if (err instanceof OutboundRefused) {
        // It passed when it was saved; now its name points somewhere it must not. It will not work again.
        this.stats.failed++;
        await this.forget(sub.id);
        this.log.warn("push endpoint refused by the outbound guard; subscription removed", {
          subscriptionId: sub.id,
          reason: err.message,
        });
        return;
      }
      this.log.warn("push request failed", { subscriptionId: sub.id, err: (err as Error).message });
    }
    if (status >= 200 && status < 300) {
      this.stats.sent++;
      const now = Date.now();
      await this.store.write(
        (tx) => tx.update(pushSubscriptions).set({ lastSuccessAt: now }).where(eq(pushSubscriptions.id, sub.id)).run(),
        "push",
      );
      return;
    }
    if (status === 404 || status === 410) {
      // The browser unsubscribed or the subscription expired: it will never work again.
      this.stats.expired++;
      await this.forget(sub.id);
      this.log.info("push subscription gone; removed", { subscriptionId: sub.id, status });
      return;
    }
    // Redirects are not followed (the guard checked only this URL), so a 3xx is a plain failure.
    const retriable = status === 0 || status === 429 || status >= 500;
    if (retriable && job.attempt + 1 < this.options.maxAttempts && !this.stopped) {
      job.attempt++;
      this.stats.retried++;
      const wait = Math.max(
        this.options.backoffMs * 2 ** (job.attempt - 1),
        Number.isFinite(retryAfter) ? retryAfter * 1000 : 0,
      );
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          if (this.stopped) return;
          // A newer message for the same conversation is already waiting: it replaces this one.
          const key = `${job.subscription.id}:${job.message.key}`;
          if (this.byKey.has(key)) return;
          this.byKey.set(key, job);
          this.waiting.push(job);
          this.pump();
        },
        Math.min(wait, 10 * 60_000),
      );
      this.timers.add(timer);
      return;
    }
    this.stats.failed++;
    this.log.warn("push not delivered", { subscriptionId: sub.id, status, attempts: job.attempt + 1 });
  }
}
