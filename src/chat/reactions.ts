// Reactions: one emoji per person per kind, toggled.
import { and, eq } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { reactions } from "../store/schema.ts";
import type { Chat } from "./context.ts";
import { requireAccess } from "./conversations.ts";
import { announceMessageChange } from "./message-changes.ts";
import { findMessage } from "./message-reads.ts";
import type { MessageView } from "./views.ts";

/**
 * One emoji, possibly with modifiers and joiners (👍🏽, 👨‍👩‍👧, ❤️), or a black flag with the tag sequence of a
 * region (🏴 England, Scotland, Wales), and nothing else.
 */
const EMOJI =
  /^(?:\u{1F3F4}[\u{E0061}-\u{E007A}\u{E0030}-\u{E0039}]{2,6}\u{E007F}|(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)(?:[\u{1F3FB}-\u{1F3FF}\uFE0F\u20E3]|\u200D(?:\p{Extended_Pictographic}|\p{Regional_Indicator}))*(?:\p{Regional_Indicator})?[\uFE0F]?)$/u;

export function isEmoji(text: string): boolean {
  return text.length <= 32 && EMOJI.test(text);
}

/** Adds my reaction with this emoji, or takes it back if I had given it (a toggle). */
export function toggleReaction(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  messageId: string,
  emoji: string,
): Promise<{ message: MessageView; reacted: boolean }> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "react");
    const row = findMessage(tx, conversationId, messageId);
    if (row.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
    const gone = tx
      .delete(reactions)
      .where(and(eq(reactions.messageId, messageId), eq(reactions.userId, me.id), eq(reactions.emoji, emoji)))
      .returning()
      .all();
    if (gone.length === 0)
      tx.insert(reactions).values({ messageId, userId: me.id, emoji, createdAt: Date.now() }).run();
    return {
      message: announceMessageChange(tx, afterCommit, chat, "message.reactions", me.id, row),
      reacted: gone.length === 0,
    };
  });
}
