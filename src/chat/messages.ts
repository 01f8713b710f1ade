import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { UserRow } from "../accounts/sessions.ts";
import { findUserById } from "../accounts/users.ts";
import { AppError } from "../lib/errors.ts";
import { newTimeOrderedId } from "../lib/ids.ts";
import { messages, messageVersions } from "../store/schema.ts";
import { changesOf, connectionOf, prepared } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { OffThreadJob } from "../store/write-queue.ts";
import { INSERT_MESSAGE, MARK_SENDER_READ, type NewMessageFields } from "./send-sql.ts";
import { threadError, type SendOutcome, type SendPlan } from "./send-protocol.ts";
import type { Chat } from "./context.ts";
import { requireAccess } from "./conversations.ts";
import { attachToMessage, MAX_ATTACHMENTS } from "../files/attachments.ts";
import { dropMessageFiles, removeUnreferenced } from "../files/file-cleanup.ts";
import { mentionRows, mentionsView, recordMentions, type MentionRow } from "./mentions.ts";
import { findMessage, toMessageViews } from "./message-reads.ts";
import { forgetExtras } from "./message-versions.ts";
import { can, requireRight } from "./permissions.ts";
import { appendEvent, toEventView, type EventRow } from "./events.ts";
import { MAX_APPLICATION_BYTES, readGroupMessage, type GroupFraming } from "../e2ee/mls-wire.ts";
import { requireEncryptedSend } from "../e2ee/groups.ts";
import { toMessageView, toSenderView, type MessageRow, type MessageView } from "./views.ts";
import { followOnReply, requireThreadRoot, tellFollowersLater } from "./threads.ts";
import { threadOf, threadSummaries } from "./thread-summaries.ts";

export const MAX_TEXT_BYTES = 16 * 1024;
const MAX_APPLICATION_BASE64 = Math.ceil(MAX_APPLICATION_BYTES / 3) * 4;

/** Message text: 1 to 16 KiB of valid UTF-8 (no lone surrogates), not only blanks. */
export const messageText = z
  .string()
  .refine((t) => t.isWellFormed(), "must be valid UTF-8 text")
  .refine((t) => t.trim().length > 0, "must not be empty")
  .refine((t) => Buffer.byteLength(t, "utf8") <= MAX_TEXT_BYTES, `may be at most ${MAX_TEXT_BYTES} bytes`);

/** A client-generated id that makes a send idempotent: printable ASCII, e.g. a UUID. */
export const clientId = z.string().regex(/^[\x21-\x7e]{1,100}$/, "must be 1 to 100 printable ASCII characters");

/**
 * A message needs words, or files, or both; words follow messageText's rules whenever there are any. An
 * encrypted message has its words (and its files' keys) in its ciphertext, none in the clear.
 */
export function textOrAttachments(
  v: { text: string; attachmentIds: string[]; encrypted?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (v.encrypted !== undefined) {
    if (v.text !== "")
      ctx.addIssue({ code: "custom", message: "must be empty: the words are in the ciphertext", path: ["text"] });
    return;
  }
  if (v.text === "" && v.attachmentIds.length > 0) return;
  const checked = messageText.safeParse(v.text);
  if (!checked.success)
    for (const issue of checked.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: ["text"] });
}

export const sendFields = {
  clientId,
  text: z.string().default(""),
  replyToId: z.string().max(100).nullish(),
  threadRootId: z.string().min(1).max(100).nullish(),
  attachmentIds: z.array(z.string().min(1).max(100)).max(MAX_ATTACHMENTS).default([]),
  /** Encrypted conversations: the MLS application message and the device that made it. */
  encrypted: z
    .object({ deviceId: z.string().min(1).max(100), ciphertext: z.string().min(1).max(MAX_APPLICATION_BASE64) })
    .strict()
    .optional(),
};

export const sendInput = z.object(sendFields).superRefine(textOrAttachments);

/** Forwarding copies a message I can read into a conversation where I may post. */
export const forwardInput = z.object({
  clientId,
  forwardOf: z.object({ conversationId: z.string().min(1).max(100), messageId: z.string().min(1).max(100) }),
});
export type SendInput = Omit<z.infer<typeof sendInput>, "attachmentIds"> & { attachmentIds?: string[] };

const originalOf = prepared((db) =>
  db
    .select()
    .from(messages)
    .where(and(eq(messages.senderId, sql.placeholder("senderId")), eq(messages.clientId, sql.placeholder("clientId"))))
    .prepare(),
);

