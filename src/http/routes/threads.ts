import { Hono } from "hono";
import { z } from "zod";
import { MAX_PAGE } from "../../chat/message-history.ts";
import { listMyThreads, listThreadPage, markThreadRead, setFollowing } from "../../chat/threads.ts";
import { parseWith } from "../../lib/parse.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

const cursor = z.string().min(1).max(100);
const threadQuery = z
  .object({
    before: cursor.optional(),
    after: cursor.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .refine((q) => !(q.before && q.after), { message: "Give before or after, not both.", path: ["after"] });

/** Mounted at /api/v1/conversations/:id/threads (docs/api.md "Threads"). */
export const threadRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", (c) => c.json({ threads: listMyThreads(c.get("deps").store.db, authOf(c).user.id, c.req.param("id")!) }))
  .get("/:rootId", (c) => {
    const page = parseWith(threadQuery, c.req.query());
    return c.json(
      listThreadPage(c.get("deps").store.db, authOf(c).user.id, c.req.param("id")!, c.req.param("rootId"), page),
    );
  })
  .post("/:rootId/read", async (c) => {
    const { messageId } = await readJson(c, z.object({ messageId: cursor }));
    await markThreadRead(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("rootId"), messageId);
    return c.body(null, 204);
  })
  .put("/:rootId/follow", async (c) =>
    c.json(await setFollowing(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("rootId"), true)),
  )
  .delete("/:rootId/follow", async (c) =>
    c.json(await setFollowing(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("rootId"), false)),
  );
