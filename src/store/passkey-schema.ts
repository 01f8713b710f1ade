// The tables of passkeys (accounts/passkeys.ts): people's WebAuthn credentials and the challenges handed out
// for them. Apart from the rest of the schema (store/schema.ts); drizzle.config.ts lists every schema module.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { users } from "./schema.ts";

/** Passkeys (WebAuthn credentials). The id is the credential id, base64url. */
export const passkeys = sqliteTable(
  "passkeys",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull().default(0),
    transports: text("transports").notNull().default("[]"),
    name: text("name").notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
  },
  (t) => [index("passkeys_user_idx").on(t.userId)],
);

/** WebAuthn challenges handed out and not yet answered: each is used once, within minutes. */
export const webauthnChallenges = sqliteTable("webauthn_challenges", {
  challenge: text("challenge").primaryKey(),
  kind: text("kind", { enum: ["register", "login"] }).notNull(),
  // Registration: who is adding a passkey. Sign-in: null (the passkey says who).
  userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
  expiresAt: integer("expires_at").notNull(),
});
