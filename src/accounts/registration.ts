import { AppError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Store } from "../store/store.ts";
import { getInstanceSettings } from "./instance-settings.ts";
import { consumeInvite, isInviteUsable } from "./invites.ts";
import { hashPassword, requireAcceptablePassword } from "./passwords.ts";
import { createSession, type SessionMeta, type UserRow } from "./sessions.ts";
import { countUsers, findUserByUsername, insertUser } from "./users.ts";

export interface SignUp {
  username: string;
  password: string;
  displayName: string;
}

export interface AuthPolicy {
  passwordMinLength: number;
  sessionTtlDays: number;
}

export interface SignedIn {
  user: UserRow;
  token: string;
}

/** First-run setup: the first account is the admin, and only while no account exists. */
export async function setUpFirstAdmin(
  store: Store,
  input: SignUp,
  policy: AuthPolicy,
  meta: SessionMeta,
): Promise<SignedIn> {
  if (countUsers(store.db) > 0) throw new AppError("ALREADY_SET_UP");
  requireAcceptablePassword(input.password, policy.passwordMinLength);
  const passwordHash = await hashPassword(input.password);
  return store.write((tx) => {
    // Checked again inside the transaction: two setup requests racing must not make two admins.
    if (countUsers(tx) > 0) throw new AppError("ALREADY_SET_UP");
    const user = insertUser(tx, {
      id: newId(),
      username: input.username,
      displayName: input.displayName,
      passwordHash,
      role: "admin",
    });
    const { token } = createSession(tx, user.id, policy.sessionTtlDays, meta);
    return { user, token };
  }, "account");
}

/** Self-service registration, as the instance's registration mode allows. */
export async function register(
  store: Store,
  input: SignUp & { inviteCode?: string },
  policy: AuthPolicy,
  meta: SessionMeta,
): Promise<SignedIn> {
  const { registrationMode } = getInstanceSettings(store.db);
  if (countUsers(store.db) === 0)
    throw new AppError("FORBIDDEN", "This server is not set up yet: create the admin account first.");
  if (registrationMode === "closed") throw new AppError("REGISTRATION_CLOSED");
  if (registrationMode === "invite" && !input.inviteCode)
    throw new AppError("INVITE_REQUIRED", undefined, "inviteCode");
  // Cheap checks first, so a doomed request costs no password hashing.
  if (input.inviteCode && !isInviteUsable(store.db, input.inviteCode))
    throw new AppError("INVALID_INVITE", undefined, "inviteCode");
  if (findUserByUsername(store.db, input.username)) throw new AppError("USERNAME_TAKEN", undefined, "username");
  requireAcceptablePassword(input.password, policy.passwordMinLength);
  const passwordHash = await hashPassword(input.password);
  return store.write((tx) => {
    if (input.inviteCode) consumeInvite(tx, input.inviteCode);
    const user = insertUser(tx, {
      id: newId(),
      username: input.username,
      displayName: input.displayName,
      passwordHash,
      role: "member",
      invitedWith: input.inviteCode ?? null,
    });
    const { token } = createSession(tx, user.id, policy.sessionTtlDays, meta);
    return { user, token };
  }, "account");
}
