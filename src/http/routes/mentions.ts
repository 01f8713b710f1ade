import { Hono } from "hono";
import { z } from "zod";
import { listMyMentions } from "../../chat/mentions.ts";
import { parseWith } from "../../lib/parse.ts";
import type { AppEnv } from "../context.ts";
import { authOf } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";

const page = z.object({
  before: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

/** GET /api/v1/mentions: messages that mention me (or everyone where I am), newest first. */
export const mentionRoutes = new Hono<AppEnv>().use(requireAuth).get("/", (c) => {
  return c.json(listMyMentions(c.get("deps").store.db, authOf(c).user, parseWith(page, c.req.query())));
});
