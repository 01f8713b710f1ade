// Confirming an email address: a link mailed to it, opened within two days, proves the account holder
// reads that mailbox. Only then does password reset by mail use it (accounts/password-reset.ts): an address
// typed wrong, or someone else's, never receives a way into the account. Every change of the address
// needs a new confirmation; a link confirms only the address it was sent to.
import { and, eq, lt, sql } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { hashSecret, randomToken } from "../lib/ids.ts";
import { DAY } from "../lib/time.ts";
import { users } from "../store/schema.ts";
import { emailVerifications } from "../store/account-schema.ts";
import type { Store } from "../store/store.ts";
import type { Mailer } from "./mailer.ts";
import type { UserRow } from "./sessions.ts";
import { forgetUser, requireUser } from "./users.ts";

const LINK_TTL = 2 * DAY;

/** Mails a new confirmation link for the account's current address (older links stop working). */
export async function mailVerification(
  store: Store,
  mailer: Mailer,
  user: UserRow,
  publicUrl: string,
  instanceName: string,
  now = Date.now(),
): Promise<void> {
  const email = user.email;
  if (!email) throw new AppError("VALIDATION_FAILED", "There is no email address on this account.", "email");
  if (user.emailVerifiedAt !== null)
    throw new AppError("VALIDATION_FAILED", "This address is confirmed already.", "email");
  const token = randomToken(20);
  await store.write((tx) => {
    tx.delete(emailVerifications).where(eq(emailVerifications.userId, user.id)).run();
    // Expired links of anyone go too: the table holds only live ones.
    tx.delete(emailVerifications).where(lt(emailVerifications.expiresAt, now)).run();
    tx.insert(emailVerifications)
      .values({ tokenHash: hashSecret(token), userId: user.id, email, createdAt: now, expiresAt: now + LINK_TTL })
      .run();
  }, "account");
  mailer.sendLater({
    to: email,
    subject: `Confirm your email address for ${instanceName}`,
    text:
      `@${user.username} on ${instanceName} gave this address for password reset.\n\n` +
      `To confirm it, open this link within two days:\n${publicUrl}/verify-email?token=${token}\n\n` +
      `If it was not you, ignore this mail: the address will not be used.\n`,
  });
}

/** Confirms the address a link was sent to, if it is still the account's; the link is spent. */
export function verifyEmail(store: Store, token: string, now = Date.now()): Promise<UserRow> {
  return store.write((tx) => {
    const row = tx
      .select()
      .from(emailVerifications)
      .where(eq(emailVerifications.tokenHash, hashSecret(token)))
      .get();
    if (!row || row.expiresAt <= now) throw new AppError("INVALID_VERIFICATION_TOKEN");
    const user = requireUser(tx, row.userId);
    tx.delete(emailVerifications).where(eq(emailVerifications.userId, user.id)).run();
    const same = user.email !== null && user.email.toLowerCase() === row.email.toLowerCase();
    if (!same || user.deletedAt !== null || user.deactivatedAt !== null)
      throw new AppError("INVALID_VERIFICATION_TOKEN");
    const updated = tx
      .update(users)
      .set({ emailVerifiedAt: now })
      .where(and(eq(users.id, user.id), sql`lower(${users.email}) = lower(${row.email})`))
      .returning()
      .get()!;
    forgetUser(tx, user.id, "private");
    return updated;
  }, "account");
}
