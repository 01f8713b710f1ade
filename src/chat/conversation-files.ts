// A conversation's "Files and media": its pictures and videos, or its other files, newest first, for members.
import type { UserRow } from "../accounts/sessions.ts";
import { listConversationFiles, type ConversationFileView, type FileKind } from "../files/attachment-views.ts";
import type { Db } from "../store/store.ts";
import { requireAccess } from "./conversations.ts";
import { findMessage } from "./message-reads.ts";

export function conversationFiles(
  db: Db,
  me: UserRow,
  conversationId: string,
  page: { kind: FileKind; before?: string; limit: number },
): { files: ConversationFileView[]; more: boolean } {
  requireAccess(db, conversationId, me.id, "read");
  const beforeSeq = page.before ? findMessage(db, conversationId, page.before, "before").seq : Number.MAX_SAFE_INTEGER;
  const { files, more } = listConversationFiles(db, conversationId, page.kind, beforeSeq, page.limit);
  return { files: files.map(({ seq: _seq, ...f }) => f), more };
}
