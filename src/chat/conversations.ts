import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { isUniqueViolation } from "../accounts/users.ts";
import { AppError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { conversations, members, users } from "../store/schema.ts";
import { prepared } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { appendEvent, toEventView } from "./events.ts";
import { loadConversationViews, type ConversationView, type MemberRow } from "./views.ts";

const memberOf = prepared((db) =>
  db
    .select()
    .from(members)
    .where(and(eq(members.conversationId, sql.placeholder("conversationId")), eq(members.userId, sql.placeholder("userId"))))
    .prepare(),
);

/** The caller's membership, or NOT_A_MEMBER: the same answer whether or not the conversation exists. */
export function requireMember(db: Db, conversationId: string, userId: string): MemberRow {
  const m = memberOf(db).get({ conversationId, userId });
  if (!m) throw new AppError("NOT_A_MEMBER");
  return m;
}

export function requireConversationView(db: Db, conversationId: string, userId: string): ConversationView {
  requireMember(db, conversationId, userId);
  return loadConversationViews(db, [conversationId]).get(conversationId)!;
}

/** Ids of the conversations the user is in: the topics a socket subscribes to. */
export function listMemberConversationIds(db: Db, userId: string): string[] {
  return db.select({ id: members.conversationId }).from(members).where(eq(members.userId, userId)).all().map((r) => r.id);
}

/** People who can be added to a conversation: existing accounts not deleted. */
export function requireActiveUsers(db: Db, ids: string[], field: string): UserRow[] {
  if (ids.length === 0) return [];
  const found = db.select().from(users).where(and(inArray(users.id, ids), isNull(users.deletedAt))).all();
  if (found.length !== ids.length) throw new AppError("USER_NOT_FOUND", undefined, field);
  return found;
}

/** The direct conversation between two people, created on first use: one per pair, ever. */
export function openDirect(chat: Chat, me: UserRow, otherId: string): Promise<{ conversation: ConversationView; created: boolean }> {
  if (otherId === me.id) throw new AppError("VALIDATION_FAILED", "A direct conversation needs another person.", "userId");
  const directKey = [me.id, otherId].sort().join(":");
  return chat.queue.run((tx, afterCommit) => {
    const existing = tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.directKey, directKey)).get();
    if (existing) return { conversation: loadConversationViews(tx, [existing.id]).get(existing.id)!, created: false };
    requireActiveUsers(tx, [otherId], "userId");
    try {
      return { conversation: insertConversation(tx, afterCommit, chat, me.id, { type: "direct", title: null, directKey }, [me.id, otherId]), created: true };
    } catch (err) {
      // Another node created it between our read and our insert: theirs is the one.
      if (!isUniqueViolation(err, "conversations_direct_key_unique")) throw err;
      const id = tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.directKey, directKey)).get()!.id;
      return { conversation: loadConversationViews(tx, [id]).get(id)!, created: false };
    }
  });
}

export function createGroup(chat: Chat, me: UserRow, input: { title: string; memberIds: string[] }): Promise<ConversationView> {
  const others = [...new Set(input.memberIds)].filter((id) => id !== me.id);
  return chat.queue.run((tx, afterCommit) => {
    requireActiveUsers(tx, others, "memberIds");
    return insertConversation(tx, afterCommit, chat, me.id, { type: "group", title: input.title, directKey: null }, [me.id, ...others]);
  });
}

function insertConversation(
  tx: Db,
  afterCommit: (cb: () => void) => void,
  chat: Chat,
  creatorId: string,
  fields: { type: "direct" | "group"; title: string | null; directKey: string | null },
  memberIds: string[],
): ConversationView {
  const now = Date.now();
  const id = newId();
  tx.insert(conversations).values({ id, ...fields, createdBy: creatorId, createdAt: now, updatedAt: now }).run();
  const event = appendEvent(tx, { type: "conversation.created", conversationId: id, actorId: creatorId }, now);
  tx.insert(members)
    .values(memberIds.map((userId) => ({ conversationId: id, userId, role: userId === creatorId && fields.type === "group" ? ("owner" as const) : ("member" as const), fromEventId: event.id, joinedAt: now })))
    .run();
  const conversation = loadConversationViews(tx, [id]).get(id)!;
  afterCommit(() => chat.publisher.publish(toEventView(event, { conversation }), { join: memberIds }));
  return conversation;
}

export function renameConversation(chat: Chat, me: UserRow, conversationId: string, title: string): Promise<ConversationView> {
  return chat.queue.run((tx, afterCommit) => {
    const member = requireMember(tx, conversationId, me.id);
    const conv = tx.select().from(conversations).where(eq(conversations.id, conversationId)).get()!;
    if (conv.type === "direct") throw new AppError("FORBIDDEN", "Direct conversations have no title.");
    // Roles and per-permission flags come with group management; until then the owner decides.
    if (member.role !== "owner") throw new AppError("FORBIDDEN", "Only the group's owner may rename it.");
    if (conv.title === title) return loadConversationViews(tx, [conversationId]).get(conversationId)!;
    const now = Date.now();
    tx.update(conversations).set({ title, updatedAt: now }).where(eq(conversations.id, conversationId)).run();
    const event = appendEvent(tx, { type: "conversation.updated", conversationId, actorId: me.id }, now);
    const conversation = loadConversationViews(tx, [conversationId]).get(conversationId)!;
    afterCommit(() => chat.publisher.publish(toEventView(event, { conversation })));
    return conversation;
  });
}
