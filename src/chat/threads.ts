// Threads: replies gathered under one message of a conversation, away from its timeline. A reply names its
// thread's first message (messages.thread_root_id); who follows a thread and how far each has read it is in
// thread_follows. The conversation's unread count leaves thread replies out: they count, for those who follow
// the thread, in its own unread count and the conversation's threadUnreadCount.
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import { connectionOf, prepared } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { ThreadView } from "../protocol/views.ts";
import type { Chat } from "./context.ts";
import { tellSummaries } from "./receipts.ts";
import { requireAccess } from "./conversations.ts";
import { rosterOf } from "./roster.ts";
import { findMessage, MESSAGE_COLUMNS, toMessageViews } from "./message-reads.ts";
import type { MessageRow } from "./views.ts";

/** How many threads my thread list holds (the most recently answered). */
const MAX_LISTED = 100;

/**
 * The message a reply's thread hangs from: in this conversation, not deleted, and not itself a thread reply
 * (threads are one level deep, as in Slack: a reply to a reply goes to the same thread).
 */
export function requireThreadRoot(db: Db, conversationId: string, rootId: string, field = "threadRootId"): MessageRow {
  const root = findMessage(db, conversationId, rootId, field);
  if (root.threadRootId !== null)
    throw new AppError("VALIDATION_FAILED", "A thread reply cannot start a thread; reply in its thread.", field);
  if (root.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.", field);
  return root;
}

const followStatements = prepared((db) => {
  const sqlite = connectionOf(db);
  return {
    // Whoever writes in a thread follows it and has read it up to their reply (even after unfollowing:
    // writing again is taking part again).
    replier: sqlite.query(
      `INSERT INTO thread_follows (root_id, user_id, conversation_id, last_read_seq, muted)
         VALUES ($rootId, $userId, $conversationId, $seq, 0)
       ON CONFLICT (root_id, user_id) DO UPDATE SET last_read_seq = max(last_read_seq, excluded.last_read_seq), muted = 0`,
    ),
    // The first message's author and those a reply mentions follow it from the start, unless they chose not to.
    follower: sqlite.query(
      `INSERT INTO thread_follows (root_id, user_id, conversation_id, last_read_seq, muted)
         VALUES ($rootId, $userId, $conversationId, 0, 0)
       ON CONFLICT (root_id, user_id) DO NOTHING`,
    ),
  };
});

/** A reply was written: its author, the first message's author and whoever it mentions follow the thread. */
export function followOnReply(tx: Db, root: MessageRow, reply: MessageRow, mentionedUserIds: string[]): void {
  const q = followStatements(tx);
  const base = { rootId: root.id, conversationId: root.conversationId };
  q.replier.run({ ...base, userId: reply.senderId, seq: reply.seq });
  for (const userId of new Set([root.senderId, ...mentionedUserIds]))
    if (userId !== reply.senderId) q.follower.run({ ...base, userId });
}

/** A page of one thread's replies: oldest first after `after` (or from the start), or newest first before `before`. */
export function listThreadPage(
  db: Db,
  userId: string,
  conversationId: string,
  rootId: string,
  page: { before?: string; after?: string; limit: number },
): { root: ReturnType<typeof toMessageViews>[number]; messages: ReturnType<typeof toMessageViews>; more: boolean } {
  requireAccess(db, conversationId, userId, "read");
  const root = findMessage(db, conversationId, rootId, "thread");
  if (root.threadRootId !== null) throw new AppError("VALIDATION_FAILED", "That message is a thread reply.", "thread");
  const cursorSeq = (id: string, field: string) => {
    const m = findMessage(db, conversationId, id, field);
    if (m.threadRootId !== rootId) throw new AppError("MESSAGE_NOT_FOUND", "Not a reply in this thread.", field);
    return m.seq;
  };
  const sqlite = connectionOf(db);
  const rows = page.before
    ? sqlite
        .query<MessageRow, [string, number, number]>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_root_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
        )
        .all(rootId, cursorSeq(page.before, "before"), page.limit + 1)
    : sqlite
        .query<MessageRow, [string, number, number]>(
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE thread_root_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?`,
        )
        .all(rootId, page.after ? cursorSeq(page.after, "after") : 0, page.limit + 1);
  const more = rows.length > page.limit;
  const [rootView, ...replies] = toMessageViews(db, [root, ...rows.slice(0, page.limit)]);
  return { root: rootView!, messages: replies, more };
}

/** The threads I follow in a conversation, the most recently answered first, with my unread count in each. */
export function listMyThreads(db: Db, userId: string, conversationId: string): ThreadView[] {
  requireAccess(db, conversationId, userId, "read");
  const sqlite = connectionOf(db);
  const follows = sqlite
    .query<{ rootId: string; unread: number; lastSeq: number }, [string, string, number]>(
      `SELECT f.root_id AS rootId,
              (SELECT count(*) FROM messages x WHERE x.thread_root_id = f.root_id AND x.seq > f.last_read_seq
                 AND x.sender_id != f.user_id AND x.deleted_at IS NULL) AS unread,
              (SELECT max(seq) FROM messages x WHERE x.thread_root_id = f.root_id) AS lastSeq
         FROM thread_follows f
        WHERE f.user_id = ?1 AND f.conversation_id = ?2 AND f.muted = 0
        ORDER BY lastSeq DESC LIMIT ?3`,
    )
    .all(userId, conversationId, MAX_LISTED);
  if (follows.length === 0) return [];
  const roots = sqlite
    .query<MessageRow, [string]>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(follows.map((f) => f.rootId)));
  const views = new Map(toMessageViews(db, roots).map((v) => [v.id, v]));
  return follows
    .filter((f) => views.has(f.rootId) && f.lastSeq !== null)
    .map((f) => ({ root: views.get(f.rootId)!, unreadCount: f.unread, following: true }));
}

/** Moves my read position in a thread forward to one of its replies (never back). */
export function markThreadRead(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  rootId: string,
  messageId: string,
): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    const root = findMessage(tx, conversationId, rootId, "rootId");
    const reply = findMessage(tx, conversationId, messageId, "messageId");
    if (reply.threadRootId !== root.id && reply.id !== root.id)
      throw new AppError("MESSAGE_NOT_FOUND", "Not a reply in this thread.", "messageId");
    const changed = connectionOf(tx)
      .query(
        `UPDATE thread_follows SET last_read_seq = $seq
          WHERE root_id = $rootId AND user_id = $userId AND last_read_seq < $seq`,
      )
      .run({ seq: reply.seq, rootId: root.id, userId: me.id });
    if (changed.changes > 0) afterCommit(() => tellSummaries(chat, [me.id], conversationId));
  });
}

/** Follows a thread (its replies count as unread and may notify me) or stops following it. */
export function setFollowing(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  rootId: string,
  following: boolean,
): Promise<{ following: boolean }> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "read");
    const root = requireThreadRoot(tx, conversationId, rootId, "rootId");
    // Following from now on: what was written before counts as read.
    const newest =
      connectionOf(tx)
        .query<{ seq: number | null }, [string]>("SELECT max(seq) AS seq FROM messages WHERE thread_root_id = ?")
        .get(root.id)?.seq ?? 0;
    connectionOf(tx)
      .query(
        `INSERT INTO thread_follows (root_id, user_id, conversation_id, last_read_seq, muted)
           VALUES ($rootId, $userId, $conversationId, $seq, $muted)
         ON CONFLICT (root_id, user_id) DO UPDATE SET muted = excluded.muted,
           last_read_seq = CASE WHEN excluded.muted = 0 AND muted = 1 THEN excluded.last_read_seq ELSE last_read_seq END`,
      )
      .run({ rootId: root.id, userId: me.id, conversationId, seq: newest, muted: following ? 0 : 1 });
    afterCommit(() => tellSummaries(chat, [me.id], conversationId));
    return { following };
  });
}

/**
 * After a reply: the thread's other followers learn their new thread unread count (a summary frame, like
 * a read on another device: outside the event stream, which carries the reply itself).
 */
export function tellFollowersLater(chat: Chat, rootId: string, conversationId: string, senderId: string): void {
  chat.background.later("tellFollowersLater", () => {
    const followers = connectionOf(chat.store.db)
      .query<{ userId: string }, [string, string]>(
        "SELECT user_id AS userId FROM thread_follows WHERE root_id = ? AND muted = 0 AND user_id != ?",
      )
      .all(rootId, senderId)
      .map((r) => r.userId);
    // Someone who left the conversation since keeps their row but hears nothing.
    const roster = rosterOf(chat.store.db, conversationId);
    tellSummaries(
      chat,
      followers.filter((userId) => roster?.members.has(userId)),
      conversationId,
    );
  });
}

/** Who follows a thread and would hear of a new reply (push): not muted, still members. */
export function followersOf(db: Db, rootId: string): string[] {
  return connectionOf(db)
    .query<{ userId: string }, [string]>("SELECT user_id AS userId FROM thread_follows WHERE root_id = ? AND muted = 0")
    .all(rootId)
    .map((r) => r.userId);
}
