// Uploads and the messages that carry them: how files arrive (direct or presigned), who may fetch them,
// and when their bytes go.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { hashSecret, newId, randomToken } from "../lib/ids.ts";
import { toIso } from "../lib/time.ts";
import { findMember } from "../chat/conversations.ts";
import { attachments } from "../store/schema.ts";
import type { Db, Store } from "../store/store.ts";
import { toAttachmentView, type AttachmentRow, type AttachmentView } from "./attachment-views.ts";
import type { FileStore, TempFile, TempFiles } from "./file-store.ts";
import { describeImage } from "./images.ts";
import { stripMetadata } from "./image-metadata.ts";
import type { DiskSpace } from "../ops/disk-space.ts";
import { boundaryOf, readFilePart } from "./multipart.ts";
import { removeUnreferenced } from "./file-cleanup.ts";
import { safeFileName, sniffType } from "./sniff.ts";
import { formatSize } from "../protocol/sizes.ts";

/** What the files domain needs: the database, where bytes go, and the limits. */
export interface Media {
  store: Store;
  files: FileStore;
  temps: TempFiles;
  disk: DiskSpace;
  limits: { maxUploadBytes: number; userQuotaBytes: number; stripImageLocation: boolean; uploadUrlTtlSeconds: number };
}

/**
 * A body as the files domain sees it, whoever carried it (HTTP today): what the client declared, and the
 * bytes as they stream in. The domain never sees a Request.
 */
export interface IncomingBody {
  contentType: string | undefined;
  /** Content-Length, or NaN when the client did not say (chunked). */
  declaredBytes: number;
  stream: ReadableStream<Uint8Array> | null;
}

export const MAX_ATTACHMENTS = 10;
/** Images larger than this are stored as they are, without preview or metadata removal. */
const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png", "image/webp", "image/gif"]);

/** Below the free-space floor the last room is kept for messages: no new file bytes are taken in. */
export function requireDiskRoom(m: Pick<Media, "disk">): void {
  if (m.disk.isBelowFloor())
    throw new AppError(
      "STORAGE_FULL",
      "The server's disk is almost full; files cannot be uploaded until space is freed.",
      undefined,
      60,
    );
}

/** Room for the multipart envelope around the file itself. */
const ENVELOPE_BYTES = 16 * 1024;

function roomLeft(db: Db, me: UserRow, quota: number): number {
  const used = db
    .select({ n: sql<number>`coalesce(sum(${attachments.size}), 0)` })
    .from(attachments)
    .where(eq(attachments.ownerId, me.id))
    .get()!.n;
  return quota - used;
}

/**
 * Checks an upload that has fully arrived, takes location metadata out of photos, makes a preview, and
 * moves it into the store. The temporary file is gone afterwards whatever happens.
 */
async function ingest(
  m: Media,
  temp: TempFile,
): Promise<Pick<AttachmentRow, "sha256" | "size" | "type" | "storageKey" | "width" | "height" | "thumbKey">> {
  let current = temp;
  try {
    const type = sniffType(current.head);
    let facts = null;
    if (IMAGE_TYPES.has(type) && current.size <= MAX_IMAGE_BYTES) {
      let bytes: Uint8Array = await Bun.file(current.path).bytes();
      const clean = m.limits.stripImageLocation ? stripMetadata(type, bytes) : null;
      if (clean) {
        m.temps.discard(current);
        current = await m.temps.fromBytes(clean);
        bytes = clean;
      }
      facts = await describeImage(type, bytes);
    }
    const thumbKey = facts?.thumbnail ? await m.files.put(facts.thumbnail) : null;
    const { sha256, size } = current;
    const storageKey = await m.files.commit(current).catch(async (err) => {
      await forgetStored(m, [thumbKey]);
      throw err;
    });
    return { sha256, size, type, storageKey, width: facts?.width ?? null, height: facts?.height ?? null, thumbKey };
  } finally {
    m.temps.discard(current);
  }
}

/**
 * Direct upload: one file from a multipart request body, streamed to a temporary file and then stored.
 * Refuses what is too big before reading it when the size is declared, and while streaming when it is
 * not; stores nothing on any failure.
 */
