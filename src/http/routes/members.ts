import { Hono } from "hono";
import { z } from "zod";
import { addMember, removeMember } from "../../chat/members.ts";
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
  .delete("/:userId", async (c) => {
    await removeMember(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("userId"));
    return c.body(null, 204);
  });
