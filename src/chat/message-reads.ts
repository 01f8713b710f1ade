// The read model of messages: finding one, and filling in what people added to a list of them (reactions,
// mentions, pins, forwarded-from, files) in a few batched queries. Everything that shows messages reads
// through here; nothing here writes.
import { and, eq } from "drizzle-orm";
import { findUserById } from "../accounts/users.ts";
import { attachmentsOf } from "../files/attachment-views.ts";
import { AppError } from "../lib/errors.ts";
import { messages } from "../store/schema.ts";
import { connectionOf } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import { threadSummaries } from "./thread-summaries.ts";
import { toMessageView, toSenderView, type MessageRow, type MessageView } from "./views.ts";

export function findMessage(db: Db, conversationId: string, messageId: string, field?: string): MessageRow {
  const m = db
    .select()
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.conversationId, conversationId)))
    .get();
  if (!m) throw new AppError("MESSAGE_NOT_FOUND", undefined, field);
  return m;
}

/** The columns of a message row under the names drizzle gives them (MessageRow), for raw statements. */
export const MESSAGE_COLUMNS = `seq, id, conversation_id AS conversationId, sender_id AS senderId, client_id AS clientId,
  text, reply_to_id AS replyToId, thread_root_id AS threadRootId, forwarded_from_id AS forwardedFromId,
  forwarded_from_sender_id AS forwardedFromSenderId, created_at AS createdAt, edited_at AS editedAt,
  deleted_at AS deletedAt, ciphertext, sender_device AS senderDevice`;

interface PreviewRow {
  messageId: string;
  url: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  imageKey: string | null;
  imageWidth: number | null;
  imageHeight: number | null;
}

/** Where a message is in the API (its preview's picture is under it). */
const messagePath = (v: MessageView) =>
  `/api/v1/conversations/${encodeURIComponent(v.conversationId)}/messages/${encodeURIComponent(v.id)}`;

/**
 * Message rows as clients see them: senders and who a forward came from taken from the users cache, then
 * threads' summaries, reactions, mentions, pins, files and link previews filled in with one statement each for the whole list (ids passed as
 * one JSON array). Every read that shows messages comes through here.
 */
export function toMessageViews(db: Db, rows: MessageRow[]): MessageView[] {
  const views = rows.map((m) => {
    const view = toMessageView(m, findUserById(db, m.senderId)!);
    const from = m.forwardedFromSenderId && m.deletedAt === null ? findUserById(db, m.forwardedFromSenderId) : null;
    if (from) view.forwardedFrom = toSenderView(from);
    return view;
  });
  // A deleted first message keeps its thread: its replies are still there to read.
  const roots = views.filter((v) => v.threadRootId === null);
  if (roots.length > 0) {
    const byRoot = new Map(roots.map((v) => [v.id, v]));
    for (const [rootId, summary] of threadSummaries(db, [...byRoot.keys()])) byRoot.get(rootId)!.thread = summary;
  }
  const live = views.filter((v) => !v.deleted);
  if (live.length === 0) return views;
  const sqlite = connectionOf(db);
  const ids = JSON.stringify(live.map((v) => v.id));
  const byId = new Map(live.map((v) => [v.id, v]));
  const reactionRows = sqlite
    .query<{ messageId: string; userId: string; emoji: string }, [string]>(
      `SELECT message_id AS messageId, user_id AS userId, emoji FROM reactions
        WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY created_at`,
    )
    .all(ids);
  for (const r of reactionRows) {
    const v = byId.get(r.messageId)!;
    let group = v.reactions.find((x) => x.emoji === r.emoji);
    if (!group) v.reactions.push((group = { emoji: r.emoji, count: 0, userIds: [] }));
    group.count++;
    group.userIds.push(r.userId);
  }
  const mentionRows = sqlite
    .query<{ messageId: string; userId: string | null; everyone: number }, [string]>(
      `SELECT message_id AS messageId, user_id AS userId, everyone FROM mentions
        WHERE message_id IN (SELECT value FROM json_each(?))`,
    )
    .all(ids);
  for (const m of mentionRows) {
    const v = byId.get(m.messageId)!;
    if (m.everyone) v.mentions.everyone = true;
    else if (m.userId) v.mentions.userIds.push(m.userId);
  }
  // Pins are keyed by conversation first: asked per conversation (a page is one), the key finds them.
  for (const conversationId of new Set(live.map((v) => v.conversationId))) {
    const pinRows = sqlite
      .query<{ messageId: string }, [string, string]>(
        `SELECT message_id AS messageId FROM pins
          WHERE conversation_id = ? AND message_id IN (SELECT value FROM json_each(?))`,
      )
      .all(conversationId, ids);
    for (const p of pinRows) byId.get(p.messageId)!.pinned = true;
  }
  for (const [messageId, list] of attachmentsOf(db, ids)) byId.get(messageId)!.attachments = list;
  const previewRows = sqlite
    .query<PreviewRow, [string]>(
      `SELECT message_id AS messageId, url, title, description, site_name AS siteName, image_key AS imageKey,
              image_width AS imageWidth, image_height AS imageHeight
         FROM link_previews WHERE message_id IN (SELECT value FROM json_each(?)) AND removed = 0`,
    )
    .all(ids);
  for (const p of previewRows) {
    const v = byId.get(p.messageId)!;
    v.preview = {
      url: p.url,
      title: p.title ?? p.url,
      description: p.description,
      siteName: p.siteName,
      image:
        p.imageKey && p.imageWidth && p.imageHeight
          ? { url: `${messagePath(v)}/preview/image`, width: p.imageWidth, height: p.imageHeight }
          : null,
    };
  }
  return views;
}