export async function receiveUpload(m: Media, me: UserRow, body: IncomingBody): Promise<AttachmentView> {
  const { maxUploadBytes, userQuotaBytes } = m.limits;
  const boundary = boundaryOf(body.contentType);
  const declared = body.declaredBytes;
  if (declared > maxUploadBytes + ENVELOPE_BYTES)
    throw new AppError("PAYLOAD_TOO_LARGE", `Files may be at most ${formatSize(maxUploadBytes)}.`);
  requireDiskRoom(m);
  const room = roomLeft(m.store.db, me, userQuotaBytes);
  if (room <= 0 || (Number.isFinite(declared) && declared - ENVELOPE_BYTES > room))
    throw new AppError("QUOTA_EXCEEDED");
  const stream = body.stream;
  if (!stream) throw new AppError("BAD_REQUEST", "The request has no body.");
  const { temp, result } = await m.temps.receive((write) =>
    readFilePart(stream, boundary, "file", Math.min(maxUploadBytes, room), write),
  );
  const stored = await ingest(m, temp);
  const row: AttachmentRow = {
    ...emptyRow(me.id, safeFileName(result.filename)),
    ...stored,
  };
  await recordStored(m, stored, () => m.store.write((tx) => tx.insert(attachments).values(row).run(), "upload"));
  return toAttachmentView(row);
}

/**
 * A file brought in by an import (files/…/in a Slack export): stored and described as an upload would be,
 * for its owner; the caller writes the row with the message that carries it.
 */
export async function storeImportedFile(
  m: Media,
  ownerId: string,
  name: string,
  bytes: Uint8Array,
): Promise<AttachmentRow> {
  requireDiskRoom(m);
  const stored = await ingest(m, await m.temps.fromBytes(bytes));
  return { ...emptyRow(ownerId, safeFileName(name)), ...stored };
}

/**
 * Writes the row that refers to bytes just stored. When that write fails (a full disk, a locked
 * database), bytes that nothing refers to are removed again, so a failed upload leaves nothing behind.
 */
async function recordStored<T>(
  m: Media,
  stored: Pick<AttachmentRow, "storageKey" | "thumbKey">,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (err) {
    await forgetStored(m, [stored.storageKey, stored.thumbKey]);
    throw err;
  }
}

async function forgetStored(m: Media, keys: (string | null)[]): Promise<void> {
  const present = keys.filter((k): k is string => k !== null);
  // Best effort: if even this fails, the bytes stay where no row names them, so they are never served.
  await removeUnreferenced(m.store.db, m.files, present).catch(() => {});
}

function emptyRow(ownerId: string, name: string): AttachmentRow {
  return {
    id: newId(),
    ownerId,
    sha256: "",
    size: 0,
    name,
    type: "application/octet-stream",
    storageKey: null,
    status: "ready",
    width: null,
    height: null,
    thumbKey: null,
    uploadTokenHash: null,
    uploadExpiresAt: null,
    messageId: null,
    conversationId: null,
    createdAt: Date.now(),
  };
}

export interface PresignedUpload {
  attachment: AttachmentView;
  upload: { url: string; method: "PUT"; expiresAt: string };
}

/**
 * Presigned flow, step 1: reserves room for a file of the declared size and hands out a short-lived URL
 * to PUT its bytes to — the bucket itself with S3 storage, or Parley's own signed endpoint on local disk.
 * The type the client names is only a hint; what the file is gets decided from its bytes on completion.
 */
export async function startPresignedUpload(
  m: Media,
  me: UserRow,
  input: { name: string; size: number },
  publicUrl: string,
): Promise<PresignedUpload> {
  if (input.size > m.limits.maxUploadBytes)
    throw new AppError("PAYLOAD_TOO_LARGE", `Files may be at most ${formatSize(m.limits.maxUploadBytes)}.`, "size");
  requireDiskRoom(m);
  if (input.size > roomLeft(m.store.db, me, m.limits.userQuotaBytes))
    throw new AppError("QUOTA_EXCEEDED", undefined, "size");
  const row: AttachmentRow = { ...emptyRow(me.id, safeFileName(input.name)), size: input.size, status: "pending" };
  const expiresAt = row.createdAt + m.limits.uploadUrlTtlSeconds * 1000;
  const signed = m.files.presignPut(m.limits.uploadUrlTtlSeconds);
  let url: string;
  if (signed) {
    row.storageKey = signed.object;
    url = signed.url;
  } else {
    const token = randomToken(20);
    row.uploadTokenHash = hashSecret(token);
    url = `${publicUrl}/api/v1/uploads/${row.id}/content?token=${token}`;
  }
  row.uploadExpiresAt = expiresAt;
  await m.store.write((tx) => tx.insert(attachments).values(row).run(), "upload");
  return { attachment: toAttachmentView(row), upload: { url, method: "PUT", expiresAt: toIso(expiresAt)! } };
}

