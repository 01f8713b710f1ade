// Uploads and the messages that carry them: who may fetch a file, and how it is answered.
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { findMember } from "../chat/conversations.ts";
import { attachments } from "../store/schema.ts";
import type { Db, Store } from "../store/store.ts";
import type { LocalFiles } from "./local-store.ts";
import { boundaryOf, readFilePart } from "./multipart.ts";
import { safeFileName, sniffType } from "./sniff.ts";

export type AttachmentRow = typeof attachments.$inferSelect;

export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  type: string;
  url: string;
}

export const MAX_ATTACHMENTS = 10;

export function toAttachmentView(a: AttachmentRow): AttachmentView {
  return { id: a.id, name: a.name, size: a.size, type: a.type, url: `/api/v1/files/${a.id}` };
}

/** Room for the multipart envelope around the file itself. */
const ENVELOPE_BYTES = 16 * 1024;

/**
 * Takes one file from a multipart request body into the store. Refuses what is too big before reading
 * it when the size is declared, and while streaming when it is not; stores nothing on any failure.
 */
export async function receiveUpload(
  store: Store,
  files: LocalFiles,
  me: UserRow,
  req: Request,
  limits: { maxUploadBytes: number; userQuotaBytes: number },
): Promise<AttachmentView> {
  const boundary = boundaryOf(req.headers.get("content-type") ?? undefined);
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > limits.maxUploadBytes + ENVELOPE_BYTES) throw new AppError("PAYLOAD_TOO_LARGE", `Files may be at most ${limits.maxUploadBytes} bytes.`);
  const used = store.db.select({ n: sql<number>`coalesce(sum(${attachments.size}), 0)` }).from(attachments).where(eq(attachments.ownerId, me.id)).get()!.n;
  const room = limits.userQuotaBytes - used;
  if (room <= 0 || (Number.isFinite(declared) && declared - ENVELOPE_BYTES > room)) throw new AppError("QUOTA_EXCEEDED");
  if (!req.body) throw new AppError("BAD_REQUEST", "The request has no body.");
  const got = await files.receive((write) => readFilePart(req.body!, boundary, "file", Math.min(limits.maxUploadBytes, room), write));
  const row: AttachmentRow = {
    id: newId(),
    ownerId: me.id,
    sha256: got.sha256,
    size: got.size,
    name: safeFileName(got.result.filename),
    type: sniffType(got.head),
    messageId: null,
    conversationId: null,
    createdAt: Date.now(),
  };
  store.db.insert(attachments).values(row).run();
  return toAttachmentView(row);
}

/**
 * Attaches my unsent uploads to a message being stored (in its transaction). Anything else — someone
 * else's file, one already sent, an unknown id — is refused as one, so ids cannot be probed.
 */
export function attachToMessage(tx: Db, me: UserRow, conversationId: string, messageId: string, ids: string[]): void {
  if (ids.length === 0) return;
  const unique = [...new Set(ids)];
  const mine = tx.select({ id: attachments.id }).from(attachments).where(and(inArray(attachments.id, unique), eq(attachments.ownerId, me.id), isNull(attachments.messageId))).all();
  if (mine.length !== unique.length) throw new AppError("ATTACHMENT_NOT_FOUND", undefined, "attachmentIds");
  tx.update(attachments).set({ messageId, conversationId }).where(inArray(attachments.id, unique)).run();
}

export function attachmentsOf(db: Db, messageIds: string[]): Map<string, AttachmentView[]> {
  const out = new Map<string, AttachmentView[]>();
  if (messageIds.length === 0) return out;
  for (const a of db.select().from(attachments).where(inArray(attachments.messageId, messageIds)).orderBy(attachments.createdAt).all()) {
    const list = out.get(a.messageId!) ?? [];
    list.push(toAttachmentView(a));
    out.set(a.messageId!, list);
  }
  return out;
}

/** A file I may fetch: my own upload, or one shared in a conversation I am in now. Otherwise 403, existing or not. */
export function requireReadableFile(db: Db, me: UserRow, id: string): AttachmentRow {
  const a = db.select().from(attachments).where(eq(attachments.id, id)).get();
  const allowed =
    a &&
    (a.conversationId === null
      ? a.ownerId === me.id
      : Boolean(findMember(db, a.conversationId, me.id)));
  if (!allowed) throw new AppError("FORBIDDEN", "You cannot see this file.");
  return a!;
}

/** Forgets files deleted with their message (the words and the files go together); returns their hashes. */
export function dropMessageFiles(tx: Db, messageIds: string[]): string[] {
  if (messageIds.length === 0) return [];
  return tx.delete(attachments).where(inArray(attachments.messageId, messageIds)).returning({ sha256: attachments.sha256 }).all().map((r) => r.sha256);
}

/** Uploads never sent within a day are removed, and bytes nothing refers to any more go with them. */
export function sweepFiles(db: Db, files: LocalFiles, olderThanMs = 24 * 3600_000): number {
  const stale = db
    .delete(attachments)
    .where(and(isNull(attachments.messageId), lt(attachments.createdAt, Date.now() - olderThanMs)))
    .returning({ sha256: attachments.sha256 })
    .all();
  return removeUnreferenced(db, files, stale.map((s) => s.sha256));
}

export function removeUnreferenced(db: Db, files: LocalFiles, shas: string[]): number {
  let removed = 0;
  for (const sha of new Set(shas)) {
    if (!db.select({ id: attachments.id }).from(attachments).where(eq(attachments.sha256, sha)).get()) {
      files.remove(sha);
      removed++;
    }
  }
  return removed;
}
