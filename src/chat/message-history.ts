import { connectionOf } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import { requireMember } from "./conversations.ts";
import { findMessage, MESSAGE_COLUMNS, toMessageViews } from "./message-reads.ts";
import { listNotices, type Notice } from "./notices.ts";
import { type MessageRow, type MessageView } from "./views.ts";

export const MAX_PAGE = 100;

/**
 * A page of a conversation's history for a current member. Without a cursor or with `before`: newest
 * first, older than the cursor. With `after`: oldest first, newer than the cursor (catching up forward).
 * Deleted messages appear as tombstones so replies and the reading position keep their place.
 */
export function listHistory(
  db: Db,
  userId: string,
  conversationId: string,
  page: { before?: string; after?: string; limit: number },
): { messages: MessageView[]; more: boolean; notices: Notice[] } {
  requireMember(db, conversationId, userId);
  const cursor = page.before
    ? findMessage(db, conversationId, page.before, "before")
    : page.after
      ? findMessage(db, conversationId, page.after, "after")
      : null;
  // Three statements, one per direction, each walking messages_conversation_seq_idx from the cursor.
  const sqlite = connectionOf(db);
  const rows = page.after
    ? sqlite
        .query<MessageRow, [string, number, number]>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages
            WHERE conversation_id = ? AND seq > ? AND thread_root_id IS NULL ORDER BY seq ASC LIMIT ?`,
        )
        .all(conversationId, cursor!.seq, page.limit + 1)
    : sqlite
        .query<MessageRow, [string, number, number]>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages
            WHERE conversation_id = ? AND seq < ? AND thread_root_id IS NULL ORDER BY seq DESC LIMIT ?`,
        )
        .all(conversationId, cursor?.seq ?? Number.MAX_SAFE_INTEGER, page.limit + 1);
  const more = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  // The notices between this page's edges, placed by event id (timestamps can tie), so consecutive
  // pages never repeat or miss one. With `more`, the page is full: its far edge exists.
  const eventOf = (messageId: string) =>
    db.$client
      .query<{ id: number }, [string]>("SELECT id FROM events WHERE message_id = ? AND type = 'message.created'")
      .get(messageId)?.id ?? 0;
  const farEdge = () => eventOf(shown.at(-1)!.id);
  const window = page.after
    ? { from: eventOf(cursor!.id) + 1, to: more ? farEdge() + 1 : Number.MAX_SAFE_INTEGER }
    : { from: more ? farEdge() : 0, to: page.before ? eventOf(cursor!.id) : Number.MAX_SAFE_INTEGER };
  return {
    messages: toMessageViews(db, shown),
    more,
    notices: listNotices(db, conversationId, window.from, window.to),
  };
}
