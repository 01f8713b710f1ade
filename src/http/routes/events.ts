import { Hono } from "hono";
import { z } from "zod";
import { listEvents } from "../../chat/events.ts";
import { parseWith } from "../../lib/parse.ts";
import { eventId } from "../../realtime/protocol.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";

const eventsQuery = z.object({
  since: eventId.default("0"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** GET /api/v1/events: the user's ordered stream, for clients without a socket and for catching up. */
export const eventRoutes = new Hono<AppEnv>().use(requireAuth).get("/", (c) => {
  const { since, limit } = parseWith(eventsQuery, c.req.query());
  return c.json(listEvents(c.get("deps").store.db, authOf(c).user.id, Number(since), limit));
});
