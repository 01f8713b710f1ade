import { Hono } from "hono";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";

/** GET /api/v1/presence: the people I share a conversation with, online, away or offline since when. */
export const presenceRoutes = new Hono<AppEnv>().use(requireAuth).get("/", (c) => {
  const { presence, store } = c.get("deps");
  return c.json({ presence: presence.contactsOf(store.db, authOf(c).user.id) });
});
