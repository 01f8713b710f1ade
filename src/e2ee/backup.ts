// A person's key backup: what their devices decrypted, encrypted again in the browser under a backup key
// only they hold, so a new device reads the history from before it joined (MLS alone gives it none).
// Parley stores opaque strings: it cannot tell a word of them, nor check the key (docs/e2ee.md).
import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import type { BackupEntryView, KeyBackupView } from "../protocol/views.ts";
import { members, messages } from "../store/schema.ts";
import { keyBackupEntries, keyBackups } from "../store/e2ee-schema.ts";
import type { Db } from "../store/store.ts";
import { changesOf } from "../store/prepared.ts";
import type { Chat } from "../chat/context.ts";
import { requireMember } from "../chat/conversations.ts";

export const MAX_BACKUP_ENTRIES = 200;

export function getKeyBackup(db: Db, me: UserRow): KeyBackupView {
  const row = db.select().from(keyBackups).where(eq(keyBackups.userId, me.id)).get();
  if (!row) throw new AppError("BACKUP_NOT_FOUND");
  return {
    check: row.check,
    wrapped: JSON.parse(row.wrapped) as Record<string, string>,
    updatedAt: toIso(row.updatedAt)!,
  };
}

/**
 * Sets up my backup, or replaces it with one under a new key: the entries under the old key could no longer
 * be opened, so they go. The same check again only updates how the key is wrapped (a passkey added).
 */
export function setKeyBackup(
  chat: Chat,
  me: UserRow,
  input: { check: string; wrapped: Record<string, string> },
): Promise<KeyBackupView> {
  return chat.queue.run((tx) => {
    const now = Date.now();
    const old = tx.select().from(keyBackups).where(eq(keyBackups.userId, me.id)).get();
    if (old && old.check !== input.check) tx.delete(keyBackupEntries).where(eq(keyBackupEntries.userId, me.id)).run();
    const wrapped = JSON.stringify(input.wrapped);
    tx.insert(keyBackups)
      .values({ userId: me.id, check: input.check, wrapped, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: keyBackups.userId, set: { check: input.check, wrapped, updatedAt: now } })
      .run();
    return { check: input.check, wrapped: input.wrapped, updatedAt: toIso(now)! };
  });
}

/**
 * Adds entries to my backup, for encrypted messages of conversations I am in; one already there is kept
 * (every device of mine may offer the same message). Answers how many were new.
 */
export function addBackupEntries(
  chat: Chat,
  me: UserRow,
  entries: { messageId: string; data: string }[],
): Promise<{ added: number }> {
  return chat.queue.run((tx) => {
    if (!tx.select({ userId: keyBackups.userId }).from(keyBackups).where(eq(keyBackups.userId, me.id)).get())
      throw new AppError("BACKUP_NOT_FOUND");
    const ids = entries.map((e) => e.messageId);
    const found = tx
      .select({ id: messages.id, conversationId: messages.conversationId })
      .from(messages)
      .innerJoin(members, and(eq(members.conversationId, messages.conversationId), eq(members.userId, me.id)))
      .where(and(inArray(messages.id, ids), sql`${messages.ciphertext} IS NOT NULL`))
      .all();
    const where = new Map(found.map((m) => [m.id, m.conversationId]));
    const unknown = entries.findIndex((e) => !where.has(e.messageId));
    if (unknown >= 0)
      throw new AppError("MESSAGE_NOT_FOUND", "No such encrypted message in your conversations.", `entries.${unknown}`);
    const now = Date.now();
    const result = changesOf(
      tx
        .insert(keyBackupEntries)
        .values(
          entries.map((e) => ({
            userId: me.id,
            messageId: e.messageId,
            conversationId: where.get(e.messageId)!,
            data: e.data,
            createdAt: now,
          })),
        )
        .onConflictDoNothing()
        .run(),
    );
    return { added: result.changes };
  });
}

/** My backup's entries for one conversation, newest first, a page at a time (`before`: a message id). */
export function listBackupEntries(
  db: Db,
  me: UserRow,
  conversationId: string,
  page: { before?: string; limit: number },
): { entries: BackupEntryView[]; more: boolean } {
  requireMember(db, conversationId, me.id);
  const conditions = [eq(keyBackupEntries.userId, me.id), eq(keyBackupEntries.conversationId, conversationId)];
  // Message ids order as their times (lib/ids.ts newTimeOrderedId).
  if (page.before) conditions.push(lt(keyBackupEntries.messageId, page.before));
  const rows = db
    .select({ messageId: keyBackupEntries.messageId, data: keyBackupEntries.data })
    .from(keyBackupEntries)
    .where(and(...conditions))
    .orderBy(desc(keyBackupEntries.messageId))
    .limit(page.limit + 1)
    .all();
  const more = rows.length > page.limit;
  return { entries: more ? rows.slice(0, page.limit) : rows, more };
}
