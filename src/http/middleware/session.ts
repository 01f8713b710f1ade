import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { touchSessionLater, validateSessionToken } from "../../accounts/sessions.ts";
import { AppError } from "../../lib/errors.ts";
import { DAY } from "../../lib/time.ts";
import type { AppContext, AppEnv } from "../context.ts";

export const SESSION_COOKIE = "parley_session";

export function setSessionCookie(c: AppContext, token: string): void {
  const { secureCookies, sessionTtlDays } = c.get("deps").config;
  // httpOnly: scripts (and so XSS) cannot read it. Lax: not sent on cross-site POSTs.
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: secureCookies,
    path: "/",
    maxAge: (sessionTtlDays * DAY) / 1000,
  });
}

export function clearSessionCookie(c: AppContext): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: c.get("deps").config.secureCookies });
}

/**
 * The token a request carries: a bearer header wins over the cookie. Any other Authorization scheme is
 * not ours (a proxy in front may use Basic auth for its own gate) and leaves the cookie in force.
 */
export function requestToken(c: AppContext): { token: string; via: "cookie" | "bearer" } | null {
  const header = c.req.header("authorization");
  const bearer = header && /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (bearer) return { token: bearer[1]!, via: "bearer" };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, via: "cookie" } : null;
}

/** Resolves the caller's session, if any, into c.var.auth. */
export const loadSession = createMiddleware<AppEnv>(async (c, next) => {
  c.set("auth", null);
  const found = requestToken(c);
  if (found) {
    const { config, store, chat } = c.get("deps");
    const result = validateSessionToken(
      store.db,
      found.token,
      config.sessionTtlDays,
      touchSessionLater(chat.queue, chat.background),
    );
    if (result) {
      c.set("auth", { user: result.user, session: result.session, via: found.via });
      if (result.renewed && found.via === "cookie") setSessionCookie(c, found.token);
    } else if (found.via === "cookie") {
      clearSessionCookie(c);
    }
  }
  await next();
});

export const requireAuth = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get("auth")) throw new AppError("UNAUTHENTICATED");
  await next();
});

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (!auth) throw new AppError("UNAUTHENTICATED");
  if (auth.user.role !== "admin") throw new AppError("FORBIDDEN", "Only administrators may do this.");
  await next();
});
