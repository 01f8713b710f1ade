import { and, asc, eq, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { findUserById, toPublicUser } from "../accounts/users.ts";
import { AppError } from "../lib/errors.ts";
import { conversations, members, messages } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { announceUpdate, findMember, requireAccess, requireActiveUsers } from "./conversations.ts";
import { forgetRoster } from "./roster.ts";
import { appendEvent, toEventView } from "./events.ts";
import { dropMessageFiles, removeUnreferenced } from "../files/file-cleanup.ts";
import { forgetExtras } from "./message-versions.ts";
import {
  outranks,
  permissionsInput,
  presets,
  readPermissions,
  type Permissions,
  type Preset,
  type Role,
} from "./permissions.ts";
import { loadConversationViews, type ConversationView, type MemberRow } from "./views.ts";

type AfterCommit = (cb: () => void) => void;

function requireOtherMember(tx: Db, conversationId: string, userId: string): MemberRow {
  const m = findMember(tx, conversationId, userId);
  if (!m) throw new AppError("USER_NOT_FOUND", "That person is not a member.", "userId");
  return m;
}

/**
 * Adds someone to a group (the addMembers right), or lets them in by an invite link (`actorId` is then
 * themselves). Their event stream for it starts with this member.added event; earlier history stays
 * readable through the history route, as in the team chats people know.
 */
export function insertMember(
  tx: Db,
  afterCommit: AfterCommit,
  chat: Chat,
  actorId: string,
  conversationId: string,
  user: UserRow,
): ConversationView {
  const now = Date.now();
  const event = appendEvent(tx, { type: "member.added", conversationId, actorId, subjectUserId: user.id }, now);
  tx.insert(members)
    .values({ conversationId, userId: user.id, role: "member", fromEventId: event.id, joinedAt: now })
    .run();
  forgetRoster(tx, conversationId);
  const conversation = loadConversationViews(tx, [conversationId]).get(conversationId)!;
  afterCommit(() =>
    chat.publisher.publish(toEventView(event, { user: toPublicUser(user), conversation }), { join: [user.id] }),
  );
  return conversation;
}

export function addMember(chat: Chat, me: UserRow, conversationId: string, userId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "addMembers");
    const [user] = requireActiveUsers(tx, [userId], "userId");
    if (findMember(tx, conversationId, userId)) throw new AppError("ALREADY_A_MEMBER");
    insertMember(tx, afterCommit, chat, me.id, conversationId, user!);
  });
}

/**
 * Removes a member (the removeMembers right, and only someone the remover outranks: admins remove
 * members, the owner removes anyone), or leaves (anyone, themselves). Access ends with the commit.
 */
export function removeMember(chat: Chat, me: UserRow, conversationId: string, userId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    const leaving = userId === me.id;
    const { member: mine } = requireAccess(tx, conversationId, me.id, leaving ? "leave" : "removeMembers");
    const target = leaving ? mine : requireOtherMember(tx, conversationId, userId);
    if (!leaving && !outranks(mine.role, target.role))
      throw new AppError(
        "FORBIDDEN",
        target.role === "owner" ? "Nobody can remove the group's owner." : "Only the owner may remove an admin.",
      );
    dropMember(tx, afterCommit, chat, me.id, conversationId, target);
  });
}

/** Takes a member out, keeps the group with exactly one owner, and archives it when nobody is left. */
export function dropMember(
  tx: Db,
  afterCommit: AfterCommit,
  chat: Chat,
  actorId: string,
  conversationId: string,
  target: Pick<MemberRow, "userId" | "role">,
): void {
  tx.delete(members)
    .where(and(eq(members.conversationId, conversationId), eq(members.userId, target.userId)))
    .run();
  forgetRoster(tx, conversationId);
  const now = Date.now();
  // userId: the removed person still sees this one event, so their clients learn they lost access.
  const event = appendEvent(
    tx,
    { type: "member.removed", conversationId, actorId, subjectUserId: target.userId, userId: target.userId },
    now,
  );
  const user = findUserById(tx, target.userId)!;
  afterCommit(() =>
    chat.publisher.publish(toEventView(event, { user: toPublicUser(user) }), { leave: [target.userId] }),
  );
  if (target.role === "owner") handOverOwnership(tx, afterCommit, chat, conversationId);
}

/**
 * A group always has exactly one owner: when the owner goes, the longest-serving admin takes over, else
 * the longest-serving member. With nobody left the group is archived.
 */
function handOverOwnership(tx: Db, afterCommit: AfterCommit, chat: Chat, conversationId: string): void {
  const next = tx
    .select()
    .from(members)
    .where(eq(members.conversationId, conversationId))
    // Ties (people added together) go by the order they were added in: rowid.
    .orderBy(sql`CASE ${members.role} WHEN 'admin' THEN 0 ELSE 1 END`, asc(members.joinedAt), sql`rowid`)
    .limit(1)
    .get();
  if (!next) {
    announceUpdate(tx, afterCommit, chat, null, conversationId, { archivedAt: Date.now() });
    return;
  }
  setRoleRow(tx, afterCommit, chat, null, conversationId, next.userId, "owner");
}

