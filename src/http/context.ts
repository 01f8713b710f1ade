import type { Context } from "hono";
import type { Server } from "bun";
import type { SessionRow, UserRow } from "../accounts/sessions.ts";
import type { Mailer } from "../accounts/mailer.ts";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import type { RateLimiter } from "../lib/rate-limiter.ts";
import type { Store } from "../store/store.ts";
import type { Chat } from "../chat/context.ts";
import type { Hub, SocketData } from "../realtime/hub.ts";
import type { Presence } from "../realtime/presence.ts";
import type { Media } from "../files/attachments.ts";
import type { PushNotifier } from "../push/notifier.ts";
import type { AppMetrics } from "../ops/app-metrics.ts";
import type { Exports } from "../ops/export.ts";
import type { PushSender } from "../push/sender.ts";
import type { OutboundPolicy } from "../lib/outbound.ts";
import type { DiskSpace } from "../ops/disk-space.ts";

/** Everything the HTTP layer is given; built once in app.ts. */
import type { ClusterNode } from "../cluster/cluster.ts";

export interface Deps {
  config: Config;
  store: Store;
  log: Logger;
  chat: Chat;
  hub: Hub;
  presence: Presence;
  /** Uploaded files, previews and avatars. */
  media: Media;
  /** Free space of the data folder's disk: readiness, metrics and uploads follow it. */
  disk: DiskSpace;
  /** policy: where subscriptions may point (the outbound guard's rules for push endpoints). */
  push: { notifier: PushNotifier; sender: PushSender; publicKey: string; policy: OutboundPolicy };
  metrics: AppMetrics;
  exports: Exports;
  mailer: Mailer | null;
  authLimits: { byAddress: RateLimiter; byUsername: RateLimiter };
  /** Contact matching, per person. */
  contactLimit: RateLimiter;
  /** This node's place in a cluster (PARLEY_BUS_URL), or null for a node on its own. */
  cluster: ClusterNode | null;
}

export interface Auth {
  user: UserRow;
  session: SessionRow;
  /** Cookie-borne sessions need the cross-site checks; bearer tokens cannot be sent by another site. */
  via: "cookie" | "bearer";
}

/**
 * What routes use of the listener a request came through: Bun's server, or (PARLEY_TLS=local) a view of it
 * that names the device behind the port front (http/listeners.ts).
 */
export interface Listener {
  requestIP(req: Request): { address: string; port: number } | null;
  upgrade(req: Request, options: { data: SocketData }): boolean;
}

export type AppEnv = {
  Bindings: Listener | undefined;
  Variables: {
    requestId: string;
    deps: Deps;
    auth: Auth | null;
    /**
     * Set by a route that knows its answer shows only what is on disk, so the durability barrier
     * (router.ts) need not hold it: e.g. a history page whose conversation has no event newer than that.
     */
    shownIsDurable?: boolean;
  };
};

export type AppContext = Context<AppEnv>;

/** The signed-in caller; routes behind requireAuth can rely on it. */
export function authOf(c: AppContext): Auth {
  const auth = c.get("auth");
  if (!auth) throw new Error("authOf() used on a route without requireAuth");
  return auth;
}

export function clientAddress(c: AppContext): string {
  if (c.get("deps").config.trustProxy) {
    // The proxy appends the address it saw; the last entry is the one no client could forge.
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return c.env?.requestIP?.(c.req.raw)?.address ?? "unknown";
}

export function sessionMeta(c: AppContext): { userAgent: string; ip: string } {
  return { userAgent: c.req.header("user-agent") ?? "", ip: clientAddress(c) };
}
