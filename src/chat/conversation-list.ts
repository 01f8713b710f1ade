import { inArray } from "drizzle-orm";
import { toIso } from "../lib/time.ts";
import { messages } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { toMessageViews } from "./message-reads.ts";
import { requireMember } from "./conversations.ts";
import { capabilities, type Role } from "./permissions.ts";
import { loadConversationViews, type MessageView } from "./views.ts";
import type { ConversationSummary, PushLevel } from "../protocol/views.ts";

export type { ConversationSummary, PushLevel };

/** Which messages reach me as push notifications when I am not in the app, unless I choose otherwise. */
export function defaultPushLevel(type: "direct" | "group"): PushLevel {
  return type === "direct" ? "all" : "mentions";
}

/** My conversations, the most recently active first, each with its last message and my unread count. */
export function listMyConversations(db: Db, userId: string, onlyId: string | null = null): ConversationSummary[] {
  const rows = db.$client
    .query<
      {
        id: string;
        role: Role;
        unread: number;
        mentions: number;
        threadUnread: number;
        mutedUntil: number | null;
        markedUnread: number;
        pushLevel: PushLevel | null;
        lastSeq: number | null;
      },
      [string, string, string | null]
    >(
      // Thread replies are not the conversation's timeline: they count in threadUnread, for their followers.
      `SELECT m.conversation_id AS id, m.role AS role, m.muted_until AS mutedUntil, m.marked_unread AS markedUnread, m.push_level AS pushLevel,
              (SELECT count(DISTINCT x.id) FROM messages x JOIN mentions n ON n.message_id = x.id
                WHERE x.conversation_id = m.conversation_id AND x.seq > m.last_read_seq AND x.sender_id != m.user_id
                  AND x.deleted_at IS NULL AND x.thread_root_id IS NULL AND (n.user_id = m.user_id OR n.everyone = 1)) AS mentions,
              (SELECT count(*) FROM messages x
                WHERE x.conversation_id = m.conversation_id AND x.seq > m.last_read_seq
                  AND x.sender_id != ?1 AND x.deleted_at IS NULL AND x.thread_root_id IS NULL) AS unread,
              (SELECT count(*) FROM thread_follows f JOIN messages x ON x.thread_root_id = f.root_id
                WHERE f.user_id = m.user_id AND f.conversation_id = m.conversation_id AND f.muted = 0
                  AND x.seq > f.last_read_seq AND x.sender_id != m.user_id AND x.deleted_at IS NULL) AS threadUnread,
              (SELECT max(seq) FROM messages x
                WHERE x.conversation_id = m.conversation_id AND x.deleted_at IS NULL AND x.thread_root_id IS NULL) AS lastSeq
         FROM members m WHERE m.user_id = ?2 AND (?3 IS NULL OR m.conversation_id = ?3)`,
    )
    .all(userId, userId, onlyId);
  const views = loadConversationViews(
    db,
    rows.map((r) => r.id),
  );
  const seqs = rows.map((r) => r.lastSeq).filter((s): s is number => s !== null);
  const last = new Map<string, MessageView>();
  if (seqs.length > 0) {
    const rows = db.select().from(messages).where(inArray(messages.seq, seqs)).all();
    for (const v of toMessageViews(db, rows)) last.set(v.conversationId, v);
  }
  const list = rows.map((r) => {
    const view = views.get(r.id)!;
    const mutedUntil = r.mutedUntil !== null && r.mutedUntil > Date.now() ? toIso(r.mutedUntil) : null;
    return {
      ...view,
      lastMessage: last.get(r.id) ?? null,
      unreadCount: r.unread,
      mentionCount: r.mentions,
      threadUnreadCount: r.threadUnread,
      mutedUntil,
      markedUnread: r.markedUnread === 1,
      pushLevel: r.pushLevel ?? defaultPushLevel(view.type),
      pushLevelDefault: r.pushLevel === null,
      myRole: r.role,
      can: capabilities(r.role, view),
    };
  });
  const activity = (c: ConversationSummary) => c.lastMessage?.createdAt ?? c.createdAt;
  return list.sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0));
}

export function findMyConversation(db: Db, userId: string, conversationId: string): ConversationSummary {
  requireMember(db, conversationId, userId);
  return listMyConversations(db, userId, conversationId)[0]!;
}

export interface GroupOverview {
  id: string;
  title: string | null;
  description: string;
  memberCount: number;
  owner: { id: string; username: string; displayName: string } | null;
  archived: boolean;
  createdAt: string;
}

/**
 * Every group on the instance, for its admins (moderation): names, sizes and owners, never messages.
 * Newest first.
 */
export function listAllGroups(db: Db): GroupOverview[] {
  return db.$client
    .query<
      {
        id: string;
        title: string | null;
        description: string;
        memberCount: number;
        ownerId: string | null;
        username: string | null;
        displayName: string | null;
        archivedAt: number | null;
        createdAt: number;
      },
      []
    >(
      `SELECT c.id, c.title, c.description, c.archived_at AS archivedAt, c.created_at AS createdAt,
              (SELECT count(*) FROM members m WHERE m.conversation_id = c.id) AS memberCount,
              o.user_id AS ownerId, u.username, u.display_name AS displayName
         FROM conversations c
         LEFT JOIN members o ON o.conversation_id = c.id AND o.role = 'owner'
         LEFT JOIN users u ON u.id = o.user_id
        WHERE c.type = 'group'
        ORDER BY c.created_at DESC`,
    )
    .all()
    .map((r) => ({
      id: r.id,
      title: r.title,
      description: r.description,
      memberCount: r.memberCount,
      owner: r.ownerId ? { id: r.ownerId, username: r.username!, displayName: r.displayName! } : null,
      archived: r.archivedAt !== null,
      createdAt: toIso(r.createdAt)!,
    }));
}
