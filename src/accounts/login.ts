import { AppError } from "../lib/errors.ts";
import type { Store } from "../store/store.ts";
import { verifyPassword } from "./passwords.ts";
import type { AuthPolicy, SignedIn } from "./registration.ts";
import { createSession, type SessionMeta } from "./sessions.ts";
import { findUserByUsername } from "./users.ts";

export async function logIn(
  store: Store,
  username: string,
  password: string,
  policy: AuthPolicy,
  meta: SessionMeta,
): Promise<SignedIn> {
  const user = findUserByUsername(store.db, username);
  const usable = user && user.deletedAt === null ? user : undefined;
  // Always run the hash check, so a missing user costs as long as a wrong password.
  const ok = await verifyPassword(password, usable?.passwordHash ?? null);
  if (!usable || !ok) throw new AppError("INVALID_CREDENTIALS");
  // Only someone who knows the password learns that the account is deactivated.
  if (usable.deactivatedAt !== null) throw new AppError("ACCOUNT_DEACTIVATED");
  const { token } = await store.write((tx) => createSession(tx, usable.id, policy.sessionTtlDays, meta), "session");
  return { user: usable, token };
}
