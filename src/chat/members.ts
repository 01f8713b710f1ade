import { and, eq } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { findUserById, toPublicUser } from "../accounts/users.ts";
import { AppError } from "../lib/errors.ts";
import { conversations, members } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { requireActiveUsers, requireMember } from "./conversations.ts";
import { appendEvent, toEventView } from "./events.ts";
import { loadConversationViews } from "./views.ts";

function requireGroup(tx: Db, conversationId: string): void {
  const conv = tx.select({ type: conversations.type }).from(conversations).where(eq(conversations.id, conversationId)).get()!;
  if (conv.type === "direct") throw new AppError("FORBIDDEN", "A direct conversation always has exactly its two people.");
}

/**
 * Adds someone to a group. Their event stream for it starts with this member.added event; earlier
 * history stays readable through the history route, as in the team chats people know.
 */
export function addMember(chat: Chat, me: UserRow, conversationId: string, userId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    const mine = requireMember(tx, conversationId, me.id);
    requireGroup(tx, conversationId);
    // Roles and per-permission flags come with group management; until then the owner decides.
    if (mine.role !== "owner") throw new AppError("FORBIDDEN", "Only the group's owner may add members.");
    const [user] = requireActiveUsers(tx, [userId], "userId");
    const already = tx.select().from(members).where(and(eq(members.conversationId, conversationId), eq(members.userId, userId))).get();
    if (already) throw new AppError("ALREADY_A_MEMBER");
    const now = Date.now();
    const event = appendEvent(tx, { type: "member.added", conversationId, actorId: me.id, subjectUserId: userId }, now);
    tx.insert(members).values({ conversationId, userId, role: "member", fromEventId: event.id, joinedAt: now }).run();
    const conversation = loadConversationViews(tx, [conversationId]).get(conversationId)!;
    afterCommit(() => chat.publisher.publish(toEventView(event, { user: toPublicUser(user!), conversation }), { join: [userId] }));
  });
}

/** Removes a member (the owner), or leaves (anyone, themselves). Access ends with the commit. */
export function removeMember(chat: Chat, me: UserRow, conversationId: string, userId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    const mine = requireMember(tx, conversationId, me.id);
    requireGroup(tx, conversationId);
    if (userId !== me.id && mine.role !== "owner") throw new AppError("FORBIDDEN", "Only the group's owner may remove members.");
    const gone = tx
      .delete(members)
      .where(and(eq(members.conversationId, conversationId), eq(members.userId, userId)))
      .returning({ userId: members.userId, role: members.role })
      .all();
    if (gone.length === 0) throw new AppError("USER_NOT_FOUND", "That person is not a member.", "userId");
    if (gone[0]!.role === "owner") handOverOwnership(tx, conversationId);
    const now = Date.now();
    // userId: the removed person still sees this one event, so their clients learn they lost access.
    const event = appendEvent(tx, { type: "member.removed", conversationId, actorId: me.id, subjectUserId: userId, userId }, now);
    const user = findUserById(tx, userId)!;
    afterCommit(() => chat.publisher.publish(toEventView(event, { user: toPublicUser(user) }), { leave: [userId] }));
  });
}

/** A group is never left without an owner: the longest-standing member takes over. */
function handOverOwnership(tx: Db, conversationId: string): void {
  const next = tx.select().from(members).where(eq(members.conversationId, conversationId)).orderBy(members.joinedAt).limit(1).get();
  if (next) tx.update(members).set({ role: "owner" }).where(and(eq(members.conversationId, conversationId), eq(members.userId, next.userId))).run();
}