/** A send's own writes, compiled once per connection (the SQL is shared with the send thread). */
const sendStatements = prepared((db) => ({
  insert: connectionOf(db).query(INSERT_MESSAGE),
  markRead: connectionOf(db).query(MARK_SENDER_READ),
  setCiphertext: connectionOf(db).query(
    "UPDATE messages SET ciphertext = $ciphertext, sender_device = $deviceId WHERE seq = $seq",
  ),
}));

/** Words in the clear may not go into an end-to-end encrypted conversation. */
function requirePlainAllowed(conversation: { encryptedAt: number | null }): void {
  if (conversation.encryptedAt !== null) throw new AppError("ENCRYPTION_REQUIRED");
}

type Sent = { message: MessageView; created: boolean };

/** A retried send (same sender and clientId): the original, unless that clientId was used elsewhere. */
function retriedSend(db: Db, senderId: string, conversationId: string, clientId: string): Sent | undefined {
  const original = originalOf(db).get({ senderId, clientId });
  if (!original) return undefined;
  if (original.conversationId !== conversationId) throw new AppError("CLIENT_ID_REUSED", undefined, "clientId");
  return { message: toMessageViews(db, [original])[0]!, created: false };
}

/** A new message's row as a send writes it, stamped now. */
function newMessage(
  sender: UserRow,
  conversationId: string,
  input: Pick<SendInput, "clientId" | "text" | "replyToId" | "threadRootId">,
  forwarded: { id: string; senderId: string } | null,
): NewMessageFields {
  const now = Date.now();
  return {
    id: newTimeOrderedId(now),
    conversationId,
    senderId: sender.id,
    clientId: input.clientId,
    text: input.text,
    replyToId: input.replyToId ?? null,
    threadRootId: input.threadRootId ?? null,
    forwardedFromId: forwarded?.id ?? null,
    forwardedFromSenderId: forwarded?.senderId ?? null,
    createdAt: now,
  };
}

/** The sender as stored now: a socket's copy of its user may predate a rename or a deactivation. */
function activeSender(db: Db, author: UserRow): UserRow {
  const sender = findUserById(db, author.id);
  if (!sender || sender.deactivatedAt !== null || sender.deletedAt !== null) throw new AppError("UNAUTHENTICATED");
  return sender;
}

/**
 * Stores a message and announces it. A retry (same sender and clientId) returns the original and
 * announces nothing: `created` tells the caller which it was.
 */
