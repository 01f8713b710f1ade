import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "../context.ts";

/**
 * One line per request. The route pattern is logged, never the path: paths can carry secrets
 * (a password-reset token), and patterns keep the log free of personal data.
 * Static files and health probes go to debug so they do not drown the rest.
 */
export const accessLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const { log, metrics } = c.get("deps");
  const status = c.res.status;
  const seconds = (performance.now() - started) / 1000;
  metrics.httpRequests.inc({ route: routePath(c), method: c.req.method, status: String(status) });
  metrics.httpSeconds.observe(seconds);
  const fields = {
    method: c.req.method,
    route: routePath(c),
    status,
    ms: Math.round(seconds * 10000) / 10,
    requestId: c.get("requestId"),
    userId: c.get("auth")?.user.id,
  };
  if (status >= 400 || c.req.path.startsWith("/api/")) log.info("request", fields);
  else log.debug("request", fields);
});
