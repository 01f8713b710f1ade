// Pinned messages of a conversation (the pin right).
import { and, desc, eq } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { messages, pins } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { requireAccess } from "./conversations.ts";
import { announceMessageChange } from "./message-changes.ts";
import { findMessage, toMessageViews } from "./message-reads.ts";
import { type MessageView } from "./views.ts";

export function setPinned(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  messageId: string,
  pinned: boolean,
): Promise<MessageView> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "pin");
    const row = findMessage(tx, conversationId, messageId);
    if (row.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
    const was = tx
      .select()
      .from(pins)
      .where(and(eq(pins.conversationId, conversationId), eq(pins.messageId, messageId)))
      .get();
    if (Boolean(was) === pinned) return toMessageViews(tx, [row])[0]!;
    if (pinned) tx.insert(pins).values({ conversationId, messageId, pinnedBy: me.id, pinnedAt: Date.now() }).run();
    else
      tx.delete(pins)
        .where(and(eq(pins.conversationId, conversationId), eq(pins.messageId, messageId)))
        .run();
    return announceMessageChange(tx, afterCommit, chat, pinned ? "message.pinned" : "message.unpinned", me.id, row);
  });
}

/** A conversation's pinned messages, the most recently pinned first. */
export function listPins(db: Db, me: UserRow, conversationId: string): MessageView[] {
  requireAccess(db, conversationId, me.id, "read");
  const rows = db
    .select({ m: messages })
    .from(pins)
    .innerJoin(messages, eq(messages.id, pins.messageId))
    .where(eq(pins.conversationId, conversationId))
    .orderBy(desc(pins.pinnedAt))
    .all();
  return toMessageViews(
    db,
    rows.map((r) => r.m),
  );
}
