// What people add to messages after or around them: reactions, mentions, pins, earlier versions, and
// where a forwarded copy came from. Loaded in a few batched queries for any list of messages.
import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { findUserById } from "../accounts/users.ts";
import { attachmentsOf } from "../files/attachments.ts";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import { members, mentions, messages, messageVersions, pins, reactions, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { requireAccess } from "./conversations.ts";
import { appendEvent, toEventView } from "./events.ts";
import { findMessage } from "./messages.ts";
import { outranks } from "./permissions.ts";
import { toMessageView, toSenderView, type MessageRow, type MessageView } from "./views.ts";

/** Fills in reactions, mentions, pins and forwarded-from for messages about to be shown. */
export function decorateMessages(db: Db, views: MessageView[]): MessageView[] {
  const live = views.filter((v) => !v.deleted);
  if (live.length === 0) return views;
  const ids = live.map((v) => v.id);
  const byId = new Map(live.map((v) => [v.id, v]));
  for (const r of db.select().from(reactions).where(inArray(reactions.messageId, ids)).orderBy(asc(reactions.createdAt)).all()) {
    const v = byId.get(r.messageId)!;
    let group = v.reactions.find((x) => x.emoji === r.emoji);
    if (!group) v.reactions.push((group = { emoji: r.emoji, count: 0, userIds: [] }));
    group.count++;
    group.userIds.push(r.userId);
  }
  for (const m of db.select().from(mentions).where(inArray(mentions.messageId, ids)).all()) {
    const v = byId.get(m.messageId)!;
    if (m.everyone) v.mentions.everyone = true;
    else if (m.userId) v.mentions.userIds.push(m.userId);
  }
  for (const p of db.select({ messageId: pins.messageId }).from(pins).where(inArray(pins.messageId, ids)).all()) byId.get(p.messageId)!.pinned = true;
  const forwarded = db
    .select({ id: messages.id, sender: users })
    .from(messages)
    .innerJoin(users, eq(messages.forwardedFromSenderId, users.id))
    .where(inArray(messages.id, ids))
    .all();
  for (const f of forwarded) byId.get(f.id)!.forwardedFrom = toSenderView(f.sender);
  for (const [messageId, list] of attachmentsOf(db, ids)) byId.get(messageId)!.attachments = list;
  return views;
}

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
export function recordMentions(tx: Db, message: MessageRow, canEveryone: boolean): void {
  tx.delete(mentions).where(eq(mentions.messageId, message.id)).run();
  const { usernames, everyone } = mentionedNames(message.text);
  const found =
    usernames.length === 0
      ? []
      : tx
          .select({ id: users.id })
          .from(users)
          .innerJoin(members, and(eq(members.userId, users.id), eq(members.conversationId, message.conversationId)))
          .where(inArray(sql`lower(${users.username})`, usernames))
          .all();
  const rows = found.filter((u) => u.id !== message.senderId).map((u) => ({ messageId: message.id, conversationId: message.conversationId, userId: u.id, everyone: false, createdAt: message.createdAt }));
  if (everyone && canEveryone) rows.push({ messageId: message.id, conversationId: message.conversationId, userId: null as unknown as string, everyone: true, createdAt: message.createdAt });
  if (rows.length > 0) tx.insert(mentions).values(rows).run();
}

/** Erases everything attached to a message's words (on delete): versions, mentions, reactions, pins. */
export function forgetExtras(tx: Db, messageIds: string[]): void {
  if (messageIds.length === 0) return;
  tx.delete(messageVersions).where(inArray(messageVersions.messageId, messageIds)).run();
  tx.delete(mentions).where(inArray(mentions.messageId, messageIds)).run();
  tx.delete(reactions).where(inArray(reactions.messageId, messageIds)).run();
  tx.delete(pins).where(inArray(pins.messageId, messageIds)).run();
}

/** One emoji, possibly with modifiers and joiners (👍🏽, 👨‍👩‍👧, ❤️), and nothing else. */
const EMOJI = /^(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\uFE0F?\u20E3)(?:[\u{1F3FB}-\u{1F3FF}\uFE0F\u20E3]|\u200D(?:\p{Extended_Pictographic}|\p{Regional_Indicator}))*(?:\p{Regional_Indicator})?[\uFE0F]?$/u;

export function isEmoji(text: string): boolean {
  return text.length <= 32 && EMOJI.test(text);
}

function announce(tx: Db, afterCommit: (cb: () => void) => void, chat: Chat, type: "message.reactions" | "message.pinned" | "message.unpinned", actorId: string, row: MessageRow): MessageView {
  const sender = findUserById(tx, row.senderId)!;
  const [message] = decorateMessages(tx, [toMessageView(row, sender)]);
  const event = appendEvent(tx, { type, conversationId: row.conversationId, actorId, messageId: row.id }, Date.now());
  afterCommit(() => chat.publisher.publish(toEventView(event, { message })));
  return message!;
}

/** Adds my reaction with this emoji, or takes it back if I had given it (a toggle). */
export function toggleReaction(chat: Chat, me: UserRow, conversationId: string, messageId: string, emoji: string): Promise<{ message: MessageView; reacted: boolean }> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "react");
    const row = findMessage(tx, conversationId, messageId);
    if (row.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
    const gone = tx
      .delete(reactions)
      .where(and(eq(reactions.messageId, messageId), eq(reactions.userId, me.id), eq(reactions.emoji, emoji)))
      .returning()
      .all();
    if (gone.length === 0) tx.insert(reactions).values({ messageId, userId: me.id, emoji, createdAt: Date.now() }).run();
    return { message: announce(tx, afterCommit, chat, "message.reactions", me.id, row), reacted: gone.length === 0 };
  });
}

