// Tables of account upkeep: links mailed to confirm an email address (accounts/email-verification.ts).
// Apart from the rest of the schema (store/schema.ts); drizzle.config.ts lists every schema module.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./schema.ts";

/** Links mailed to confirm an address: single-use, for that address only, stored as a hash. */
export const emailVerifications = sqliteTable(
  "email_verifications",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("email_verifications_user_id_idx").on(t.userId)],
);
