import { Hono } from "hono";
import { z } from "zod";
import { MAX_PAGE } from "../../chat/message-history.ts";
import { historyPageJson } from "../../chat/history-pages.ts";
import { listVersions } from "../../chat/message-versions.ts";
import { isEmoji, toggleReaction } from "../../chat/reactions.ts";
import { deleteMessage, editMessage, forwardInput, messageText, sendInput, sendMessage } from "../../chat/messages.ts";
import { parseWith } from "../../lib/parse.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";
import { previewPicture, removePreview } from "../../previews/link-previews.ts";
import { sendPicture } from "./files.ts";

const cursor = z.string().min(1).max(100);
const historyQuery = z
  .object({
    before: cursor.optional(),
    after: cursor.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  })
  .refine((q) => !(q.before && q.after), { message: "Give before or after, not both.", path: ["after"] });

/** Mounted at /api/v1/conversations/:id/messages. */
export const messageRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", (c) => {
    const page = parseWith(historyQuery, c.req.query());
    const { store } = c.get("deps");
    const { body, head } = historyPageJson(store.db, authOf(c).user.id, c.req.param("id")!, page);
    // Every change a page shows is an event of its conversation: with none newer than what is on disk,
    // the page need not wait for other conversations' commits to sync.
    if (store.durability.isDurable(head)) c.set("shownIsDurable", true);
    return c.body(body, 200, { "content-type": "application/json" });
  })
  .post("/", async (c) => {
    // A forward names the message it copies instead of carrying text; each shape has its own errors.
    const raw = await readJson(c, z.record(z.string(), z.unknown()));
    const body = "forwardOf" in raw ? parseWith(forwardInput, raw) : parseWith(sendInput, raw);
    const input = "forwardOf" in body ? { ...body, text: "" } : body;
    const { message, created } = await sendMessage(c.get("deps").chat, authOf(c).user, c.req.param("id")!, input);
    return c.json({ message }, created ? 201 : 200);
  })
  .patch("/:messageId", async (c) => {
    const { text } = await readJson(c, z.object({ text: messageText }));
    const message = await editMessage(
      c.get("deps").chat,
      authOf(c).user,
      c.req.param("id")!,
      c.req.param("messageId"),
      text,
    );
    return c.json({ message });
  })
  .post("/:messageId/reactions", async (c) => {
    const { emoji } = await readJson(c, z.object({ emoji: z.string().refine(isEmoji, "must be one emoji") }));
    return c.json(
      await toggleReaction(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("messageId"), emoji),
    );
  })
  .get("/:messageId/versions", (c) =>
    c.json({
      versions: listVersions(c.get("deps").store.db, authOf(c).user, c.req.param("id")!, c.req.param("messageId")),
    }),
  )
  .delete("/:messageId/preview", async (c) =>
    c.json({
      message: await removePreview(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("messageId")),
    }),
  )
  .get("/:messageId/preview/image", (c) =>
    sendPicture(
      c,
      previewPicture(c.get("deps").store.db, authOf(c).user, c.req.param("id")!, c.req.param("messageId")),
      // Same address for a new picture after an edit: kept a short while only.
      "private, max-age=300",
    ),
  )
  .delete("/:messageId", async (c) => {
    await deleteMessage(c.get("deps").chat, authOf(c).user, c.req.param("id")!, c.req.param("messageId"));
    return c.body(null, 204);
  });
