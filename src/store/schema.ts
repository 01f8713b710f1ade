import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Times are epoch milliseconds (integers sort and compare cheaply); the API turns them into ISO strings.

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    username: text("username").notNull(),
    displayName: text("display_name").notNull(),
    bio: text("bio").notNull().default(""),
    email: text("email"),
    // When the address was confirmed by a link mailed to it; null until then (and after every change of it).
    // Password reset by mail only goes to a confirmed address.
    emailVerifiedAt: integer("email_verified_at"),
    // Null once passkeys exist and the user drops the password, or after account deletion.
    passwordHash: text("password_hash"),
    role: text("role", { enum: ["admin", "member"] })
      .notNull()
      .default("member"),
    invitedWith: text("invited_with"),
    deactivatedAt: integer("deactivated_at"),
    // Presence: written when the last connection closes (and at most once a minute while online).
    lastSeenAt: integer("last_seen_at"),
    hideLastSeen: integer("hide_last_seen", { mode: "boolean" }).notNull().default(false),
    // Off: nobody sees when I read, and I see nobody's reads (as in Signal).
    sendReadReceipts: integer("send_read_receipts", { mode: "boolean" }).notNull().default(true),
    // A square WebP in the file store (files/avatars.ts); null shows initials.
    avatarKey: text("avatar_key"),
    // Off: people search and contact matching find them only by their exact username (search/people.ts).
    discoverable: integer("discoverable", { mode: "boolean" }).notNull().default(true),
    // Where they are, as their browser says (an IANA zone), for "local time" on their profile card; shown to
    // others only while shareLocalTime is on.
    timeZone: text("time_zone"),
    shareLocalTime: integer("share_local_time", { mode: "boolean" }).notNull().default(true),
    deletedAt: integer("deleted_at"),
    // Brought in by an import ("slack:U0123"): a second run of the same import finds it instead of adding it.
    importedFrom: text("imported_from"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // Usernames and emails are unique without regard to case.
    uniqueIndex("users_username_lower_unique").on(sql`lower(${t.username})`),
    uniqueIndex("users_email_lower_unique").on(sql`lower(${t.email})`),
    uniqueIndex("users_imported_from_unique").on(t.importedFrom),
  ],
);

export const sessions = sqliteTable(
  "sessions",
  {
    // The token a client holds is `${id}.${secret}`; only the secret's SHA-256 is stored, so a leaked
    // database does not hand out working sessions, and the id can be shown in "my sessions".
    id: text("id").primaryKey(),
    secretHash: text("secret_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    userAgent: text("user_agent").notNull().default(""),
    ip: text("ip").notNull().default(""),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_user_id_idx").on(t.userId)],
);

export const invites = sqliteTable("invites", {
  code: text("code").primaryKey(),
  createdBy: text("created_by")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  note: text("note").notNull().default(""),
  maxUses: integer("max_uses"),
  uses: integer("uses").notNull().default(0),
  expiresAt: integer("expires_at"),
  revokedAt: integer("revoked_at"),
  createdAt: integer("created_at").notNull(),
});

export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["link", "email"] }).notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("password_resets_user_id_idx").on(t.userId)],
);

/** Instance-wide settings the admin changes at run time (registration mode, instance name). */
export const instanceSettings = sqliteTable("instance_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    type: text("type", { enum: ["direct", "group"] }).notNull(),
    title: text("title"),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    // "<smaller user id>:<larger user id>" for direct conversations: the unique index makes "one per pair"
    // hold even when both people start the conversation at the same moment.
    directKey: text("direct_key"),
    description: text("description").notNull().default(""),
    // Per-group rights as JSON ({"post": "admin", ...}); missing keys take the defaults in chat/permissions.ts.
    permissions: text("permissions").notNull().default("{}"),
    // The last member left: the group stays for the record but nobody is in it.
    archivedAt: integer("archived_at"),
    avatarKey: text("avatar_key"),
    // End-to-end encrypted from then on (null: not encrypted). Switching it on cannot be undone.
    encryptedAt: integer("encrypted_at"),
    // The MLS epoch the encrypted group is at: a Commit is accepted only for this epoch (0: no group yet).
    mlsEpoch: integer("mls_epoch").notNull().default(0),
    // Brought in by an import ("slack:C0123"): a second run adds to it instead of making another.
    importedFrom: text("imported_from"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("conversations_direct_key_unique").on(t.directKey),
    uniqueIndex("conversations_imported_from_unique").on(t.importedFrom),
  ],
);

