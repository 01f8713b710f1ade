import { Hono } from "hono";
import { parseWith } from "../../lib/parse.ts";
import { conversationFiles } from "../../chat/conversation-files.ts";
import { z } from "zod";
import { humanText } from "../../lib/text-policy.ts";
import { findMyConversation, listMyConversations } from "../../chat/conversation-list.ts";
import { FOREVER, listReceipts, markRead, markUnread, setMuted, setPushLevel } from "../../chat/receipts.ts";
import { createGroup, openDirect, updateConversation } from "../../chat/conversations.ts";
import { createGroupInvite, listGroupInvites, revokeGroupInvite } from "../../chat/group-invites.ts";
import { deleteGroup, setPermissions, transferOwnership } from "../../chat/members.ts";
import { listPins, setPinned } from "../../chat/pins.ts";
import { permissionsInput, presets, type Preset } from "../../chat/permissions.ts";
import { setGroupAvatar } from "../../files/avatars.ts";
import { encryptConversation } from "../../e2ee/groups.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { futureDate, readJson, incomingBody } from "../validate.ts";

const id = z.string().min(1).max(100);
const title = humanText("The group name", { min: 1, max: 100 });
const description = humanText("The description", { max: 1000, multiline: true });
const preset = z.enum(Object.keys(presets) as [Preset, ...Preset[]]);

const newConversation = z.discriminatedUnion("type", [
  // encrypted: end-to-end, from the start (or, for a direct chat that exists, from now on).
  z.object({ type: z.literal("direct"), userId: id, encrypted: z.boolean().default(false) }),
  z.object({
    type: z.literal("group"),
    encrypted: z.boolean().default(false),
    title,
    description: description.optional(),
    preset: preset.optional(),
    memberIds: z.array(id).max(1000).default([]),
  }),
]);

const newInvite = z.object({
  maxUses: z.number().int().min(1).max(10_000).nullable().default(null),
  expiresAt: futureDate.nullable().default(null),
});

/** Mounted at /api/v1/conversations. */
/** A page of a conversation's files: pictures and videos ("media") or the rest ("files"), older than `before`. */
const filesQuery = z.object({
  kind: z.enum(["media", "files"]).default("media"),
  before: z.string().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const conversationRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .post("/", async (c) => {
    const body = await readJson(c, newConversation);
    const { user } = authOf(c);
    const { chat } = c.get("deps");
    if (body.type === "direct") {
      const { conversation, created } = await openDirect(chat, user, body.userId, body);
      if (body.encrypted && !created) await encryptConversation(chat, user, conversation.id);
      return c.json({ conversation: findMyConversation(chat.store.db, user.id, conversation.id) }, created ? 201 : 200);
    }
    const conversation = await createGroup(chat, user, body);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, conversation.id) }, 201);
  })
  .get("/", (c) => c.json({ conversations: listMyConversations(c.get("deps").store.db, authOf(c).user.id) }))
  .get("/:id", (c) =>
    c.json({ conversation: findMyConversation(c.get("deps").store.db, authOf(c).user.id, c.req.param("id")) }),
  )
  .patch("/:id", async (c) => {
    const body = await readJson(c, z.object({ title: title.optional(), description: description.optional() }).strict());
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await updateConversation(chat, user, c.req.param("id"), body);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  // A group's picture (the editInfo right): a JPEG, PNG or WebP in a multipart body (field "file").
  .put("/:id/avatar", async (c) => {
    const { chat, media } = c.get("deps");
    const { user } = authOf(c);
    await setGroupAvatar(media, chat, user, c.req.param("id"), incomingBody(c));
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  .delete("/:id/avatar", async (c) => {
    const { chat, media } = c.get("deps");
    const { user } = authOf(c);
    await setGroupAvatar(media, chat, user, c.req.param("id"), null);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  .delete("/:id", async (c) => {
    await deleteGroup(c.get("deps").chat, authOf(c).user, c.req.param("id"));
    return c.body(null, 204);
  })
  .put("/:id/permissions", async (c) => {
    const body = await readJson(
      c,
      z.object({ preset: preset.optional(), permissions: permissionsInput.optional() }).strict(),
    );
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await setPermissions(chat, user, c.req.param("id"), body);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  .post("/:id/transfer", async (c) => {
    const { userId } = await readJson(c, z.object({ userId: id }));
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await transferOwnership(chat, user, c.req.param("id"), userId);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  .post("/:id/read", async (c) => {
    const { messageId } = await readJson(c, z.object({ messageId: id }));
    await markRead(c.get("deps").chat, authOf(c).user, c.req.param("id"), messageId);
    return c.body(null, 204);
  })
  .post("/:id/unread", async (c) => {
    await markUnread(c.get("deps").chat, authOf(c).user, c.req.param("id"));
    return c.body(null, 204);
  })
  .put("/:id/mute", async (c) => {
    const { until } = await readJson(
      c,
      z.object({ until: z.union([futureDate, z.literal("forever").transform(() => FOREVER), z.null()]) }),
    );
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await setMuted(chat, user, c.req.param("id"), until);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  // Which messages reach me as push notifications here; null goes back to the default.
  .put("/:id/notifications", async (c) => {
    const { level } = await readJson(c, z.object({ level: z.enum(["all", "mentions", "none"]).nullable() }).strict());
    const { chat } = c.get("deps");
    const { user } = authOf(c);
    await setPushLevel(chat, user, c.req.param("id"), level);
    return c.json({ conversation: findMyConversation(chat.store.db, user.id, c.req.param("id")) });
  })
  .get("/:id/receipts", (c) =>
    c.json({ receipts: listReceipts(c.get("deps").store.db, authOf(c).user, c.req.param("id")) }),
  )
  .get("/:id/files", (c) => {
    const page = parseWith(filesQuery, c.req.query());
    return c.json(conversationFiles(c.get("deps").store.db, authOf(c).user, c.req.param("id"), page));
  })
  .get("/:id/pins", (c) => c.json({ messages: listPins(c.get("deps").store.db, authOf(c).user, c.req.param("id")) }))
  .put("/:id/pins/:messageId", async (c) =>
    c.json({
      message: await setPinned(c.get("deps").chat, authOf(c).user, c.req.param("id"), c.req.param("messageId"), true),
    }),
  )
  .delete("/:id/pins/:messageId", async (c) =>
    c.json({
      message: await setPinned(c.get("deps").chat, authOf(c).user, c.req.param("id"), c.req.param("messageId"), false),
    }),
  )
  .get("/:id/invites", (c) => {
    const { store, config } = c.get("deps");
    return c.json({ invites: listGroupInvites(store.db, authOf(c).user, c.req.param("id"), config.publicUrl) });
  })
  .post("/:id/invites", async (c) => {
    const body = await readJson(c, newInvite);
    const { chat, config } = c.get("deps");
    return c.json(
      { invite: await createGroupInvite(chat, authOf(c).user, c.req.param("id"), body, config.publicUrl) },
      201,
    );
  })
  .delete("/:id/invites/:code", async (c) => {
    await revokeGroupInvite(c.get("deps").chat, authOf(c).user, c.req.param("id"), c.req.param("code"));
    return c.body(null, 204);
  });
