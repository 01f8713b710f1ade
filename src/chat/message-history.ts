import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { messages, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { requireMember } from "./conversations.ts";
import { decorateMessages } from "./message-extras.ts";
import { findMessage } from "./messages.ts";
import { toMessageView, type MessageView } from "./views.ts";

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
): { messages: MessageView[]; more: boolean } {
  requireMember(db, conversationId, userId);
  const inConversation = eq(messages.conversationId, conversationId);
  let where = inConversation;
  let order = desc(messages.seq);
  if (page.before) where = and(inConversation, lt(messages.seq, findMessage(db, conversationId, page.before, "before").seq))!;
  else if (page.after) {
    where = and(inConversation, gt(messages.seq, findMessage(db, conversationId, page.after, "after").seq))!;
    order = asc(messages.seq);
  }
  const rows = db
    .select({ m: messages, u: users })
    .from(messages)
    .innerJoin(users, eq(messages.senderId, users.id))
    .where(where)
    .orderBy(order)
    .limit(page.limit + 1)
    .all();
  const more = rows.length > page.limit;
  return { messages: decorateMessages(db, rows.slice(0, page.limit).map(({ m, u }) => toMessageView(m, u))), more };
}
