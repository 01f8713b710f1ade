import { Hono } from "hono";
import { z } from "zod";
import { findMyConversation } from "../../chat/conversation-list.ts";
import { addMember, removeMember, setRole } from "../../chat/members.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

/** Mounted at /api/v1/conversations/:id/members. */
export const memberRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post("/", async (c) => {
    const { userId } = await readJson(c, z.object({ userId: z.string().min(1).max(100) }));
    await addMember(c.get("deps").chat, authOf(c).user, c.req.param("id")!, userId);
    return c.body(null, 201);
  })
  .patch("/:userId", async (c) => {
    const { role } = await readJson(c, z.object({ role: z.enum(["admin", "member"]) }));
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await setRole(chat, user, c.req.param("id")!, c.req.param("userId"), role);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")!) });
  })
  .delete("/:userId", async (c) => {
    await removeMember(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("userId"));
    return c.body(null, 204);
  });