export function sendMessage(
  chat: Chat,
  author: UserRow,
  conversationId: string,
  input: SendInput & { forwardOf?: { conversationId: string; messageId: string } },
): Promise<Sent> {
  // Per person, not per connection: ten sockets or the HTTP API do not multiply the rate.
  const wait = chat.sendLimit.take(author.id);
  if (wait > 0) return Promise.reject(new AppError("RATE_LIMITED", "Sending too fast; slow down.", undefined, wait));
  // Read before the queue: a malformed ciphertext is refused without taking a turn.
  const framing = input.encrypted
    ? readGroupMessage(input.encrypted.ciphertext, MAX_APPLICATION_BYTES, "encrypted.ciphertext")
    : null;
  // Words alone (a reply included) are written by the send thread when there is one; files, forwards,
  // thread replies and encrypted messages, which read and change more, here.
  if (
    chat.sendThread &&
    !input.forwardOf &&
    !input.threadRootId &&
    !framing &&
    (input.attachmentIds ?? []).length === 0
  )
    return chat.queue.runOffThread(plainSend(chat, author, conversationId, input), "send");
  return chat.queue.run((tx, afterCommit) => {
    const sender = activeSender(tx, author);
    const { member, subject, conversation } = requireAccess(tx, conversationId, sender.id, "post");
    const encrypted = input.encrypted && framing ? { ...input.encrypted, framing } : null;
    const retried = () => retriedSend(tx, sender.id, conversationId, input.clientId);
    // A reply or a forward checks what it points at, and an encrypted message its epoch, all of which may
    // have changed since a first attempt that succeeded: its retry is answered before those checks. A plain
    // message finds out at the insert.
    if (encrypted || input.replyToId || input.forwardOf || input.threadRootId) {
      const done = retried();
      if (done) return done;
    }
    if (encrypted) requireEncryptedSend(tx, sender, conversation, encrypted);
    else requirePlainAllowed(conversation);
    if (input.replyToId) findMessage(tx, conversationId, input.replyToId, "replyToId");
    const root = input.threadRootId ? requireThreadRoot(tx, conversationId, input.threadRootId) : null;
    let forwarded: { id: string; senderId: string } | null = null;
    if (input.forwardOf) {
      // I must be able to read the original where it is; a forward of a forward names the first author.
      requireAccess(tx, input.forwardOf.conversationId, sender.id, "read");
      const original = findMessage(tx, input.forwardOf.conversationId, input.forwardOf.messageId, "forwardOf");
      if (original.deletedAt !== null)
        throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.", "forwardOf");
      // The server cannot copy words it cannot read: the app sends them again, encrypted or not.
      if (original.ciphertext !== null)
        throw new AppError("VALIDATION_FAILED", "An encrypted message cannot be forwarded by the server.", "forwardOf");
      forwarded = { id: original.id, senderId: original.forwardedFromSenderId ?? original.senderId };
      input = { ...input, text: original.text };
    }
    const fields = newMessage(sender, conversationId, input, forwarded);
    const now = fields.createdAt;
    const q = sendStatements(tx);
    const inserted = changesOf(q.insert.run(fields));
    // Only the (sender, clientId) index is told to do nothing on a conflict: nothing inserted means a retry.
    if (inserted.changes === 0) return retried()!;
    const row: MessageRow = {
      ...fields,
      seq: inserted.lastInsertRowid,
      editedAt: null,
      deletedAt: null,
      ciphertext: encrypted?.ciphertext ?? null,
      senderDevice: encrypted?.deviceId ?? null,
    };
    // Apart from the insert the send thread shares: encrypted sends are the rarer kind.
    if (encrypted)
      q.setCiphertext.run({ seq: row.seq, ciphertext: encrypted.ciphertext, deviceId: encrypted.deviceId });
    const mentioned = recordMentions(tx, row, can(member.role, "mentionEveryone", subject), { isNew: true });
    const files = attachToMessage(tx, sender, conversationId, row.id, input.attachmentIds ?? []);
    // Writing in a conversation means having read it: my own messages never count as unread. A thread
    // reply moves my place in its thread instead.
    if (root) followOnReply(tx, root, row, mentioned.userIds);
    else q.markRead.run({ seq: row.seq, conversationId, userId: sender.id });
    const event = appendEvent(
      tx,
      { type: "message.created", conversationId, actorId: sender.id, messageId: row.id },
      now,
    );
    // Built from what this send already has: a new message has no reactions or pin yet, and its mentions,
    // files and forwarded-from were just written here (no read back; test/work-budgets.test.ts).
    const forwardedFrom = forwarded ? findUserById(tx, forwarded.senderId) : undefined;
    const message: MessageView = {
      ...toMessageView(row, sender),
      mentions: mentioned,
      attachments: files,
      forwardedFrom: forwardedFrom ? toSenderView(forwardedFrom) : null,
    };
    const thread = root ? threadOf(tx, root.id) : undefined;
    afterCommit(() => chat.publisher.publish(toEventView(event, { message, thread })));
    if (root) afterCommit(() => tellFollowersLater(chat, root.id, conversationId, sender.id));
    return { message, created: true };
  }, "send");
}

/**
 * A send of words alone, written by the send thread (chat/send-thread.ts): checked and built here at its
 * batch's turn, from caches that are exact then (nothing else writes meanwhile), then written there, then
 * answered and announced from here once on disk. The same checks, rows and answers as the path above.
 */
