import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../../lib/errors.ts";
import { parseWith } from "../../lib/parse.ts";
import { MAX_RESULTS, searchMessages } from "../../search/messages.ts";
import { matchContacts, MAX_PEOPLE, searchPeople } from "../../search/people.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

const peopleQuery = z.object({
  q: z.string().trim().min(1, "must not be empty").max(100),
  limit: z.coerce.number().int().min(1).max(MAX_PEOPLE).default(MAX_PEOPLE),
});

const date = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const messagesQuery = z
  .object({
    // Any text: it is searched for as literal words (search/query.ts).
    q: z.string().max(500).default(""),
    conversationId: z.string().min(1).max(100).optional(),
    senderId: z.string().min(1).max(100).optional(),
    from: date.optional(),
    to: date.optional(),
    hasFile: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional(),
    limit: z.coerce.number().int().min(1).max(MAX_RESULTS).default(20),
    // Ranking covers the newest 300 matches (search/messages.ts): pages reach into them.
    offset: z.coerce.number().int().min(0).max(280).default(0),
  })
  .strict();

const identifiers = (pattern: RegExp) => z.array(z.string().regex(pattern)).max(500).default([]);
const contactsBody = z
  .object({
    usernames: identifiers(/^[A-Za-z0-9._-]{1,64}$/),
    // SHA-256 (hex) of the email address, trimmed and lower-cased, computed on the client.
    emailHashes: identifiers(/^[0-9a-fA-F]{64}$/),
  })
  .strict()
  .refine((b) => b.usernames.length + b.emailHashes.length <= 500, {
    message: "At most 500 identifiers at once.",
    path: ["usernames"],
  });

/** Mounted at /api/v1/search. */
export const searchRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/users", (c) => {
    const { q, limit } = parseWith(peopleQuery, c.req.query());
    return c.json({ users: searchPeople(c.get("deps").store.db, q, limit) });
  })
  .get("/messages", (c) => {
    const query = parseWith(messagesQuery, c.req.query());
    return c.json(searchMessages(c.get("deps").store.db, authOf(c).user.id, query));
  });

/** Mounted at /api/v1/contacts: which of the identifiers my device knows are people here. */
export const contactRoutes = new Hono<AppEnv>().use(requireAuth).post("/match", async (c) => {
  const body = await readJson(c, contactsBody);
  const { store, contactLimit } = c.get("deps");
  // Per person, not per address: matching in bulk is how address books get scraped.
  const wait = contactLimit.hit(authOf(c).user.id);
  if (wait) throw new AppError("RATE_LIMITED", `Too many lookups. Try again in ${wait} seconds.`, undefined, wait);
  return c.json({ matches: matchContacts(store.db, body) });
});
