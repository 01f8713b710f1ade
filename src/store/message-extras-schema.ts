// Tables of what grows around messages: who follows a thread and how far each has read it (chat/threads.ts),
// and link previews (previews/link-previews.ts). Apart from the rest of the schema (store/schema.ts);
// drizzle.config.ts lists every schema module.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { conversations, messages, users } from "./schema.ts";

/**
 * Who follows a thread (its first message's author, everyone who replied or was mentioned in it, and
 * whoever chose to) and how far each has read it: a thread's unread replies and its notifications.
 */
export const threadFollows = sqliteTable(
  "thread_follows",
  {
    rootId: text("root_id")
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    // seq of the newest reply they have read; 0 when none.
    lastReadSeq: integer("last_read_seq").notNull().default(0),
    // Chose to stop following: kept (not deleted) so a later reply does not follow them again.
    muted: integer("muted", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.rootId, t.userId] }),
    index("thread_follows_user_conversation_idx").on(t.userId, t.conversationId),
  ],
);

/**
 * The preview of the first link in a message (title, description, picture), fetched by the server after the
 * message is written (previews/link-previews.ts). A row with `removed` keeps the sender's "no preview" for
 * that link, so an edit that keeps it does not bring it back.
 */
export const linkPreviews = sqliteTable("link_previews", {
  messageId: text("message_id")
    .primaryKey()
    .references(() => messages.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  title: text("title"),
  description: text("description"),
  siteName: text("site_name"),
  // The picture, re-encoded as WebP (files/images.ts), in the file store under its hash.
  imageKey: text("image_key"),
  imageWidth: integer("image_width"),
  imageHeight: integer("image_height"),
  removed: integer("removed", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull(),
});
