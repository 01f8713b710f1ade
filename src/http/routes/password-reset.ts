import { Hono } from "hono";
import { z } from "zod";
import * as f from "../../accounts/fields.ts";
import { getInstanceSettings } from "../../accounts/instance-settings.ts";
import { inspectResetToken, requestEmailReset, resetPassword } from "../../accounts/password-reset.ts";
import { verifyEmail } from "../../accounts/email-verification.ts";
import { toPublicUser } from "../../accounts/users.ts";
import { AppError } from "../../lib/errors.ts";
import { toIso } from "../../lib/time.ts";
import type { AppEnv } from "../context.ts";
import { limitAuthAttempt } from "../middleware/auth-rate-limit.ts";
import { parseWith } from "../../lib/parse.ts";
import { readJson } from "../validate.ts";

const token = z.string().trim().min(1).max(100);

export const passwordResetRoutes = new Hono<AppEnv>()
  .post("/auth/password-reset/request", async (c) => {
    const { login } = await readJson(c, z.object({ login: z.string().trim().min(1).max(254) }));
    limitAuthAttempt(c, login);
    const { store, mailer, config, chat } = c.get("deps");
    if (!mailer) throw new AppError("EMAIL_NOT_CONFIGURED");
    const { instanceName } = getInstanceSettings(store.db);
    // Not awaited: the answer must take as long whether or not the account exists (and so a write happens).
    chat.background.later("mailPasswordResetLater", () =>
      requestEmailReset(store, mailer, login, config.publicUrl, instanceName),
    );
    // The same answer whether or not the account exists.
    return c.json({ status: "If that account has an email address, a reset link is on its way." }, 202);
  })
  .get("/auth/password-reset/:token", (c) => {
    limitAuthAttempt(c);
    const { user, expiresAt } = inspectResetToken(c.get("deps").store, parseWith(token, c.req.param("token")));
    return c.json({ user: toPublicUser(user), expiresAt: toIso(expiresAt) });
  })
  // The link mailed to confirm an address; no session needed (it may be opened on another device).
  .post("/auth/verify-email", async (c) => {
    limitAuthAttempt(c);
    const body = await readJson(c, z.object({ token }));
    const user = await verifyEmail(c.get("deps").store, body.token);
    return c.json({ email: user.email });
  })
  .post("/auth/password-reset", async (c) => {
    limitAuthAttempt(c);
    const body = await readJson(c, z.object({ token, password: f.password }));
    const { store, config } = c.get("deps");
    await resetPassword(store, body.token, body.password, config.passwordMinLength);
    return c.body(null, 204);
  });
