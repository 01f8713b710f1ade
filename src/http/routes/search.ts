import { Hono } from "hono";
import { z } from "zod";
import { parseWith } from "../../lib/parse.ts";
import { MAX_PEOPLE, searchPeople } from "../../search/people.ts";
import type { AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";

const peopleQuery = z.object({
  q: z.string().trim().min(1, "must not be empty").max(100),
  limit: z.coerce.number().int().min(1).max(MAX_PEOPLE).default(MAX_PEOPLE),
});

/** Mounted at /api/v1/search. */
export const searchRoutes = new Hono<AppEnv>().use(requireAuth).get("/users", (c) => {
  const { q, limit } = parseWith(peopleQuery, c.req.query());
  return c.json({ users: searchPeople(c.get("deps").store.db, q, limit) });
});
