// Read markers, delivery, "mark as unread" and mute: each member's own state in a conversation. Changes
// reach the member's other devices on their own topic, and receipts only those allowed to see them.
import { and, eq, ne } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { members, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { findMyConversation, type PushLevel } from "./conversation-list.ts";
import { findMember, requireAccess } from "./conversations.ts";
import { forgetRoster } from "./roster.ts";
import { findMessage } from "./message-reads.ts";

type AfterCommit = (cb: () => void) => void;

function setMine(tx: Db, conversationId: string, userId: string, change: Partial<typeof members.$inferInsert>): void {
  tx.update(members)
    .set(change)
    .where(and(eq(members.conversationId, conversationId), eq(members.userId, userId)))
    .run();
  // The roster holds mute and notification level, not read markers (which change on every read).
  if ("mutedUntil" in change || "pushLevel" in change || "role" in change) forgetRoster(tx, conversationId);
}

/**
 * Each of these people's devices learns their own unread state for the conversation now (counts, thread
 * counts, mute, marked unread): a summary frame, outside the event stream. Call after commit.
 */
export function tellSummaries(chat: Chat, userIds: string[], conversationId: string): void {
  for (const userId of userIds)
    chat.publisher.notify(
      { userIds: [userId] },
      { type: "summary", conversation: findMyConversation(chat.store.db, userId, conversationId) },
    );
}

/** My other devices learn my new unread state for the conversation, once committed. */
function tellMyDevices(chat: Chat, afterCommit: AfterCommit, userId: string, conversationId: string): void {
  afterCommit(() => tellSummaries(chat, [userId], conversationId));
}

/** Moves my read marker forward to a message (never back: an old tab cannot undo reading). */
export function markRead(chat: Chat, me: UserRow, conversationId: string, messageId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    const member = findMember(tx, conversationId, me.id)!;
    const { seq } = findMessage(tx, conversationId, messageId, "messageId");
    const advanced = seq > member.lastReadSeq;
    if (!advanced && !member.markedUnread) return;
    setMine(tx, conversationId, me.id, {
      lastReadSeq: Math.max(seq, member.lastReadSeq),
      lastDeliveredSeq: Math.max(seq, member.lastDeliveredSeq),
      markedUnread: false,
    });
    tellMyDevices(chat, afterCommit, me.id, conversationId);
    // Reading implies receiving: say so even to those who see no read receipts.
    if (seq > member.lastDeliveredSeq)
      afterCommit(() =>
        chat.publisher.notify(
          { conversationId },
          { type: "receipt", kind: "delivered", conversationId, userId: me.id, messageId },
        ),
      );
    const reader = tx.select({ on: users.sendReadReceipts }).from(users).where(eq(users.id, me.id)).get();
    if (!advanced || !reader?.on) return;
    // Read receipts go to the members who share theirs; someone who turned them off sees none.
    const watchers = tx
      .select({ id: members.userId })
      .from(members)
      .innerJoin(users, eq(users.id, members.userId))
      .where(
        and(eq(members.conversationId, conversationId), ne(members.userId, me.id), eq(users.sendReadReceipts, true)),
      )
      .all()
      .map((r) => r.id);
    afterCommit(() =>
      chat.publisher.notify(
        { userIds: watchers },
        { type: "receipt", kind: "read", conversationId, userId: me.id, messageId },
      ),
    );
  });
}

/** One of my devices has received messages up to this one. */
export function markDelivered(chat: Chat, me: UserRow, conversationId: string, messageId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    const member = findMember(tx, conversationId, me.id)!;
    const { seq } = findMessage(tx, conversationId, messageId, "messageId");
    if (seq <= member.lastDeliveredSeq) return;
    setMine(tx, conversationId, me.id, { lastDeliveredSeq: seq });
    afterCommit(() =>
      chat.publisher.notify(
        { conversationId },
        { type: "receipt", kind: "delivered", conversationId, userId: me.id, messageId },
      ),
    );
  });
}

/** Shows the conversation as unread on all my devices until I open it again. */
export function markUnread(chat: Chat, me: UserRow, conversationId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    setMine(tx, conversationId, me.id, { markedUnread: true });
    tellMyDevices(chat, afterCommit, me.id, conversationId);
  });
}

/** Mutes until a time (null: unmute; Infinity: until unmuted). */
export function setMuted(chat: Chat, me: UserRow, conversationId: string, until: number | null): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    setMine(tx, conversationId, me.id, { mutedUntil: until === null ? null : Math.min(until, FOREVER) });
    tellMyDevices(chat, afterCommit, me.id, conversationId);
  });
}

/** My push level for a conversation; null goes back to the default. */
export function setPushLevel(chat: Chat, me: UserRow, conversationId: string, level: PushLevel | null): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    setMine(tx, conversationId, me.id, { pushLevel: level });
    tellMyDevices(chat, afterCommit, me.id, conversationId);
  });
}

/** "Until I unmute": a date no one will live to see, stored as a plain number. */
export const FOREVER = Date.UTC(9999, 0, 1);

export interface Receipt {
  userId: string;
  /** The newest message one of their devices received, and the newest they read (null: hidden or none). */
  deliveredMessageId: string | null;
  readMessageId: string | null;
}

function messageAtOrBefore(db: Db, conversationId: string, seq: number): string | null {
  if (seq <= 0) return null;
  return (
    db.$client
      .query<{ id: string }, [string, number]>(
        `SELECT id FROM messages WHERE conversation_id = ? AND seq <= ? AND deleted_at IS NULL AND thread_root_id IS NULL
          ORDER BY seq DESC LIMIT 1`,
      )
      .get(conversationId, seq)?.id ?? null
  );
}

/** How far each other member has received and read. Reads are hidden when either side turned receipts off. */
export function listReceipts(db: Db, me: UserRow, conversationId: string): Receipt[] {
  requireAccess(db, conversationId, me.id, "read");
  const mine = db.select({ on: users.sendReadReceipts }).from(users).where(eq(users.id, me.id)).get();
  const rows = db
    .select({
      userId: members.userId,
      delivered: members.lastDeliveredSeq,
      read: members.lastReadSeq,
      on: users.sendReadReceipts,
    })
    .from(members)
    .innerJoin(users, eq(users.id, members.userId))
    .where(and(eq(members.conversationId, conversationId), ne(members.userId, me.id)))
    .all();
  return rows.map((r) => ({
    userId: r.userId,
    deliveredMessageId: messageAtOrBefore(db, conversationId, Math.max(r.delivered, r.read)),
    readMessageId: mine?.on && r.on ? messageAtOrBefore(db, conversationId, r.read) : null,
  }));
}
