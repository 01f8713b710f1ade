// The statements a send writes, as SQL: run by the send thread's connection (chat/send-worker.ts) and by the
// event loop's (chat/messages.ts, chat/events.ts). One text for both, so the two paths cannot drift. Named
// parameters ($name), bound from plain objects by connections opened with `strict: true`.

/**
 * A new message. A retry (same sender and clientId: a unique index) inserts nothing and changes no row; the
 * send then answers with the original. No RETURNING: it costs SQLite more than the insert itself (~9 µs
 * against ~5, docs/performance.md); the row is what was inserted, with the seq SQLite gave it.
 */
export const INSERT_MESSAGE = `INSERT INTO messages
  (id, conversation_id, sender_id, client_id, text, reply_to_id, thread_root_id, forwarded_from_id, forwarded_from_sender_id, created_at)
  VALUES ($id, $conversationId, $senderId, $clientId, $text, $replyToId, $threadRootId, $forwardedFromId, $forwardedFromSenderId, $createdAt)
  ON CONFLICT (sender_id, client_id) DO NOTHING`;

/** One event of the ordered stream; its id (the row id) is the stream position. */
export const INSERT_EVENT = `INSERT INTO events (type, conversation_id, actor_id, message_id, subject_user_id, user_id, created_at)
  VALUES ($type, $conversationId, $actorId, $messageId, $subjectUserId, $userId, $createdAt)`;

/** Writing in a conversation means having read it: the sender's read marker moves to their message. */
export const MARK_SENDER_READ = `UPDATE members SET last_read_seq = $seq
  WHERE conversation_id = $conversationId AND user_id = $userId`;

/** Someone a message mentions, or everyone (user_id NULL, everyone 1). */
export const INSERT_MENTION = `INSERT INTO mentions (message_id, conversation_id, user_id, everyone, created_at)
  VALUES ($messageId, $conversationId, $userId, $everyone, $createdAt)`;

/** The fields of INSERT_MESSAGE, as a send fills them (a type, not an interface: bun:sqlite binds records). */
export type NewMessageFields = {
  id: string;
  conversationId: string;
  senderId: string;
  clientId: string;
  text: string;
  replyToId: string | null;
  threadRootId: string | null;
  forwardedFromId: string | null;
  forwardedFromSenderId: string | null;
  createdAt: number;
};
