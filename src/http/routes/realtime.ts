import { Hono } from "hono";
import { touchSessionLater, validateSessionToken } from "../../accounts/sessions.ts";
import { AppError } from "../../lib/errors.ts";
import { newSocketData } from "../../realtime/socket.ts";
import type { AppEnv } from "../context.ts";
import { isSameOrigin } from "../middleware/origin.ts";
import { requestToken } from "../middleware/session.ts";

/** GET /ws: the upgrade. The socket protocol itself lives in src/realtime. */
export const realtimeRoutes = new Hono<AppEnv>().get("/ws", (c) => {
  const { config, store, chat } = c.get("deps");
  // Cross-site WebSocket hijacking: a page on another site could open a socket that carries the
  // victim's cookie. Browsers always send Origin on WebSocket upgrades; other clients send none.
  const origin = c.req.header("origin");
  if (origin !== undefined && !isSameOrigin(origin, config, c.req.header("host"))) throw new AppError("CSRF_REJECTED");
  const found = requestToken(c);
  const session = found
    ? validateSessionToken(store.db, found.token, config.sessionTtlDays, touchSessionLater(chat.queue, chat.background))
    : null;
  // A bad or missing token still gets its socket: it is told why (close 4500) or may send hello with a token.
  const auth = session ? { user: session.user, sessionId: session.session.id } : null;
  if (!c.env?.upgrade(c.req.raw, { data: newSocketData(auth) }))
    throw new AppError("BAD_REQUEST", "Expected a WebSocket upgrade.");
  return new Response(null);
});
