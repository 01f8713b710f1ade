import { Hono, type Context } from "hono";
import { mailVerification } from "../../accounts/email-verification.ts";
import { getInstanceSettings } from "../../accounts/instance-settings.ts";
import type { UserRow } from "../../accounts/sessions.ts";
import type { SessionView } from "../../protocol/views.ts";
import { z } from "zod";
import { changePassword, deleteAccount } from "../../accounts/account.ts";
import * as f from "../../accounts/fields.ts";
import { leaveAllGroups } from "../../chat/members.ts";
import { removeUnreferenced } from "../../files/file-cleanup.ts";
import { setUserAvatar } from "../../files/avatars.ts";
import { deleteOwnSession, listUserSessions } from "../../accounts/sessions.ts";
import { toAccountView } from "../../accounts/users.ts";
import { AppError } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import { authOf, type AppEnv } from "../context.ts";
import { limitAuthAttempt } from "../middleware/auth-rate-limit.ts";
import { clearSessionCookie, requireAuth } from "../middleware/session.ts";
import { readJson, incomingBody } from "../validate.ts";
import { announceProfile, saveProfile } from "../../chat/profiles.ts";

const profilePatch = z.object({
  displayName: f.displayName.optional(),
  bio: f.bio.optional(),
  // "" or null removes the address.
  email: z.union([f.email, z.literal("").transform(() => null), z.null()]).optional(),
  hideLastSeen: z.boolean().optional(),
  sendReadReceipts: z.boolean().optional(),
  discoverable: z.boolean().optional(),
  timeZone: f.timeZone.nullable().optional(),
  shareLocalTime: z.boolean().optional(),
});

/** Mails the confirmation link for the user's address (refusing when there is none, or it is confirmed). */
function mailVerificationFor(c: Context<AppEnv>, user: UserRow): Promise<void> {
  const { store, mailer, config } = c.get("deps");
  return mailVerification(store, mailer!, user, config.publicUrl, getInstanceSettings(store.db).instanceName);
}

/** After the answer: a failure to mail is logged, and the profile offers to send it again. */
function mailVerificationLater(c: Context<AppEnv>, user: UserRow): void {
  if (!c.get("deps").mailer) return;
  c.get("deps").chat.background.later("mailVerificationLater", () => mailVerificationFor(c, user));
}

/** Mounted at /api/v1/me: the signed-in user's own account. */
export const meRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", (c) => c.json({ user: toAccountView(authOf(c).user) }))
  .patch("/", async (c) => {
    const patch = await readJson(c, profilePatch);
    const user = await saveProfile(c.get("deps").chat, authOf(c).user.id, patch);
    // A new address gets its confirmation link by itself (when this server can mail).
    if (patch.email !== undefined && user.email && user.emailVerifiedAt === null) mailVerificationLater(c, user);
    return c.json({ user: toAccountView(user) });
  })
  // The confirmation link for my address again (the first one went astray or expired).
  .post("/email/verification", async (c) => {
    const { user } = authOf(c);
    limitAuthAttempt(c, user.username);
    if (!c.get("deps").mailer) throw new AppError("EMAIL_NOT_CONFIGURED");
    await mailVerificationFor(c, user);
    return c.json({ status: "A confirmation link is on its way." }, 202);
  })
  .post("/password", async (c) => {
    const body = await readJson(c, z.object({ currentPassword: f.password.optional(), newPassword: f.password }));
    const { user, session } = authOf(c);
    // A stolen session must not become a way to guess the password: the same budget as logging in.
    limitAuthAttempt(c, user.username);
    const { store, config } = c.get("deps");
    await changePassword(store, user.id, session.id, body, config.passwordMinLength);
    return c.body(null, 204);
  })
  .delete("/", async (c) => {
    const { password } = await readJson(c, z.object({ password: f.password }));
    const { store, chat, media } = c.get("deps");
    const { user } = authOf(c);
    limitAuthAttempt(c, user.username);
    await deleteAccount(store, user.id, password, (tx, afterCommit) => leaveAllGroups(tx, afterCommit, chat, user.id));
    // The picture goes with the profile.
    if (user.avatarKey) await removeUnreferenced(store.db, media.files, [user.avatarKey]);
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  // The picture: a JPEG, PNG or WebP in a multipart body (field "file"); stored as a square WebP.
  .put("/avatar", async (c) => {
    const { media, chat } = c.get("deps");
    const user = await setUserAvatar(media, authOf(c).user, incomingBody(c), (row) => announceProfile(chat, row));
    return c.json({ user: toAccountView(user) });
  })
  .delete("/avatar", async (c) => {
    const { media, chat } = c.get("deps");
    const user = await setUserAvatar(media, authOf(c).user, null, (row) => announceProfile(chat, row));
    return c.json({ user: toAccountView(user) });
  })
  .get("/sessions", (c) => {
    const { user, session: current } = authOf(c);
    const sessions = listUserSessions(c.get("deps").store.db, user.id).map((s): SessionView => ({
      id: s.id,
      current: s.id === current.id,
      userAgent: s.userAgent,
      ip: s.ip,
      createdAt: toIso(s.createdAt)!,
      lastUsedAt: toIso(s.lastUsedAt)!,
      expiresAt: toIso(s.expiresAt)!,
    }));
    return c.json({ sessions });
  })
  .delete("/sessions/:id", async (c) => {
    const { user, session } = authOf(c);
    const id = c.req.param("id");
    const gone = await c.get("deps").store.write((tx) => deleteOwnSession(tx, user.id, id), "session");
    if (!gone) throw new AppError("SESSION_NOT_FOUND");
    if (id === session.id) clearSessionCookie(c);
    return c.body(null, 204);
  });
