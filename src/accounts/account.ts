import { eq } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { passwordResets, pushSubscriptions, users } from "../store/schema.ts";
import { passkeys } from "../store/passkey-schema.ts";
import type { Db, Store } from "../store/store.ts";
import { hashPassword, requireAcceptablePassword, verifyPassword } from "./passwords.ts";
import { countPasskeys } from "./passkeys.ts";
import { deleteUserSessions } from "./sessions.ts";
import { countOtherActiveAdmins, forgetUser, requireUser, setPasswordHash } from "./users.ts";

// What a signed-in user does to their own account.

/** Changes the password and signs out every other session: whoever knew the old one is locked out. */
export async function changePassword(
  store: Store,
  userId: string,
  currentSessionId: string,
  input: { currentPassword?: string; newPassword: string },
  minLength: number,
): Promise<void> {
  const user = requireUser(store.db, userId);
  if (user.passwordHash !== null && !(await verifyPassword(input.currentPassword ?? "", user.passwordHash))) {
    throw new AppError("WRONG_PASSWORD", undefined, "currentPassword");
  }
  requireAcceptablePassword(input.newPassword, minLength, "newPassword");
  const hash = await hashPassword(input.newPassword);
  await store.write((tx) => {
    setPasswordHash(tx, userId, hash);
    deleteUserSessions(tx, userId, currentSessionId);
  }, "account");
}

/** Drops the password of an account that has a passkey: from then on it signs in with passkeys only. */
export async function removePassword(store: Store, userId: string, currentPassword: string): Promise<void> {
  const user = requireUser(store.db, userId);
  if (user.passwordHash === null) return;
  if (!(await verifyPassword(currentPassword, user.passwordHash)))
    throw new AppError("WRONG_PASSWORD", undefined, "currentPassword");
  if (countPasskeys(store.db, userId) === 0)
    throw new AppError("LAST_SIGN_IN_METHOD", "Add a passkey before removing your password.");
  await store.write((tx) => setPasswordHash(tx, userId, null), "account");
}

/**
 * Deletes an account: sign-in data and profile go, the row stays as "Deleted user" so the messages
 * others received keep a sender. The username is freed for someone else.
 */
export async function deleteAccount(
  store: Store,
  userId: string,
  password: string,
  // What other domains must undo in the same transaction (leaving groups), without accounts knowing them.
  alsoInTransaction?: (tx: Db, afterCommit: (cb: () => void) => void) => void,
): Promise<void> {
  const user = requireUser(store.db, userId);
  // An account without a password (passkeys only) confirms with its username instead.
  const confirmed =
    user.passwordHash === null ? password === user.username : await verifyPassword(password, user.passwordHash);
  if (!confirmed) throw new AppError("WRONG_PASSWORD", undefined, "password");
  await store.write((tx, afterCommit) => {
    if (user.role === "admin" && countOtherActiveAdmins(tx, userId) === 0) {
      throw new AppError("LAST_ADMIN", "Make someone else an admin before deleting the only admin account.");
    }
    const now = Date.now();
    tx.update(users)
      .set({
        username: `deleted-${user.id}`,
        displayName: "Deleted user",
        bio: "",
        email: null,
        passwordHash: null,
        avatarKey: null,
        role: "member",
        deletedAt: now,
        updatedAt: now,
      })
      .where(eq(users.id, userId))
      .run();
    forgetUser(tx, userId);
    tx.delete(passwordResets).where(eq(passwordResets.userId, userId)).run();
    tx.delete(passkeys).where(eq(passkeys.userId, userId)).run();
    tx.delete(pushSubscriptions).where(eq(pushSubscriptions.userId, userId)).run();
    deleteUserSessions(tx, userId);
    alsoInTransaction?.(tx, afterCommit);
  }, "account");
}
