import { Hono } from "hono";
import { timingSafeEqual } from "node:crypto";
import { AppError } from "../../lib/errors.ts";
import type { AppEnv } from "../context.ts";

const isLoopback = (address: string | undefined) =>
  !!address && (address === "::1" || address.startsWith("127.") || address === "::ffff:127.0.0.1");

/**
 * GET /metrics: Prometheus text. With PARLEY_METRICS_TOKEN, for bearers of it; without, for this machine
 * only, judged by the socket's own address (never X-Forwarded-For), and never behind a trusted proxy.
 */
export const metricsRoutes = new Hono<AppEnv>().get("/metrics", (c) => {
  const { config, metrics } = c.get("deps");
  const given = c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  const allowed = config.metricsToken
    ? given.length === config.metricsToken.length &&
      timingSafeEqual(Buffer.from(given), Buffer.from(config.metricsToken))
    : !config.trustProxy && isLoopback(c.env?.requestIP(c.req.raw)?.address);
  if (!allowed)
    throw new AppError("FORBIDDEN", "Metrics are for this machine, or for requests with the metrics token.");
  return c.body(metrics.registry.render(), 200, {
    "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
    "Cache-Control": "no-store",
  });
});
