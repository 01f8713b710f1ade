import { Hono } from "hono";
import { z } from "zod";
import { findMyConversation, listMyConversations, markRead } from "../../chat/conversation-list.ts";
import { createGroup, openDirect, renameConversation } from "../../chat/conversations.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

const id = z.string().min(1).max(100);
const title = z.string().trim().min(1, "must not be empty").max(100);

const newConversation = z.discriminatedUnion("type", [
  z.object({ type: z.literal("direct"), userId: id }),
  z.object({ type: z.literal("group"), title, memberIds: z.array(id).max(1000).default([]) }),
]);

/** Mounted at /api/v1/conversations. */
export const conversationRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post("/", async (c) => {
    const body = await readJson(c, newConversation);
    const { user } = authOf(c);
    const { chat } = c.get("deps");
    if (body.type === "direct") {
      const { conversation, created } = await openDirect(chat, user, body.userId);
      return c.json({ conversation: findMyConversation(chat.store.db, user.id, conversation.id) }, created ? 201 : 200);
    }
    const conversation = await createGroup(chat, user, body);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, conversation.id) }, 201);
  })
  .get("/", (c) => c.json({ conversations: listMyConversations(c.get("deps").store.db, authOf(c).user.id) }))
  .get("/:id", (c) => c.json({ conversation: findMyConversation(c.get("deps").store.db, authOf(c).user.id, c.req.param("id")) }))
  .patch("/:id", async (c) => {
    const body = await readJson(c, z.object({ title }));
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await renameConversation(chat, user, c.req.param("id"), body.title);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  .post("/:id/read", async (c) => {
    const { messageId } = await readJson(c, z.object({ messageId: id }));
    markRead(c.get("deps").store.db, authOf(c).user.id, c.req.param("id"), messageId);
    return c.body(null, 204);
  });
