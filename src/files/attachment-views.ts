// How a stored file looks to clients, and the files of a list of messages: the read side of attachments,
// which message views need without depending on how uploads arrive.
import type { attachments } from "../store/schema.ts";
import { connectionOf } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { AttachmentView } from "../protocol/views.ts";

export type AttachmentRow = typeof attachments.$inferSelect;

export type { AttachmentView };

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