/** Links that let people join a group by themselves. */
export const groupInvites = sqliteTable(
  "group_invites",
  {
    code: text("code").primaryKey(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    expiresAt: integer("expires_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("group_invites_conversation_idx").on(t.conversationId)],
);

export const members = sqliteTable(
  "members",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] })
      .notNull()
      .default("member"),
    // The member's event stream for this conversation starts here: events before they joined are not theirs.
    fromEventId: integer("from_event_id").notNull(),
    // seq of the newest message they have read; unread counts are messages after it.
    lastReadSeq: integer("last_read_seq").notNull().default(0),
    // seq of the newest message one of their devices has confirmed receiving.
    lastDeliveredSeq: integer("last_delivered_seq").notNull().default(0),
    // Muted until this time (epoch ms); a far-future value means until unmuted. Null: not muted.
    mutedUntil: integer("muted_until"),
    // "Mark as unread": shows as unread until they open it again.
    markedUnread: integer("marked_unread", { mode: "boolean" }).notNull().default(false),
    // Which messages reach them as push notifications; null takes the default (direct: all, groups: mentions).
    pushLevel: text("push_level", { enum: ["all", "mentions", "none"] }),
    joinedAt: integer("joined_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.userId] }), index("members_user_id_idx").on(t.userId)],
);

export const messages = sqliteTable(
  "messages",
  {
    // seq orders messages (history pages, unread counts); id is the opaque handle clients use.
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull().unique(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    senderId: text("sender_id")
      .notNull()
      .references(() => users.id),
    clientId: text("client_id").notNull(),
    text: text("text").notNull(),
    replyToId: text("reply_to_id"),
    // A reply in a thread names the thread's first message (in the same conversation, never itself a
    // thread reply); the conversation's own timeline is the messages without one.
    threadRootId: text("thread_root_id"),
    // A forwarded copy names the message it came from and who wrote it (the original may be out of reach).
    forwardedFromId: text("forwarded_from_id"),
    forwardedFromSenderId: text("forwarded_from_sender_id"),
    createdAt: integer("created_at").notNull(),
    editedAt: integer("edited_at"),
    deletedAt: integer("deleted_at"),
    // Encrypted conversations: the MLS application message (base64), opaque here, and the device that sent it.
    // Its text is empty: the words are only in the ciphertext.
    ciphertext: text("ciphertext"),
    senderDevice: text("sender_device"),
  },
  (t) => [
    // A retried send finds the original instead of writing a second message.
    uniqueIndex("messages_sender_client_id_unique").on(t.senderId, t.clientId),
    index("messages_conversation_seq_idx").on(t.conversationId, t.seq),
    // A thread's replies in order, and the summaries of a page's roots; most messages have no thread.
    index("messages_thread_seq_idx")
      .on(t.threadRootId, t.seq)
      .where(sql`${t.threadRootId} IS NOT NULL`),
  ],
);

export const events = sqliteTable(
  "events",
  {
    // AUTOINCREMENT: ids are never reused, even after the newest rows are deleted, so a client's
    // "since" can never point past an event it has not seen.
    id: integer("id").primaryKey({ autoIncrement: true }),
    type: text("type").notNull(),
    conversationId: text("conversation_id").notNull(),
    // Someone who sees this event without being a member (the person just removed).
    userId: text("user_id"),
    actorId: text("actor_id"),
    messageId: text("message_id"),
    subjectUserId: text("subject_user_id"),
    // A call that ended ("call.ended": call_log).
    callId: text("call_id"),
    // An encrypted group's Commit ("mls.commit": mls_handshakes).
    handshakeId: integer("handshake_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("events_conversation_id_idx").on(t.conversationId, t.id),
    index("events_user_id_idx").on(t.userId, t.id),
    // History pages place notices by the events of their edge messages: without this, each page scanned
    // every event ever stored (169 ms a page at the bench's size).
    index("events_message_id_idx").on(t.messageId),
  ],
);

/**
 * Calls that happened, for the conversation's history ("Call · 12 min · 3 people", "Missed call"). Written
 * when a call ends; the call itself lives in memory while it lasts (realtime/calls.ts).
 */
export const callLog = sqliteTable("call_log", {
  id: text("id").primaryKey(),
  conversationId: text("conversation_id")
    .notNull()
    .references(() => conversations.id, { onDelete: "cascade" }),
  media: text("media", { enum: ["audio", "video"] }).notNull(),
  startedBy: text("started_by"),
  startedAt: integer("started_at").notNull(),
  endedAt: integer("ended_at").notNull(),
  // Someone other than the caller joined.
  answered: integer("answered", { mode: "boolean" }).notNull(),
  // How many people took part at some point (the caller included).
  participants: integer("participants").notNull(),
});

/** One person's reaction with one emoji to one message; a second tap removes it. */
export const reactions = sqliteTable(
  "reactions",
  {
    messageId: text("message_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    emoji: text("emoji").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.messageId, t.userId, t.emoji] })],
);

/** Who a message mentions (userId), or everyone in it; kept for notifications and the mentions view. */
export const mentions = sqliteTable(
  "mentions",
  {
    messageId: text("message_id").notNull(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    userId: text("user_id"),
    everyone: integer("everyone", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("mentions_message_idx").on(t.messageId),
    index("mentions_user_idx").on(t.userId, t.createdAt),
    index("mentions_everyone_idx").on(t.conversationId, t.everyone),
  ],
);

export const pins = sqliteTable(
  "pins",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    pinnedBy: text("pinned_by").references(() => users.id, { onDelete: "set null" }),
    pinnedAt: integer("pinned_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.messageId] })],
);

/** Earlier texts of an edited message, for its author and the group's admins. */
export const messageVersions = sqliteTable(
  "message_versions",
  {
    messageId: text("message_id").notNull(),
    text: text("text").notNull(),
    // When this text was replaced by the next one.
    replacedAt: integer("replaced_at").notNull(),
  },
  (t) => [index("message_versions_message_idx").on(t.messageId, t.replacedAt)],
);

/** An uploaded file: the bytes live in the file store under their SHA-256, shared by identical uploads. */
export const attachments = sqliteTable(
  "attachments",
  {
    id: text("id").primaryKey(),
    ownerId: text("owner_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // Empty while a presigned upload is under way (status "pending"); the hash of the stored bytes after.
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    name: text("name").notNull(),
    // Detected from the bytes, never taken from the client.
    type: text("type").notNull(),
    // Where the bytes are in the file store (files/file-store.ts); null while pending.
    storageKey: text("storage_key"),
    status: text("status", { enum: ["pending", "ready"] })
      .notNull()
      .default("ready"),
    // Images: their size as shown (orientation applied) and a small preview.
    width: integer("width"),
    height: integer("height"),
    thumbKey: text("thumb_key"),
    // Presigned uploads to local storage: the URL's token (hashed, like every secret) and its deadline.
    uploadTokenHash: text("upload_token_hash"),
    uploadExpiresAt: integer("upload_expires_at"),
    // Set when a message carries it; until then only its owner sees it, and it is cleaned up after a day.
    messageId: text("message_id"),
    conversationId: text("conversation_id").references(() => conversations.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("attachments_key_idx").on(t.storageKey),
    index("attachments_owner_idx").on(t.ownerId),
    index("attachments_message_idx").on(t.messageId),
    // A conversation's "Files and media".
    index("attachments_conversation_idx").on(t.conversationId),
  ],
);

/** Web Push subscriptions, one per browser that allowed notifications; signing out that browser removes it. */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: text("session_id").references(() => sessions.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    label: text("label").notNull(),
    createdAt: integer("created_at").notNull(),
    lastSuccessAt: integer("last_success_at"),
  },
  (t) => [
    uniqueIndex("push_subscriptions_endpoint_unique").on(t.endpoint),
    index("push_subscriptions_user_idx").on(t.userId),
  ],
);

// How far message search's index has got (search/search-index.ts): every message with seq up to
// indexedSeq is in messages_fts. One row. The index is filled in bulk at the end of each transaction
// instead of by a trigger per insert, which cost half of a send's statement time (docs/performance.md).
export const searchProgress = sqliteTable("search_progress", {
  id: integer("id").primaryKey(),
  indexedSeq: integer("indexed_seq").notNull(),
});
