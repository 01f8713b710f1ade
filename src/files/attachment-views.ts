// How a stored file looks to clients, and the files of a list of messages: the read side of attachments,
// which message views need without depending on how uploads arrive.
import { inArray } from "drizzle-orm";
import { attachments } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { AttachmentView } from "../protocol/views.ts";

export type AttachmentRow = typeof attachments.$inferSelect;

export type { AttachmentView };

export function toAttachmentView(a: AttachmentRow): AttachmentView {
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

export function attachmentsOf(db: Db, messageIds: string[]): Map<string, AttachmentView[]> {
  const out = new Map<string, AttachmentView[]>();
  if (messageIds.length === 0) return out;
  for (const a of db
    .select()
    .from(attachments)
    .where(inArray(attachments.messageId, messageIds))
    .orderBy(attachments.createdAt)
    .all()) {
    const list = out.get(a.messageId!) ?? [];
    list.push(toAttachmentView(a));
    out.set(a.messageId!, list);
  }
  return out;
}