export function setPinned(chat: Chat, me: UserRow, conversationId: string, messageId: string, pinned: boolean): Promise<MessageView> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "pin");
    const row = findMessage(tx, conversationId, messageId);
    if (row.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
    const was = tx.select().from(pins).where(and(eq(pins.conversationId, conversationId), eq(pins.messageId, messageId))).get();
    if (Boolean(was) === pinned) return decorateMessages(tx, [toMessageView(row, findUserById(tx, row.senderId)!)])[0]!;
    if (pinned) tx.insert(pins).values({ conversationId, messageId, pinnedBy: me.id, pinnedAt: Date.now() }).run();
    else tx.delete(pins).where(and(eq(pins.conversationId, conversationId), eq(pins.messageId, messageId))).run();
    return announce(tx, afterCommit, chat, pinned ? "message.pinned" : "message.unpinned", me.id, row);
  });
}

/** A conversation's pinned messages, the most recently pinned first. */
export function listPins(db: Db, me: UserRow, conversationId: string): MessageView[] {
  requireAccess(db, conversationId, me.id, "read");
  const rows = db
    .select({ m: messages, u: users })
    .from(pins)
    .innerJoin(messages, eq(messages.id, pins.messageId))
    .innerJoin(users, eq(users.id, messages.senderId))
    .where(eq(pins.conversationId, conversationId))
    .orderBy(desc(pins.pinnedAt))
    .all();
  return decorateMessages(db, rows.map(({ m, u }) => toMessageView(m, u)));
}

/** Earlier texts of a message, oldest first: for its author, and for admins and the owner of a group. */
export function listVersions(db: Db, me: UserRow, conversationId: string, messageId: string): { text: string; replacedAt: string }[] {
  const { member, subject } = requireAccess(db, conversationId, me.id, "read");
  const row = findMessage(db, conversationId, messageId);
  const mayRead = row.senderId === me.id || (subject.type === "group" && outranks(member.role, "member"));
  if (!mayRead) throw new AppError("FORBIDDEN", "Only the author and the group's admins see earlier versions.");
  return db
    .select()
    .from(messageVersions)
    .where(eq(messageVersions.messageId, messageId))
    .orderBy(asc(messageVersions.replacedAt))
    .all()
    .map((v) => ({ text: v.text, replacedAt: toIso(v.replacedAt)! }));
}

/** Messages that mention me, or everyone in a conversation I am in, newest first. */
export function listMyMentions(db: Db, me: UserRow, page: { before?: string; limit: number }): { messages: MessageView[]; more: boolean } {
  const cursor = page.before ? db.select({ seq: messages.seq }).from(messages).where(eq(messages.id, page.before)).get() : undefined;
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
  const found = db.select({ m: messages, u: users }).from(messages).innerJoin(users, eq(users.id, messages.senderId)).where(inArray(messages.id, ids)).orderBy(desc(messages.seq)).all();
  return { messages: decorateMessages(db, found.map(({ m, u }) => toMessageView(m, u))), more };
}