/** Presigned flow on local storage, step 2: the bytes, PUT to the signed URL (the token is the credential). */
export async function receivePresignedContent(
  m: Media,
  id: string,
  token: string,
  incoming: IncomingBody,
): Promise<void> {
  const row = m.store.db.select().from(attachments).where(eq(attachments.id, id)).get();
  const valid =
    row &&
    row.status === "pending" &&
    row.uploadTokenHash !== null &&
    row.uploadTokenHash === hashSecret(token) &&
    Date.now() < row.uploadExpiresAt!;
  if (!valid) throw new AppError("UPLOAD_LINK_INVALID");
  requireDiskRoom(m);
  if (!incoming.stream) throw new AppError("BAD_REQUEST", "The request has no body.");
  const body = incoming.stream;
  const declared = incoming.declaredBytes;
  const temp = await withinAnnouncedSize(m, row, async () => {
    if (declared > row.size) throw new AppError("PAYLOAD_TOO_LARGE");
    return m.temps.fromStream(body, row.size);
  });
  await finish(m, row, temp);
}

/** Presigned flow, step 3: the client says the bytes are up; the file is checked and becomes sendable. */
export async function completePresignedUpload(m: Media, me: UserRow, id: string): Promise<AttachmentView> {
  const row = m.store.db
    .select()
    .from(attachments)
    .where(and(eq(attachments.id, id), eq(attachments.ownerId, me.id), isNull(attachments.messageId)))
    .get();
  if (!row) throw new AppError("ATTACHMENT_NOT_FOUND");
  if (row.status === "ready") return toAttachmentView(row);
  const temp = row.storageKey
    ? await withinAnnouncedSize(m, row, () => m.files.fetchPresigned(row.storageKey!, row.size))
    : null;
  if (!temp) throw new AppError("UPLOAD_INCOMPLETE");
  return toAttachmentView(await finish(m, row, temp));
}

/**
 * Bytes of another size than announced discard the upload (the client asks for a new URL); an upload cut
 * off on its way does not, so the same URL can be tried again.
 */
async function withinAnnouncedSize<T>(m: Media, row: AttachmentRow, receive: () => Promise<T>): Promise<T> {
  try {
    return await receive();
  } catch (err) {
    if (err instanceof AppError && err.code === "PAYLOAD_TOO_LARGE")
      await discardUpload(m, row, `More than the announced ${row.size} bytes arrived.`);
    throw err;
  }
}

async function discardUpload(m: Media, row: AttachmentRow, why: string): Promise<never> {
  await m.store.write((tx) => tx.delete(attachments).where(eq(attachments.id, row.id)).run(), "upload");
  throw new AppError("UPLOAD_SIZE_MISMATCH", why);
}

async function finish(m: Media, row: AttachmentRow, temp: TempFile): Promise<AttachmentRow> {
  if (temp.size !== row.size) {
    m.temps.discard(temp);
    await discardUpload(m, row, `${temp.size} bytes arrived; ${row.size} were announced.`);
  }
  const stored = await ingest(m, temp);
  return recordStored(m, stored, () =>
    m.store.write(
      (tx) =>
        tx
          .update(attachments)
          .set({ ...stored, status: "ready", uploadTokenHash: null, uploadExpiresAt: null })
          .where(eq(attachments.id, row.id))
          .returning()
          .get()!,
      "upload",
    ),
  );
}

/**
 * Attaches my finished, unsent uploads to a message being stored (in its transaction). Anything else —
 * someone else's file, one already sent, one still uploading, an unknown id — is refused as one, so ids
 * cannot be probed.
 */
export function attachToMessage(
  tx: Db,
  me: UserRow,
  conversationId: string,
  messageId: string,
  ids: string[],
): AttachmentView[] {
  if (ids.length === 0) return [];
  const unique = [...new Set(ids)];
  const mine = tx
    .select()
    .from(attachments)
    .where(
      and(
        inArray(attachments.id, unique),
        eq(attachments.ownerId, me.id),
        isNull(attachments.messageId),
        eq(attachments.status, "ready"),
      ),
    )
    .orderBy(attachments.createdAt)
    .all();
  if (mine.length !== unique.length) throw new AppError("ATTACHMENT_NOT_FOUND", undefined, "attachmentIds");
  tx.update(attachments).set({ messageId, conversationId }).where(inArray(attachments.id, unique)).run();
  // As the message's view lists them (attachmentsOf), so a new message needs no read back.
  return mine.map(toAttachmentView);
}

/** A file I may fetch: my own upload, or one shared in a conversation I am in now. Otherwise 403, existing or not. */
export function requireReadableFile(db: Db, me: UserRow, id: string): AttachmentRow & { storageKey: string } {
  const a = db.select().from(attachments).where(eq(attachments.id, id)).get();
  const allowed =
    a &&
    a.status === "ready" &&
    (a.conversationId === null ? a.ownerId === me.id : Boolean(findMember(db, a.conversationId, me.id)));
  if (!allowed) throw new AppError("FORBIDDEN", "You cannot see this file.");
  return a as AttachmentRow & { storageKey: string };
}
