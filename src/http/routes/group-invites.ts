import { Hono } from "hono";
import { findMyConversation } from "../../chat/conversation-list.ts";
import { joinByInvite, previewGroupInvite } from "../../chat/group-invites.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";

/** Mounted at /api/v1/group-invites: what a link shows, and joining by it. */
export const groupInviteRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/:code", (c) =>
    c.json({ group: previewGroupInvite(c.get("deps").store.db, authOf(c).user, c.req.param("code")) }),
  )
  .post("/:code/join", async (c) => {
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    const { conversation, joined } = await joinByInvite(chat, user, c.req.param("code"));
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, conversation.id) }, joined ? 201 : 200);
  });
