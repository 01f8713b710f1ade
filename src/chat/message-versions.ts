// Earlier texts of edited messages, and erasing what hangs on a message's words when it is deleted.
import { asc, eq, inArray } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import { mentions, messageVersions, pins, reactions } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { requireAccess } from "./conversations.ts";
import { findMessage } from "./message-reads.ts";
import { outranks } from "./permissions.ts";

/** Earlier texts of a message, oldest first: for its author, and for admins and the owner of a group. */
export function listVersions(
  db: Db,
  me: UserRow,
  conversationId: string,
  messageId: string,
): { text: string; replacedAt: string }[] {
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

/** Erases everything attached to a message's words (on delete): versions, mentions, reactions, pins. */
export function forgetExtras(tx: Db, messageIds: string[]): void {
  if (messageIds.length === 0) return;
  tx.delete(messageVersions).where(inArray(messageVersions.messageId, messageIds)).run();
  tx.delete(mentions).where(inArray(mentions.messageId, messageIds)).run();
  tx.delete(reactions).where(inArray(reactions.messageId, messageIds)).run();
  tx.delete(pins).where(inArray(pins.messageId, messageIds)).run();
}
