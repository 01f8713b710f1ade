// How a stored file looks to clients, and the files of a list of messages: the read side of attachments,
// which message views need without depending on how uploads arrive.
import type { attachments } from "../store/schema.ts";
import { connectionOf } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { AttachmentView, ConversationFileView } from "../protocol/views.ts";

export type AttachmentRow = typeof attachments.$inferSelect;

export type { AttachmentView, ConversationFileView };

export function toAttachmentView(
  a: Pick<AttachmentRow, "id" | "name" | "size" | "type" | "width" | "height" | "thumbKey">,
): AttachmentView {
  return {
    id: a.id,
    name: a.name,
    size: a.size,
    type: a.type,
    url: `/api/v1/files/${a.id}`,
    width: a.width,
    height: a.height,
    thumbnailUrl: a.thumbKey ? `/api/v1/files/${a.id}/thumbnail` : null,
  };
}

/** The files of messages (ids as one JSON array), in the order they were attached. */
export function attachmentsOf(db: Db, messageIdsJson: string): Map<string, AttachmentView[]> {
  const out = new Map<string, AttachmentView[]>();
  const rows = connectionOf(db)
    .query<
      Pick<AttachmentRow, "id" | "name" | "size" | "type" | "width" | "height" | "thumbKey"> & { messageId: string },
      [string]
    >(
      `SELECT id, message_id AS messageId, name, size, type, width, height, thumb_key AS thumbKey FROM attachments
        WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY created_at`,
    )
    .all(messageIdsJson);
  for (const a of rows) {
    const list = out.get(a.messageId) ?? [];
    list.push(toAttachmentView(a));
    out.set(a.messageId, list);
  }
  return out;
}

/** Pictures and videos, or everything else. */
export type FileKind = "media" | "files";

/**
 * A conversation's files, newest first, older than the message `beforeSeq`: pictures and videos, or the
 * other files. Deleted messages' files are gone already; encrypted messages' files are left out (the server
 * has only their sealed bytes and a placeholder name).
 */
export function listConversationFiles(
  db: Db,
  conversationId: string,
  kind: FileKind,
  beforeSeq: number,
  limit: number,
): { files: (ConversationFileView & { seq: number })[]; more: boolean } {
  const rows = connectionOf(db)
    .query<
      Pick<AttachmentRow, "id" | "name" | "size" | "type" | "width" | "height" | "thumbKey"> & {
        messageId: string;
        threadRootId: string | null;
        senderId: string;
        createdAt: number;
        seq: number;
      },
      [string, number, number, number]
    >(
      `SELECT a.id, a.message_id AS messageId, a.name, a.size, a.type, a.width, a.height, a.thumb_key AS thumbKey,
              m.thread_root_id AS threadRootId, m.sender_id AS senderId, m.created_at AS createdAt, m.seq
         FROM attachments a JOIN messages m ON m.id = a.message_id
        WHERE a.conversation_id = ?1 AND m.seq < ?2 AND m.deleted_at IS NULL AND m.ciphertext IS NULL
          AND ((a.type LIKE 'image/%' OR a.type LIKE 'video/%') = ?3)
        ORDER BY m.seq DESC, a.created_at DESC LIMIT ?4`,
    )
    .all(conversationId, beforeSeq, kind === "media" ? 1 : 0, limit + 1);
  return {
    files: rows.slice(0, limit).map((r) => ({
      attachment: toAttachmentView(r),
      messageId: r.messageId,
      threadRootId: r.threadRootId,
      senderId: r.senderId,
      createdAt: new Date(r.createdAt).toISOString(),
      seq: r.seq,
    })),
    more: rows.length > limit,
  };
}
