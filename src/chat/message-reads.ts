// The read model of messages: finding one, and filling in what people added to a list of them (reactions,
// mentions, pins, forwarded-from, files) in a few batched queries. Everything that shows messages reads
// through here; nothing here writes.
import { and, asc, eq, inArray } from "drizzle-orm";
import { attachmentsOf } from "../files/attachment-views.ts";
import { AppError } from "../lib/errors.ts";
import { mentions, messages, pins, reactions, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { UserRow } from "../accounts/sessions.ts";
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

/** Fills in reactions, mentions, pins and forwarded-from for messages about to be shown. */
export function decorateMessages(db: Db, views: MessageView[]): MessageView[] {
  const live = views.filter((v) => !v.deleted);
  if (live.length === 0) return views;
  const ids = live.map((v) => v.id);
  const byId = new Map(live.map((v) => [v.id, v]));
  for (const r of db
    .select()
    .from(reactions)
    .where(inArray(reactions.messageId, ids))
    .orderBy(asc(reactions.createdAt))
    .all()) {
    const v = byId.get(r.messageId)!;
    let group = v.reactions.find((x) => x.emoji === r.emoji);
    if (!group) v.reactions.push((group = { emoji: r.emoji, count: 0, userIds: [] }));
    group.count++;
    group.userIds.push(r.userId);
  }
  for (const m of db.select().from(mentions).where(inArray(mentions.messageId, ids)).all()) {
    const v = byId.get(m.messageId)!;
    if (m.everyone) v.mentions.everyone = true;
    else if (m.userId) v.mentions.userIds.push(m.userId);
  }
  for (const p of db.select({ messageId: pins.messageId }).from(pins).where(inArray(pins.messageId, ids)).all())
    byId.get(p.messageId)!.pinned = true;
  const forwarded = db
    .select({ id: messages.id, sender: users })
    .from(messages)
    .innerJoin(users, eq(messages.forwardedFromSenderId, users.id))
    .where(inArray(messages.id, ids))
    .all();
  for (const f of forwarded) byId.get(f.id)!.forwardedFrom = toSenderView(f.sender);
  for (const [messageId, list] of attachmentsOf(db, ids)) byId.get(messageId)!.attachments = list;
  return views;
}

/** Message rows joined with their senders, as clients see them: mapped and decorated in one batch. */
export function toMessageViews(db: Db, rows: { m: MessageRow; u: UserRow }[]): MessageView[] {
  return decorateMessages(
    db,
    rows.map(({ m, u }) => toMessageView(m, u)),
  );
}
