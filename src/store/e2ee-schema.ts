// The tables of end-to-end encryption (e2ee/): devices and their KeyPackages, who is in each encrypted group,
// the Commits accepted, and people's key backups. Apart from the rest of the schema (store/schema.ts) it
// refers to; drizzle.config.ts lists both.
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { conversations, users } from "./schema.ts";

/**
 * End-to-end encryption: each browser (or app install) of a person is a device with its own MLS signature
 * key. Parley is MLS's delivery service: it keeps devices' public keys and KeyPackages and orders Commits;
 * it never holds a private key (docs/e2ee.md).
 */
export const devices = sqliteTable(
  "devices",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // The device's Ed25519 public key (base64): its KeyPackages and MLS leaf must carry this one.
    signatureKey: text("signature_key").notNull(),
    createdAt: integer("created_at").notNull(),
    // Removed by its owner (or by signing out for good): out of every group, its KeyPackages gone.
    removedAt: integer("removed_at"),
  },
  (t) => [index("devices_user_idx").on(t.userId)],
);

/** KeyPackages a device uploaded for others to add it to groups; each is handed out once (claimed). */
export const keyPackages = sqliteTable(
  "key_packages",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deviceId: text("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    data: text("data").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("key_packages_device_idx").on(t.deviceId)],
);

/** Which devices are in a conversation's MLS group, as the accepted Commits say. */
export const groupDevices = sqliteTable(
  "group_devices",
  {
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    deviceId: text("device_id")
      .notNull()
      .references(() => devices.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    // The epoch from which it reads (the Commit that added it moved the group into this epoch).
    fromEpoch: integer("from_epoch").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.deviceId] }), index("group_devices_device_idx").on(t.deviceId)],
);

/** Accepted Commits (with the Welcome for the devices they add), in the order of the conversation's epochs. */
export const handshakes = sqliteTable(
  "mls_handshakes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    // The epoch the Commit was made in; it moves the group to epoch + 1.
    epoch: integer("epoch").notNull(),
    deviceId: text("device_id").notNull(),
    commit: text("commit").notNull(),
    welcome: text("welcome"),
    // JSON arrays of device ids.
    added: text("added").notNull().default("[]"),
    removed: text("removed").notNull().default("[]"),
    createdAt: integer("created_at").notNull(),
  },
  // Not unique: a group whose devices were all removed starts over at epoch 0.
  (t) => [index("mls_handshakes_conversation_idx").on(t.conversationId, t.id)],
);

/**
 * A person's key backup: what their devices decrypted, encrypted again under a key only they hold (a
 * recovery key, or a passkey's PRF output). `check` proves a key right without revealing it.
 */
export const keyBackups = sqliteTable("key_backups", {
  userId: text("user_id")
    .primaryKey()
    .references(() => users.id, { onDelete: "cascade" }),
  check: text("check").notNull(),
  // The backup key wrapped by other means (JSON: e.g. a passkey PRF's), opaque here.
  wrapped: text("wrapped").notNull().default("{}"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** One message's content in a person's key backup (opaque: encrypted in their browser). */
export const keyBackupEntries = sqliteTable(
  "key_backup_entries",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    messageId: text("message_id").notNull(),
    conversationId: text("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    data: text("data").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.messageId] }),
    index("key_backup_entries_conversation_idx").on(t.userId, t.conversationId),
  ],
);
