import { createMiddleware } from "hono/factory";
import type { Config } from "../../config/config.ts";
import { AppError } from "../../lib/errors.ts";
import type { AppEnv } from "../context.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses state-changing requests that a browser sent from another site (CSRF, login CSRF).
 * Browsers always send Origin on such requests; clients that send none (curl, bots) are not browsers
 * and cannot be tricked into carrying a victim's cookie. Until PARLEY_PUBLIC_URL is set, the request's own
 * host is accepted too, so an install reached by LAN address still works; once it is set, only it is.
 */
export const sameOriginOnly = createMiddleware<AppEnv>(async (c, next) => {
  if (!safeMethods.has(c.req.method)) {
    const origin = c.req.header("origin");
    const site = c.req.header("sec-fetch-site");
    if (origin !== undefined) {
      if (!isSameOrigin(origin, c.get("deps").config, c.req.header("host"))) throw new AppError("CSRF_REJECTED");
    } else if (site !== undefined && site !== "same-origin" && site !== "none") {
      throw new AppError("CSRF_REJECTED");
    }
  }
  await next();
});

export function isSameOrigin(
  origin: string,
  config: Pick<Config, "publicUrl" | "publicUrlConfigured">,
  host: string | undefined,
): boolean {
  if (origin === config.publicUrl) return true;
  if (config.publicUrlConfigured) return false;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
