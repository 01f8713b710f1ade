// Who a message mentions (@username, @everyone), and the messages that mention me.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { members, mentions, messages, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { toMessageViews } from "./message-reads.ts";
import { type MessageRow, type MessageView } from "./views.ts";

/** `@username` and `@everyone` in a text; usernames as typed (matched without regard to case). */
export function mentionedNames(text: string): { usernames: string[]; everyone: boolean } {
  const names = new Set<string>();
  let everyone = false;
  for (const m of text.matchAll(/(?<![\p{L}\p{N}_.@-])@([A-Za-z0-9][A-Za-z0-9._-]{1,31})/gu)) {
    const name = m[1]!.replace(/[._-]+$/, "").toLowerCase();
    if (name === "everyone") everyone = true;
    else names.add(name);
  }
  return { usernames: [...names], everyone };
}

/**
 * Stores who a message mentions: members of its conversation named with @, and @everyone when the
 * sender's role may mention everyone (otherwise it is just text). Replaces what an earlier text said.
 */
export function recordMentions(
  tx: Db,
  message: MessageRow,
  canEveryone: boolean,
  opts: { isNew: boolean },
): MessageView["mentions"] {
  // A message just inserted has no mentions yet; an edited one replaces what its earlier text said.
  if (!opts.isNew) tx.delete(mentions).where(eq(mentions.messageId, message.id)).run();
  const rows = mentionRows(tx, message, canEveryone);
  if (rows.length > 0) tx.insert(mentions).values(rows).run();
  return mentionsView(rows);
}

export type MentionRow = typeof mentions.$inferInsert;

/** What a message's mentions look like in its view, from the rows stored for them (no read back). */
export function mentionsView(rows: MentionRow[]): MessageView["mentions"] {
  return {
    userIds: rows.filter((r) => !r.everyone).map((r) => r.userId!),
    everyone: rows.some((r) => r.everyone),
  };
}

/** The rows a message's text makes: members of its conversation named with @, and @everyone if allowed. */
export function mentionRows(
  db: Db,
  message: Pick<MessageRow, "id" | "conversationId" | "senderId" | "text" | "createdAt">,
  canEveryone: boolean,
): MentionRow[] {
  const { usernames, everyone } = mentionedNames(message.text);
  const found =
    usernames.length === 0
      ? []
      : db
          .select({ id: users.id })
          .from(users)
          .innerJoin(members, and(eq(members.userId, users.id), eq(members.conversationId, message.conversationId)))
          .where(inArray(sql`lower(${users.username})`, usernames))
          .all();
  const rows: MentionRow[] = found
    .filter((u) => u.id !== message.senderId)
    .map((u) => ({
      messageId: message.id,
      conversationId: message.conversationId,
      userId: u.id,
      everyone: false,
      createdAt: message.createdAt,
    }));
  if (everyone && canEveryone)
    rows.push({
      messageId: message.id,
      conversationId: message.conversationId,
      userId: null,
      everyone: true,
      createdAt: message.createdAt,
    });
  return rows;
}

/** Messages that mention me, or everyone in a conversation I am in, newest first. */
export function listMyMentions(
  db: Db,
  me: UserRow,
  page: { before?: string; limit: number },
): { messages: MessageView[]; more: boolean } {
  const cursor = page.before
    ? db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, page.before)).get()
    : undefined;
  if (page.before && !cursor) throw new AppError("MESSAGE_NOT_FOUND", undefined, "before");
  const rows = db.$client
    .query<{ id: string }, [string, string, number, number]>(
      `SELECT DISTINCT msg.id, msg.seq FROM mentions x
         JOIN messages msg ON msg.id = x.message_id
         JOIN members me ON me.conversation_id = x.conversation_id AND me.user_id = ?1
        WHERE (x.user_id = ?1 OR x.everyone = 1) AND msg.sender_id != ?2 AND msg.deleted_at IS NULL AND msg.seq < ?3
        ORDER BY msg.seq DESC LIMIT ?4`,
    )
    .all(me.id, me.id, cursor?.seq ?? Number.MAX_SAFE_INTEGER, page.limit + 1);
  const more = rows.length > page.limit;
  const ids = rows.slice(0, page.limit).map((r) => r.id);
  if (ids.length === 0) return { messages: [], more: false };
  const found = db.select().from(messages).where(inArray(messages.id, ids)).orderBy(desc(messages.seq)).all();
  return {
    messages: toMessageViews(db, found),
    more,
  };
}