function setRoleRow(
  tx: Db,
  afterCommit: AfterCommit,
  chat: Chat,
  actorId: string | null,
  conversationId: string,
  userId: string,
  role: Role,
): void {
  tx.update(members)
    .set({ role })
    .where(and(eq(members.conversationId, conversationId), eq(members.userId, userId)))
    .run();
  forgetRoster(tx, conversationId);
  const event = appendEvent(
    tx,
    { type: "member.role-changed", conversationId, actorId, subjectUserId: userId },
    Date.now(),
  );
  const user = findUserById(tx, userId)!;
  const conversation = loadConversationViews(tx, [conversationId]).get(conversationId)!;
  afterCommit(() => chat.publisher.publish(toEventView(event, { user: toPublicUser(user), conversation })));
}

/** Makes a member an admin or an admin a member again (the owner only; ownership moves by transfer). */
export function setRole(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  userId: string,
  role: "admin" | "member",
): Promise<ConversationView> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "manageRoles");
    const target = requireOtherMember(tx, conversationId, userId);
    if (target.role === "owner")
      throw new AppError("FORBIDDEN", "The owner's role changes only by handing the group to someone else.");
    if (target.role !== role) setRoleRow(tx, afterCommit, chat, me.id, conversationId, userId, role);
    return loadConversationViews(tx, [conversationId]).get(conversationId)!;
  });
}

/** Hands the group to another member; the old owner stays on as an admin. */
export function transferOwnership(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  userId: string,
): Promise<ConversationView> {
  return chat.queue.run((tx, afterCommit) => {
    requireAccess(tx, conversationId, me.id, "transferOwnership");
    if (userId === me.id) throw new AppError("VALIDATION_FAILED", "You already own this group.", "userId");
    requireOtherMember(tx, conversationId, userId);
    setRoleRow(tx, afterCommit, chat, me.id, conversationId, userId, "owner");
    setRoleRow(tx, afterCommit, chat, me.id, conversationId, me.id, "admin");
    return loadConversationViews(tx, [conversationId]).get(conversationId)!;
  });
}

/** Sets the group's rights: a preset, then any single rights on top (the owner only). */
export function setPermissions(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  input: { preset?: Preset; permissions?: Partial<Permissions> },
): Promise<ConversationView> {
  return chat.queue.run((tx, afterCommit) => {
    const { conversation } = requireAccess(tx, conversationId, me.id, "changePermissions");
    const base = input.preset
      ? presets[input.preset]
      : permissionsInput.parse(JSON.parse(conversation.permissions || "{}"));
    const next = JSON.stringify({ ...base, ...input.permissions });
    if (JSON.stringify(readPermissions(next)) === JSON.stringify(readPermissions(conversation.permissions)))
      return loadConversationViews(tx, [conversationId]).get(conversationId)!;
    return announceUpdate(tx, afterCommit, chat, me.id, conversationId, { permissions: next });
  });
}

/**
 * Deletes a group for everyone (its owner, or an instance admin as moderator): every member gets a
 * conversation.deleted event addressed to them, then the group, its members, messages and invites go.
 */
export function deleteGroup(chat: Chat, me: UserRow, conversationId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    const conv = tx.select().from(conversations).where(eq(conversations.id, conversationId)).get();
    if (me.role !== "admin" || !conv) requireAccess(tx, conversationId, me.id, "deleteGroup");
    if (conv!.type === "direct")
      throw new AppError("FORBIDDEN", "A direct conversation cannot be deleted for both people.");
    const everyone = tx.select().from(members).where(eq(members.conversationId, conversationId)).all();
    const now = Date.now();
    for (const m of everyone) {
      const event = appendEvent(
        tx,
        { type: "conversation.deleted", conversationId, actorId: me.id, userId: m.userId },
        now,
      );
      afterCommit(() => chat.publisher.publish(toEventView(event, {}), { leave: [m.userId], only: [m.userId] }));
    }
    const messageIds = tx
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .all()
      .map((m) => m.id);
    forgetExtras(tx, messageIds);
    const keys = dropMessageFiles(tx, messageIds);
    if (conv!.avatarKey) keys.push(conv!.avatarKey);
    tx.delete(conversations).where(eq(conversations.id, conversationId)).run();
    forgetRoster(tx, conversationId);
    afterCommit(() =>
      chat.background.later("removeFilesLater", () => removeUnreferenced(chat.store.db, chat.files, keys)),
    );
  });
}

/**
 * An account being deleted leaves every group it is in (ownership passes on; empty groups are archived).
 * Direct conversations keep it, shown as "Deleted user", so the other person keeps their history.
 */
export function leaveAllGroups(tx: Db, afterCommit: AfterCommit, chat: Chat, userId: string): void {
  const mine = tx
    .select({ member: members })
    .from(members)
    .innerJoin(conversations, eq(members.conversationId, conversations.id))
    .where(and(eq(members.userId, userId), eq(conversations.type, "group")))
    .all();
  for (const { member } of mine) dropMember(tx, afterCommit, chat, userId, member.conversationId, member);
}