function plainSend(
  chat: Chat,
  author: UserRow,
  conversationId: string,
  input: SendInput,
): OffThreadJob<SendPlan, SendOutcome, Sent> {
  const db = chat.store.db;
  let sender: UserRow;
  let fields: NewMessageFields;
  let mentions: MentionRow[];
  return {
    plan() {
      sender = activeSender(db, author);
      const { member, subject, conversation } = requireAccess(db, conversationId, sender.id, "post");
      requirePlainAllowed(conversation);
      // A retry of a reply is not held to its target, which may have gone since: the thread finds the
      // original by its clientId and finish answers with it.
      if (input.replyToId && !retriedSend(db, sender.id, conversationId, input.clientId))
        findMessage(db, conversationId, input.replyToId, "replyToId");
      fields = newMessage(sender, conversationId, input, null);
      mentions = mentionRows(db, fields, can(member.role, "mentionEveryone", subject));
      return {
        message: fields,
        mentions: mentions.map((r) => ({ userId: r.userId ?? null, everyone: r.everyone ?? false })),
      };
    },
    finish(outcome, afterCommit) {
      if (outcome.kind === "failed") throw threadError(outcome.error);
      if (outcome.kind === "retry") return retriedSend(db, sender.id, conversationId, input.clientId)!;
      const row: MessageRow = {
        ...fields,
        seq: outcome.seq,
        editedAt: null,
        deletedAt: null,
        ciphertext: null,
        senderDevice: null,
      };
      const event: EventRow = {
        id: outcome.eventId,
        type: "message.created",
        conversationId,
        actorId: sender.id,
        messageId: row.id,
        subjectUserId: null,
        userId: null,
        callId: null,
        handshakeId: null,
        createdAt: row.createdAt,
      };
      const message: MessageView = {
        ...toMessageView(row, sender),
        mentions: mentionsView(mentions),
        attachments: [],
        forwardedFrom: null,
      };
      afterCommit(() => chat.publisher.publish(toEventView(event, { message })));
      return { message, created: true };
    },
  };
}

export function editMessage(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  messageId: string,
  text: string,
): Promise<MessageView> {
  return chat.queue.run((tx, afterCommit) => {
    const { member, subject, conversation } = requireAccess(tx, conversationId, me.id, "post");
    requirePlainAllowed(conversation);
    const found = requireOwnLiveMessage(tx, conversationId, messageId, me.id, "edit");
    if (found.text === text) return toMessageViews(tx, [found])[0]!;
    const now = Date.now();
    // The words it had are kept for its author and the group's admins (listVersions).
    tx.insert(messageVersions).values({ messageId, text: found.text, replacedAt: now }).run();
    const row = tx.update(messages).set({ text, editedAt: now }).where(eq(messages.seq, found.seq)).returning().get();
    recordMentions(tx, row, can(member.role, "mentionEveryone", subject), { isNew: false });
    const event = appendEvent(tx, { type: "message.updated", conversationId, actorId: me.id, messageId }, now);
    const message = toMessageViews(tx, [row])[0]!;
    const thread = row.threadRootId ? threadOf(tx, row.threadRootId) : undefined;
    afterCommit(() => chat.publisher.publish(toEventView(event, { message, thread })));
    return message;
  });
}

/**
 * Deletes a message for everyone: my own, or anyone's with the deleteOthers right (group admins by
 * default). The row stays as a tombstone (its place in replies and history) without its words.
 */
export function deleteMessage(chat: Chat, me: UserRow, conversationId: string, messageId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    const { member, subject } = requireAccess(tx, conversationId, me.id, "read");
    const found = findMessage(tx, conversationId, messageId);
    if (found.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
    if (found.senderId !== me.id) requireRight(member.role, "deleteOthers", subject);
    const now = Date.now();
    const row = tx
      .update(messages)
      .set({ text: "", ciphertext: null, deletedAt: now })
      .where(eq(messages.seq, found.seq))
      .returning()
      .get();
    forgetExtras(tx, [messageId]);
    // The files go with the words: their rows now, their bytes once nothing else refers to them.
    const keys = dropMessageFiles(tx, [messageId]);
    afterCommit(() =>
      chat.background.later("removeFilesLater", () => removeUnreferenced(chat.store.db, chat.files, keys)),
    );
    const event = appendEvent(tx, { type: "message.deleted", conversationId, actorId: me.id, messageId }, now);
    const message = toMessageView(row, found.senderId === me.id ? me : findUserById(tx, found.senderId)!);
    // A deleted first message keeps its thread (summary included); a deleted reply leaves its thread one less.
    const thread = row.threadRootId ? threadOf(tx, row.threadRootId) : undefined;
    if (!row.threadRootId) message.thread = threadSummaries(tx, [row.id]).get(row.id) ?? null;
    afterCommit(() => chat.publisher.publish(toEventView(event, { message, thread })));
  });
}

function requireOwnLiveMessage(
  tx: Db,
  conversationId: string,
  messageId: string,
  userId: string,
  action: string,
): MessageRow {
  const m = findMessage(tx, conversationId, messageId);
  if (m.deletedAt !== null) throw new AppError("MESSAGE_NOT_FOUND", "That message was deleted.");
  if (m.senderId !== userId) throw new AppError("FORBIDDEN", `You may only ${action} your own messages.`);
  return m;
}
