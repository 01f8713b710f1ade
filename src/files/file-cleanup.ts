// What goes when files are no longer wanted: a deleted message's files and link preview picture, uploads
// never sent, and the stored bytes once nothing refers to them (the same bytes are stored once, so they go
// only when no file, preview, avatar or logo uses them).
import { and, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { getLogoKey } from "../accounts/instance-settings.ts";
import { attachments, conversations, users } from "../store/schema.ts";
import { linkPreviews } from "../store/message-extras-schema.ts";
import type { Db, Store } from "../store/store.ts";
import type { AttachmentRow } from "./attachment-views.ts";
import type { FileStore } from "./file-store.ts";

/** Forgets files deleted with their message (its attachments and its link preview with its picture); returns their keys. */
export function dropMessageFiles(tx: Db, messageIds: string[]): string[] {
  if (messageIds.length === 0) return [];
  // A link preview's picture is the message's too.
  const pictures = tx
    .delete(linkPreviews)
    .where(inArray(linkPreviews.messageId, messageIds))
    .returning({ key: linkPreviews.imageKey })
    .all()
    .flatMap((r) => (r.key ? [r.key] : []));
  return [
    ...keysOf(tx.delete(attachments).where(inArray(attachments.messageId, messageIds)).returning().all()),
    ...pictures,
  ];
}

const keysOf = (rows: AttachmentRow[]) =>
  rows.flatMap((r) => [r.storageKey, r.thumbKey]).filter((k): k is string => k !== null);

/**
 * Uploads no message carries after `olderThanMs` are removed (a presigned one still in its bucket
 * included), and bytes nothing refers to any more go with them.
 */
export async function sweepFiles(store: Store, files: FileStore, olderThanMs: number): Promise<number> {
  const stale = await store.write(
    (tx) =>
      tx
        .delete(attachments)
        .where(and(isNull(attachments.messageId), lt(attachments.createdAt, Date.now() - olderThanMs)))
        .returning()
        .all(),
    "sweep",
  );
  return removeUnreferenced(store.db, files, keysOf(stale));
}

/** Whether any file, preview or avatar still uses these bytes (the same bytes are stored once). */
function isReferenced(db: Db, key: string): boolean {
  return Boolean(
    db
      .select({ id: attachments.id })
      .from(attachments)
      .where(or(eq(attachments.storageKey, key), eq(attachments.thumbKey, key)))
      .get() ??
    db.select({ id: users.id }).from(users).where(eq(users.avatarKey, key)).get() ??
    db.select({ id: linkPreviews.messageId }).from(linkPreviews).where(eq(linkPreviews.imageKey, key)).get() ??
    db.select({ id: conversations.id }).from(conversations).where(eq(conversations.avatarKey, key)).get() ??
    (getLogoKey(db) === key || undefined),
  );
}

export async function removeUnreferenced(db: Db, files: FileStore, keys: string[]): Promise<number> {
  let removed = 0;
  for (const key of new Set(keys)) {
    if (!isReferenced(db, key)) {
      await files.remove(key);
      removed++;
    }
  }
  return removed;
}
