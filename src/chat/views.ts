import { asc, eq, inArray } from "drizzle-orm";
import { readPermissions } from "./permissions.ts";
import type { UserRow } from "../accounts/sessions.ts";
import { avatarUrl, toPublicUser } from "../accounts/users.ts";
import type { ConversationView, MessageView, SenderView } from "../protocol/views.ts";
import { toIso } from "../lib/time.ts";
import { conversations, members, users, type messages } from "../store/schema.ts";
import type { Db } from "../store/store.ts";

export type MessageRow = typeof messages.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MemberRow = typeof members.$inferSelect;

// What clients see is the contract's (src/protocol/views.ts); these map rows onto it.
export type { ConversationView, MemberView, MessageView, SenderView } from "../protocol/views.ts";

export function toSenderView(u: UserRow): SenderView {
  const { id, username, displayName, avatarUrl } = toPublicUser(u);
  return { id, username, displayName, avatarUrl };
}

export function toMessageView(m: MessageRow, sender: UserRow): MessageView {
  return {
    id: m.id,
    conversationId: m.conversationId,
    clientId: m.clientId,
    // A deleted message keeps its place in history as a tombstone; its words are gone from the database.
    text: m.deletedAt === null ? m.text : "",
    replyToId: m.replyToId,
    threadRootId: m.threadRootId,
    // Filled in by toMessageViews, like reactions below.
    thread: null,
    preview: null,
    createdAt: toIso(m.createdAt)!,
    editedAt: toIso(m.editedAt),
    deletedAt: toIso(m.deletedAt),
    deleted: m.deletedAt !== null,
    sender: toSenderView(sender),
    // Filled in by toMessageViews (chat/message-reads.ts) where a client will see them.
    reactions: [],
    mentions: { userIds: [], everyone: false },
    pinned: false,
    forwardedFrom: null,
    attachments: [],
    ...(m.ciphertext !== null && m.deletedAt === null
      ? { encrypted: { ciphertext: m.ciphertext, deviceId: m.senderDevice ?? "" } }
      : {}),
  };
}

/** Conversations with their members, loaded in two queries whatever their number. */
export function loadConversationViews(db: Db, ids: string[]): Map<string, ConversationView> {
  const out = new Map<string, ConversationView>();
  if (ids.length === 0) return out;
  for (const c of db.select().from(conversations).where(inArray(conversations.id, ids)).all()) {
    out.set(c.id, {
      id: c.id,
      type: c.type,
      title: c.title,
      description: c.description,
      permissions: readPermissions(c.permissions),
      archived: c.archivedAt !== null,
      avatarUrl: avatarUrl(c.avatarKey),
      createdBy: c.createdBy,
      createdAt: toIso(c.createdAt)!,
      updatedAt: toIso(c.updatedAt)!,
      members: [],
      encryptedAt: toIso(c.encryptedAt),
    });
  }
  const rows = db
    .select({ member: members, user: users })
    .from(members)
    .innerJoin(users, eq(members.userId, users.id))
    .where(inArray(members.conversationId, ids))
    .orderBy(asc(members.joinedAt))
    .all();
  for (const { member, user } of rows) {
    out
      .get(member.conversationId)
      ?.members.push({ user: toPublicUser(user), role: member.role, joinedAt: toIso(member.joinedAt)! });
  }
  return out;
}
