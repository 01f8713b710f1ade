import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { AppError } from "../lib/errors.ts";
import type { AppEnv, Deps } from "./context.ts";
import { notFoundResponse, toErrorResponse } from "./errors.ts";
import { accessLog } from "./middleware/access-log.ts";
import { sameOriginOnly } from "./middleware/origin.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { loadSession } from "./middleware/session.ts";
import { adminRoutes } from "./routes/admin.ts";
import { authRoutes } from "./routes/auth.ts";
import { conversationRoutes } from "./routes/conversations.ts";
import { eventRoutes } from "./routes/events.ts";
import { memberRoutes } from "./routes/members.ts";
import { messageRoutes } from "./routes/messages.ts";
import { threadRoutes } from "./routes/threads.ts";
import { realtimeRoutes } from "./routes/realtime.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { instanceRoutes } from "./routes/instance.ts";
import { meRoutes } from "./routes/me.ts";
import { passwordResetRoutes } from "./routes/password-reset.ts";
import { groupInviteRoutes } from "./routes/group-invites.ts";
import { mentionRoutes } from "./routes/mentions.ts";
import { presenceRoutes } from "./routes/presence.ts";
import { avatarRoutes, fileRoutes, uploadRoutes } from "./routes/files.ts";
import { contactRoutes, searchRoutes } from "./routes/search.ts";
import { pushRoutes } from "./routes/push.ts";
import { passkeyRoutes } from "./routes/passkeys.ts";
import { exportRoutes } from "./routes/exports.ts";
import { webRoutes } from "./routes/web.ts";
import { trustRoutes } from "./routes/trust.ts";
import { e2eeRoutes, groupRoutes } from "./routes/e2ee.ts";
import { formatSize } from "../protocol/sizes.ts";
import type { FileStore } from "../files/file-store.ts";

/** Where the web app sends files itself with S3 storage: the origin of the bucket's presigned URLs. */
function directUploadOrigin(files: FileStore): string | null {
  const sample = files.kind === "s3" ? files.presignPut(60) : null;
  return sample ? new URL(sample.url).origin : null;
}

/** Every route group, mounted in one readable list. */
export function createRouter(deps: Deps, lifecycle: { isDraining: () => boolean }) {
  const app = new Hono<AppEnv>();
  app.use(requestId({ limitLength: 64 }));
  app.use(async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use(accessLog);
  // HSTS where HTTPS is certain to stay: a public domain, with Parley's ACME certificate or behind a proxy
  // with an https public URL. Not with its own local CA (the trust page must stay reachable over plain
  // HTTP on a device that has not trusted it yet) nor with certificate files (whose future Parley cannot know).
  const { tls, secureCookies } = deps.config;
  app.use(securityHeaders(tls === "acme" || (tls === "off" && secureCookies), directUploadOrigin(deps.media.files)));
  app.onError((err, c) => toErrorResponse(err, c, deps.log));

  app.route("/", healthRoutes(lifecycle.isDraining));
  app.route("/", metricsRoutes);
  app.route("/", realtimeRoutes);

  const api = new Hono<AppEnv>();
  const jsonLimit = bodyLimit({
    maxSize: deps.config.maxJsonBytes,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `Request bodies may be at most ${formatSize(deps.config.maxJsonBytes)}.`);
    },
  });
  // Uploads stream to disk under their own limits (files/attachments.ts); everything else is small JSON.
  const streamed =
    /^\/api\/v1\/(uploads|uploads\/[^/]+\/content|me\/avatar|conversations\/[^/]+\/avatar|admin\/logo|admin\/imports\/slack)$/;
  api.use((c, next) => (streamed.test(c.req.path) ? next() : jsonLimit(c, next)));

  // An answer may show writes whose group commit is not on disk yet (store/durability.ts): it leaves only
  // once they are, so nobody is shown what a power cut could take back. Usually nothing is waiting.
  api.use(async (c, next) => {
    await next();
    if (!c.get("shownIsDurable")) await deps.store.durability.barrier();
  });
  api.use(sameOriginOnly);
  api.use(loadSession);
  api.use(async (c, next) => {
    await next();
    // API answers are per user: no shared cache may keep them.
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
  // Account changes may end sessions (sign-out, password change, deactivation): their sockets close too.
  for (const path of ["/auth/logout", "/auth/password-reset", "/me/*", "/admin/*"]) {
    api.use(path, async (c, next) => {
      await next();
      if (c.req.method !== "GET" && c.res.status < 400) deps.hub.recheckSessions(deps.store.db);
    });
  }
  api.route("/", instanceRoutes);
  api.route("/", authRoutes);
  api.route("/", passwordResetRoutes);
  api.route("/", passkeyRoutes);
  api.route("/", exportRoutes);
  api.route("/me", meRoutes);
  api.route("/admin", adminRoutes);
  api.route("/conversations/:id/messages", messageRoutes);
  api.route("/conversations/:id/threads", threadRoutes);
  api.route("/conversations/:id/members", memberRoutes);
  api.route("/conversations/:id/mls", groupRoutes);
  api.route("/conversations", conversationRoutes);
  api.route("/events", eventRoutes);
  api.route("/e2ee", e2eeRoutes);
  api.route("/search", searchRoutes);
  api.route("/contacts", contactRoutes);
  api.route("/group-invites", groupInviteRoutes);
  api.route("/mentions", mentionRoutes);
  api.route("/presence", presenceRoutes);
  api.route("/uploads", uploadRoutes);
  api.route("/files", fileRoutes);
  api.route("/avatars", avatarRoutes);
  api.route("/push", pushRoutes);
  api.notFound(notFoundResponse);
  app.route("/api/v1", api);
  app.all("/api/*", notFoundResponse);

  app.route("/", trustRoutes);
  app.route("/", webRoutes(deps.log));
  app.notFound(notFoundResponse);
  return app;
}
