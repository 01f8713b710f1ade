// Link previews: after a message with a link is written (or edited to another link), the server fetches the
// page's card once, through the outbound guard, and attaches it to the message for everyone: a
// `message.preview` event. The sender can remove it. Never for end-to-end encrypted messages (the server
// cannot read their links, and must not learn them), never when PARLEY_LINK_PREVIEWS is off.
import { eq } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import type { Chat } from "../chat/context.ts";
import { requireAccess } from "../chat/conversations.ts";
import { announceMessageChange } from "../chat/message-changes.ts";
import { findMessage } from "../chat/message-reads.ts";
import type { MessageView } from "../chat/views.ts";
import { removeUnreferenced } from "../files/file-cleanup.ts";
import { makePreviewPicture } from "../files/images.ts";
import { AppError } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { OutboundRefused, parseNetworks, splitList, type OutboundPolicy } from "../lib/outbound.ts";
import type { Config } from "../config/config.ts";
import { firstLink } from "../protocol/message-text.ts";
import type { EventView } from "../protocol/views.ts";
import { linkPreviews } from "../store/message-extras-schema.ts";
import type { Db } from "../store/store.ts";
import { fetchPagePreview, PREVIEW_LIMITS, type PreviewLimits } from "./page-preview.ts";

type PreviewRow = typeof linkPreviews.$inferSelect;

/** Where link previews may go: any public http(s) host on 80/443, and the hosts the admin trusts. */
export function previewOutboundPolicy(
  config: Pick<Config, "linkPreviewTrustedHosts" | "outboundAllowedNetworks">,
): OutboundPolicy {
  return {
    allowedHosts: null,
    schemes: ["https:", "http:"],
    allowedNetworks: parseNetworks(config.outboundAllowedNetworks),
    trustedHosts: splitList(config.linkPreviewTrustedHosts),
  };
}

const rowOf = (db: Db, messageId: string): PreviewRow | undefined =>
  db.select().from(linkPreviews).where(eq(linkPreviews.messageId, messageId)).get();

export class LinkPreviews {
  constructor(
    private readonly chat: Chat,
    private readonly policy: OutboundPolicy,
    private readonly log: Logger,
    private readonly limits: PreviewLimits = PREVIEW_LIMITS,
  ) {}

  /** Called after commit for every published event: a new or edited message with a new first link. */
  onEvent(event: EventView): void {
    if (event.type !== "message.created" && event.type !== "message.updated") return;
    const m = event.message;
    if (!m || m.deleted || m.encrypted) return;
    const link = firstLink(m.text);
    // A new message has no preview yet: no read on the send path for the many without a link.
    const held =
      event.type === "message.created" ? null : (m.preview?.url ?? rowOf(this.chat.store.db, m.id)?.url ?? null);
    if (link === held) return;
    this.chat.background.later("linkPreviewLater", () => this.attach(m, link));
  }

  /** Fetches the link's card (or, with no link left, drops the old one) and attaches it if it still applies. */
  private async attach(m: MessageView, link: string | null): Promise<void> {
    let card: Awaited<ReturnType<typeof fetchPagePreview>> = null;
    let picture: { key: string; width: number; height: number } | null = null;
    if (link) {
      try {
        card = await fetchPagePreview(link, this.policy, this.limits);
      } catch (err) {
        // Refusals (an inward address, another port) and dead links are expected; they change nothing.
        this.log.info("no link preview", {
          messageId: m.id,
          reason: err instanceof OutboundRefused ? `refused: ${err.message}` : String((err as Error).message ?? err),
        });
      }
      if (card?.image) {
        const made = await makePreviewPicture(card.image.type, card.image.bytes);
        if (made) picture = { key: await this.chat.files.put(made.bytes), width: made.width, height: made.height };
      }
    }
    const replaced: string[] = [];
    await this.chat.queue.run((tx, afterCommit) => {
      const row = findMessage(tx, m.conversationId, m.id);
      const old = rowOf(tx, m.id);
      // Edited again, deleted, or removed by the sender meanwhile: this answer is stale.
      if (row.deletedAt !== null || row.ciphertext !== null || firstLink(row.text) !== link) return;
      if (old?.removed && old.url === link) return;
      if (!card && !old) return;
      if (old?.imageKey) replaced.push(old.imageKey);
      tx.delete(linkPreviews).where(eq(linkPreviews.messageId, m.id)).run();
      if (card && link)
        tx.insert(linkPreviews)
          .values({
            messageId: m.id,
            url: link,
            title: card.title,
            description: card.description,
            siteName: card.siteName,
            imageKey: picture?.key ?? null,
            imageWidth: picture?.width ?? null,
            imageHeight: picture?.height ?? null,
            createdAt: Date.now(),
          })
          .run();
      announceMessageChange(tx, afterCommit, this.chat, "message.preview", row.senderId, row);
    });
    // A picture nobody took (a stale answer), or the one replaced: gone unless something else uses the bytes.
    const unused = [...replaced, ...(picture ? [picture.key] : [])];
    if (unused.length > 0) await removeUnreferenced(this.chat.store.db, this.chat.files, unused);
  }
}

/**
 * The sender takes the preview off their message, for everyone: kept as "removed" for that link, so an edit
 * that keeps the link does not fetch it again.
 */
export function removePreview(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  messageId: string,
): Promise<MessageView> {
  return chat.queue
    .run((tx, afterCommit) => {
      requireAccess(tx, conversationId, me.id, "read");
      const row = findMessage(tx, conversationId, messageId);
      if (row.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
      if (row.senderId !== me.id) throw new AppError("FORBIDDEN", "Only its sender can remove a message's preview.");
      const old = rowOf(tx, messageId);
      if (!old || old.removed) throw new AppError("NOT_FOUND", "This message has no preview.");
      tx.update(linkPreviews)
        .set({
          removed: true,
          title: null,
          description: null,
          siteName: null,
          imageKey: null,
          imageWidth: null,
          imageHeight: null,
        })
        .where(eq(linkPreviews.messageId, messageId))
        .run();
      const message = announceMessageChange(tx, afterCommit, chat, "message.preview", me.id, row);
      return { message, picture: old.imageKey };
    })
    .then(async ({ message, picture }) => {
      if (picture) await removeUnreferenced(chat.store.db, chat.files, [picture]);
      return message;
    });
}

/** The stored key of a message's preview picture, for someone who may read the conversation. */
export function previewPicture(db: Db, me: UserRow, conversationId: string, messageId: string): string {
  requireAccess(db, conversationId, me.id, "read");
  findMessage(db, conversationId, messageId);
  const key = rowOf(db, messageId)?.imageKey;
  if (!key) throw new AppError("NOT_FOUND", "This message's preview has no picture.");
  return key;
}
