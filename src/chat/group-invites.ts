import { and, desc, eq, sql } from "drizzle-orm";
import { inviteRefusal } from "../accounts/invites.ts";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { randomToken } from "../lib/ids.ts";
import { toIso } from "../lib/time.ts";
import { conversations, groupInvites, members } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { findMember, requireAccess } from "./conversations.ts";
import { insertMember } from "./members.ts";
import { loadConversationViews, type ConversationView } from "./views.ts";

import type { GroupInviteView } from "../protocol/views.ts";

type InviteRow = typeof groupInvites.$inferSelect;

export type { GroupInviteView };

function toView(row: InviteRow, publicUrl: string, now = Date.now()): GroupInviteView {
  return {
    code: row.code,
    url: `${publicUrl}/join/${row.code}`,
    conversationId: row.conversationId,
    maxUses: row.maxUses,
    uses: row.uses,
    expiresAt: toIso(row.expiresAt),
    revoked: row.revokedAt !== null,
    usable: inviteRefusal(row, now) === null,
    createdBy: row.createdBy,
    createdAt: toIso(row.createdAt)!,
  };
}

/** A link to the group (the addMembers right), valid until `expiresAt` and for `maxUses` joins (null: no limit). */
export function createGroupInvite(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  input: { maxUses: number | null; expiresAt: number | null },
  publicUrl: string,
): Promise<GroupInviteView> {
  return chat.queue.run((tx) => {
    requireAccess(tx, conversationId, me.id, "addMembers");
    const row = tx
      .insert(groupInvites)
      .values({
        code: randomToken(10),
        conversationId,
        createdBy: me.id,
        maxUses: input.maxUses,
        expiresAt: input.expiresAt,
        createdAt: Date.now(),
      })
      .returning()
      .get();
    return toView(row, publicUrl);
  });
}

export function listGroupInvites(db: Db, me: UserRow, conversationId: string, publicUrl: string): GroupInviteView[] {
  requireAccess(db, conversationId, me.id, "addMembers");
  return db
    .select()
    .from(groupInvites)
    .where(eq(groupInvites.conversationId, conversationId))
    .orderBy(desc(groupInvites.createdAt))
    .all()
    .map((r) => toView(r, publicUrl));
}

export function revokeGroupInvite(chat: Chat, me: UserRow, conversationId: string, code: string): Promise<void> {
  return chat.queue.run((tx) => {
    requireAccess(tx, conversationId, me.id, "addMembers");
    const done = tx
      .update(groupInvites)
      .set({ revokedAt: sql`coalesce(${groupInvites.revokedAt}, ${Date.now()})` })
      .where(and(eq(groupInvites.code, code), eq(groupInvites.conversationId, conversationId)))
      .returning({ code: groupInvites.code })
      .all();
    if (done.length === 0) throw new AppError("INVITE_NOT_FOUND");
  });
}

function findInvite(db: Db, code: string): { invite: InviteRow; conversation: typeof conversations.$inferSelect } {
  const invite = db.select().from(groupInvites).where(eq(groupInvites.code, code)).get();
  const conversation =
    invite && db.select().from(conversations).where(eq(conversations.id, invite.conversationId)).get();
  if (!invite || !conversation) throw new AppError("INVITE_NOT_FOUND");
  return { invite, conversation };
}

export interface InvitePreview {
  title: string;
  description: string;
  memberCount: number;
  alreadyMember: boolean;
}

/** What someone holding a link sees before joining: enough to decide, nothing of the conversation itself. */
export function previewGroupInvite(db: Db, me: UserRow, code: string): InvitePreview {
  const { invite, conversation } = findInvite(db, code);
  const mine = findMember(db, conversation.id, me.id);
  if (!mine) {
    const refused = inviteRefusal(invite, Date.now());
    if (refused) throw refused;
  }
  const memberCount = db
    .select({ n: sql<number>`count(*)` })
    .from(members)
    .where(eq(members.conversationId, conversation.id))
    .get()!.n;
  return {
    title: conversation.title ?? "",
    description: conversation.description,
    memberCount,
    alreadyMember: Boolean(mine),
  };
}

/** Joins by a link. Joining a group one is already in changes nothing and spends no use. */
export function joinByInvite(
  chat: Chat,
  me: UserRow,
  code: string,
): Promise<{ conversation: ConversationView; joined: boolean }> {
  return chat.queue.run((tx, afterCommit) => {
    const { invite, conversation } = findInvite(tx, code);
    const mine = findMember(tx, conversation.id, me.id);
    if (mine)
      return { conversation: loadConversationViews(tx, [conversation.id]).get(conversation.id)!, joined: false };
    const refused = inviteRefusal(invite, Date.now());
    if (refused) throw refused;
    if (conversation.archivedAt !== null) throw new AppError("GROUP_ARCHIVED");
    tx.update(groupInvites)
      .set({ uses: sql`${groupInvites.uses} + 1` })
      .where(eq(groupInvites.code, code))
      .run();
    return { conversation: insertMember(tx, afterCommit, chat, me.id, conversation.id, me), joined: true };
  });
}
