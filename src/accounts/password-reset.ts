import { and, eq, isNull } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { hashSecret, newId, randomToken } from "../lib/ids.ts";
import { DAY, HOUR } from "../lib/time.ts";
import { passwordResets } from "../store/schema.ts";
import type { Db, Store } from "../store/store.ts";
import type { Mailer } from "./mailer.ts";
import { hashPassword, requireAcceptablePassword } from "./passwords.ts";
import { deleteUserSessions, type UserRow } from "./sessions.ts";
import { findUserByEmail, findUserByUsername, requireUser, setPasswordHash } from "./users.ts";

// Two ways back into an account: a link an admin creates and hands over (installs without email), and
// a link mailed to the address on the account. Both are single-use tokens stored only as a hash.

const LINK_TTL = DAY; // handed over in person or by another channel: give it a day
const EMAIL_TTL = HOUR; // mailboxes leak more often: keep the window short

function resetUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/reset-password?token=${token}`;
}

function issueToken(
  db: Db,
  userId: string,
  kind: "link" | "email",
  createdBy: string | null,
  now: number,
  ttl = kind === "link" ? LINK_TTL : EMAIL_TTL,
): { token: string; expiresAt: number } {
  // A new link replaces older unused ones: only the latest one handed out works.
  db.delete(passwordResets)
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)))
    .run();
  const token = randomToken(20);
  const expiresAt = now + ttl;
  db.insert(passwordResets)
    .values({ id: newId(), tokenHash: hashSecret(token), userId, kind, createdBy, createdAt: now, expiresAt })
    .run();
  return { token, expiresAt };
}

export function createResetLink(
  store: Store,
  adminId: string,
  userId: string,
  publicUrl: string,
  now = Date.now(),
  ttl = LINK_TTL,
): Promise<{ url: string; expiresAt: number }> {
  return store.write((tx) => resetLinkIn(tx, adminId, userId, publicUrl, now, ttl), "account");
}

/** The same, inside the caller's transaction (an import makes many at once). */
export function resetLinkIn(
  tx: Db,
  adminId: string,
  userId: string,
  publicUrl: string,
  now = Date.now(),
  ttl = LINK_TTL,
): { url: string; expiresAt: number } {
  requireUser(tx, userId);
  const { token, expiresAt } = issueToken(tx, userId, "link", adminId, now, ttl);
  return { url: resetUrl(publicUrl, token), expiresAt };
}

/**
 * Mails a reset link when the name or address belongs to an active account with a confirmed email. The caller
 * answers the same way whether or not it did, so the form does not reveal who has an account.
 */
export async function requestEmailReset(
  store: Store,
  mailer: Mailer,
  login: string,
  publicUrl: string,
  instanceName: string,
  now = Date.now(),
): Promise<void> {
  const user = login.includes("@") ? findUserByEmail(store.db, login) : findUserByUsername(store.db, login);
  // Only to a confirmed address: one typed wrong, or someone else's, must not receive a way in.
  if (!user || !user.email || user.emailVerifiedAt === null || user.deletedAt !== null || user.deactivatedAt !== null)
    return;
  const email = user.email;
  const { token } = await store.write((tx) => issueToken(tx, user.id, "email", null, now), "account");
  mailer.sendLater({
    to: email,
    subject: `Reset your ${instanceName} password`,
    text:
      `Someone asked to reset the password of @${user.username} on ${instanceName}.\n\n` +
      `To choose a new password, open this link within an hour:\n${resetUrl(publicUrl, token)}\n\n` +
      `If it was not you, ignore this mail: your password stays as it is.\n`,
  });
}

function findUsableReset(db: Db, token: string, now: number) {
  const row = db
    .select()
    .from(passwordResets)
    .where(eq(passwordResets.tokenHash, hashSecret(token)))
    .get();
  if (!row || row.usedAt !== null || row.expiresAt <= now) return undefined;
  return row;
}

/** Who a reset link is for, so the page can say whose password is being set. */
export function inspectResetToken(store: Store, token: string, now = Date.now()): { user: UserRow; expiresAt: number } {
  const row = findUsableReset(store.db, token, now);
  if (!row) throw new AppError("INVALID_RESET_TOKEN");
  const user = requireUser(store.db, row.userId);
  if (user.deactivatedAt !== null) throw new AppError("INVALID_RESET_TOKEN");
  return { user, expiresAt: row.expiresAt };
}

/** Sets the new password, spends the token, and signs the account out everywhere. */
export async function resetPassword(
  store: Store,
  token: string,
  newPassword: string,
  minLength: number,
  now = Date.now(),
): Promise<UserRow> {
  const { user } = inspectResetToken(store, token, now);
  requireAcceptablePassword(newPassword, minLength);
  const hash = await hashPassword(newPassword);
  await store.write((tx) => {
    // Spent atomically: of two concurrent uses of one link, only one sets a password.
    const spent = tx
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.tokenHash, hashSecret(token)), isNull(passwordResets.usedAt)))
      .returning({ id: passwordResets.id })
      .all();
    if (spent.length === 0) throw new AppError("INVALID_RESET_TOKEN");
    setPasswordHash(tx, user.id, hash);
    deleteUserSessions(tx, user.id);
  }, "account");
  return user;
}
