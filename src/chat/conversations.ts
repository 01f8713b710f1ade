import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { isUniqueViolation } from "../accounts/users.ts";
import { AppError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { conversations, members, users } from "../store/schema.ts";
import { connectionOf, prepared } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { appendEvent, toEventView } from "./events.ts";
import { presets, readPermissions, requireRight, type Action, type Preset, type Subject } from "./permissions.ts";
import { loadConversationViews, type ConversationRow, type ConversationView, type MemberRow } from "./views.ts";
import { forgetRoster, rosterOf, type Membership } from "./roster.ts";

const memberOf = prepared((db) =>
  db
    .select()
    .from(members)
    .where(
      and(eq(members.conversationId, sql.placeholder("conversationId")), eq(members.userId, sql.placeholder("userId"))),
    )
    .prepare(),
);

export interface Access {
  member: Membership;
  conversation: ConversationRow;
  subject: Subject;
}

/**
 * The caller's membership and the conversation, if their role allows `action` there (chat/permissions.ts):
 * NOT_A_MEMBER for outsiders (whether or not it exists), FORBIDDEN for a missing right. From the roster in
 * memory (chat/roster.ts): no statement on the hot paths once a conversation has been read.
 */
export function requireAccess(db: Db, conversationId: string, userId: string, action: Action): Access {
  const roster = rosterOf(db, conversationId);
  const member = roster?.members.get(userId);
  if (!roster || !member) throw new AppError("NOT_A_MEMBER");
  requireRight(member.role, action, roster.subject);
  return { member, conversation: roster.conversation, subject: roster.subject };
}

/** Someone's membership row of a conversation (with read markers), if they are in it. */
export function findMember(db: Db, conversationId: string, userId: string): MemberRow | undefined {
  return memberOf(db).get({ conversationId, userId });
}

/** The caller's membership, or NOT_A_MEMBER: the same answer whether or not the conversation exists. */
export function requireMember(db: Db, conversationId: string, userId: string): Membership {
  const m = rosterOf(db, conversationId)?.members.get(userId);
  if (!m) throw new AppError("NOT_A_MEMBER");
  return m;
}

export function requireConversationView(db: Db, conversationId: string, userId: string): ConversationView {
  requireMember(db, conversationId, userId);
  return loadConversationViews(db, [conversationId]).get(conversationId)!;
}

/**
 * Ids of the conversations the user is in: the topics a socket subscribes to, and who hears of its
 * presence. Asked on every hello: one compiled statement (members_user_id_idx), rows without drizzle's mapping.
 */
export function listMemberConversationIds(db: Db, userId: string): string[] {
  return connectionOf(db)
    .query<{ id: string }, [string]>("SELECT conversation_id AS id FROM members WHERE user_id = ?")
    .all(userId)
    .map((r) => r.id);
}

/** Everyone who shares a conversation with the user, once each (the user too, when in any). */
export function listContactIds(db: Db, userId: string): string[] {
  return connectionOf(db)
    .query<{ id: string }, [string]>(
      `SELECT DISTINCT theirs.user_id AS id FROM members mine
         JOIN members theirs ON theirs.conversation_id = mine.conversation_id WHERE mine.user_id = ?`,
    )
    .all(userId)
    .map((r) => r.id);
}

/**
 * People who can be added to a conversation: existing accounts, neither deleted nor deactivated. A
 * deactivated account is invisible to others, so it answers like one that does not exist.
 */
export function requireActiveUsers(db: Db, ids: string[], field: string): UserRow[] {
  if (ids.length === 0) return [];
  const found = db
    .select()
    .from(users)
    .where(and(inArray(users.id, ids), isNull(users.deletedAt), isNull(users.deactivatedAt)))
    .all();
  if (found.length !== ids.length) throw new AppError("USER_NOT_FOUND", undefined, field);
  return found;
}

/** The direct conversation between two people, created on first use: one per pair, ever. */
export function openDirect(
  chat: Chat,
  me: UserRow,
  otherId: string,
  options: { encrypted?: boolean } = {},
): Promise<{ conversation: ConversationView; created: boolean }> {
  if (otherId === me.id)
    throw new AppError("VALIDATION_FAILED", "A direct conversation needs another person.", "userId");
  const directKey = [me.id, otherId].sort().join(":");
  return chat.queue.run((tx, afterCommit) => {
    const existing = tx
      .select({ id: conversations.id })
      .from(conversations)
      .where(eq(conversations.directKey, directKey))
      .get();
    if (existing) return { conversation: loadConversationViews(tx, [existing.id]).get(existing.id)!, created: false };
    requireActiveUsers(tx, [otherId], "userId");
    try {
      return {
        conversation: insertConversation(
          tx,
          afterCommit,
          chat,
          me.id,
          { type: "direct", title: null, directKey, encrypted: options.encrypted },
          [me.id, otherId],
        ),
        created: true,
      };
    } catch (err) {
      // Another node created it between our read and our insert: theirs is the one.
      if (!isUniqueViolation(err, "conversations_direct_key_unique")) throw err;
      const id = tx
        .select({ id: conversations.id })
        .from(conversations)
        .where(eq(conversations.directKey, directKey))
        .get()!.id;
      return { conversation: loadConversationViews(tx, [id]).get(id)!, created: false };
    }
  });
}

export function createGroup(
  chat: Chat,
  me: UserRow,
  input: { title: string; description?: string; preset?: Preset; memberIds: string[]; encrypted?: boolean },
): Promise<ConversationView> {
  const others = [...new Set(input.memberIds)].filter((id) => id !== me.id);
  return chat.queue.run((tx, afterCommit) => {
    requireActiveUsers(tx, others, "memberIds");
    const fields = {
      type: "group" as const,
      title: input.title,
      description: input.description ?? "",
      permissions: JSON.stringify(presets[input.preset ?? "default"]),
      directKey: null,
      encrypted: input.encrypted,
    };
    return insertConversation(tx, afterCommit, chat, me.id, fields, [me.id, ...others]);
  });
}

function insertConversation(
  tx: Db,
  afterCommit: (cb: () => void) => void,
  chat: Chat,
  creatorId: string,
  fields: {
    type: "direct" | "group";
    title: string | null;
    directKey: string | null;
    description?: string;
    permissions?: string;
    /** End-to-end encrypted from the start (e2ee/groups.ts). */
    encrypted?: boolean;
  },
  memberIds: string[],
): ConversationView {
  const now = Date.now();
  const id = newId();
  const { encrypted, ...columns } = fields;
  tx.insert(conversations)
    .values({
      id,
      ...columns,
      encryptedAt: encrypted ? now : null,
      createdBy: creatorId,
      createdAt: now,
      updatedAt: now,
    })
    .run();
  const event = appendEvent(tx, { type: "conversation.created", conversationId: id, actorId: creatorId }, now);
  tx.insert(members)
    .values(
      memberIds.map((userId) => ({
        conversationId: id,
        userId,
        role: userId === creatorId && fields.type === "group" ? ("owner" as const) : ("member" as const),
        fromEventId: event.id,
        joinedAt: now,
      })),
    )
    .run();
  forgetRoster(tx, id);
  const conversation = loadConversationViews(tx, [id]).get(id)!;
  afterCommit(() => chat.publisher.publish(toEventView(event, { conversation }), { join: memberIds }));
  return conversation;
}

/** Changes a group's name or description (the editInfo right); members see conversation.updated. */
export function updateConversation(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  change: { title?: string; description?: string },
): Promise<ConversationView> {
  return chat.queue.run((tx, afterCommit) => {
    const { conversation: conv } = requireAccess(tx, conversationId, me.id, "editInfo");
    const next = { title: change.title ?? conv.title, description: change.description ?? conv.description };
    if (next.title === conv.title && next.description === conv.description)
      return loadConversationViews(tx, [conversationId]).get(conversationId)!;
    return announceUpdate(tx, afterCommit, chat, me.id, conversationId, next);
  });
}

/** Writes a change to the conversation row and tells every member (conversation.updated). */
export function announceUpdate(
  tx: Db,
  afterCommit: (cb: () => void) => void,
  chat: Chat,
  actorId: string | null,
  conversationId: string,
  change: Partial<Pick<ConversationRow, "title" | "description" | "permissions" | "archivedAt" | "avatarKey">>,
): ConversationView {
  const now = Date.now();
  tx.update(conversations)
    .set({ ...change, updatedAt: now })
    .where(eq(conversations.id, conversationId))
    .run();
  forgetRoster(tx, conversationId);
  const event = appendEvent(tx, { type: "conversation.updated", conversationId, actorId }, now);
  const conversation = loadConversationViews(tx, [conversationId]).get(conversationId)!;
  afterCommit(() => chat.publisher.publish(toEventView(event, { conversation })));
  return conversation;
}
