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
import { healthRoutes } from "./routes/health.ts";
import { instanceRoutes } from "./routes/instance.ts";
import { meRoutes } from "./routes/me.ts";
import { passwordResetRoutes } from "./routes/password-reset.ts";
import { webRoutes } from "./routes/web.ts";

/** Every route group, mounted in one readable list. */
export function createRouter(deps: Deps, lifecycle: { isDraining: () => boolean }) {
  const app = new Hono<AppEnv>();
  app.use(requestId({ limitLength: 64 }));
  app.use(async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use(accessLog);
  app.use(securityHeaders(deps.config.secureCookies));
  app.onError((err, c) => toErrorResponse(err, c, deps.log));

  app.route("/", healthRoutes(lifecycle.isDraining));

  const api = new Hono<AppEnv>();
  api.use(
    bodyLimit({
      maxSize: deps.config.maxJsonBytes,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `Request bodies may be at most ${deps.config.maxJsonBytes} bytes.`);
      },
    }),
  );
  api.use(sameOriginOnly);
  api.use(loadSession);
  api.use(async (c, next) => {
    await next();
    // API answers are per user: no shared cache may keep them.
    if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
  });
  api.route("/", instanceRoutes);
  api.route("/", authRoutes);
  api.route("/", passwordResetRoutes);
  api.route("/me", meRoutes);
  api.route("/admin", adminRoutes);
  api.notFound(notFoundResponse);
  app.route("/api/v1", api);
  app.all("/api/*", notFoundResponse);

  app.route("/", webRoutes(deps.log));
  app.notFound(notFoundResponse);
  return app;
}
