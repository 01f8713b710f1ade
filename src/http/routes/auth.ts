import { Hono } from "hono";
import { z } from "zod";
import * as f from "../../accounts/fields.ts";
import { checkInvite } from "../../accounts/invites.ts";
import { logIn } from "../../accounts/login.ts";
import { register, setUpFirstAdmin, type SignedIn } from "../../accounts/registration.ts";
import { deleteSession } from "../../accounts/sessions.ts";
import { toAccountView } from "../../accounts/users.ts";
import { sessionMeta, type AppContext, type AppEnv } from "../context.ts";
import { limitAuthAttempt } from "../middleware/auth-rate-limit.ts";
import { clearSessionCookie, setSessionCookie } from "../middleware/session.ts";
import { parseWith } from "../../lib/parse.ts";
import { readJson } from "../validate.ts";

const signUp = z.object({ username: f.username, password: f.password, displayName: f.displayName });
const registration = signUp.extend({ inviteCode: f.inviteCode.optional() });
const invitePath = z.object({ code: f.inviteCode });
const credentials = z.object({ username: z.string().trim().min(1).max(64), password: f.password });

function signedIn(c: AppContext, result: SignedIn, status: 200 | 201) {
  setSessionCookie(c, result.token);
  return c.json({ user: toAccountView(result.user), token: result.token }, status);
}

function policy(c: AppContext) {
  const { passwordMinLength, sessionTtlDays } = c.get("deps").config;
  return { passwordMinLength, sessionTtlDays };
}

export const authRoutes = new Hono<AppEnv>()
  .post("/setup", async (c) => {
    limitAuthAttempt(c);
    const body = await readJson(c, signUp);
    return signedIn(c, await setUpFirstAdmin(c.get("deps").store, body, policy(c), sessionMeta(c)), 201);
  })
  // Who is signed in here, if anyone: 200 either way, so a signed-out page load logs no failed request.
  .get("/auth/session", (c) => {
    const auth = c.get("auth");
    c.header("Cache-Control", "no-store");
    return c.json({ user: auth ? toAccountView(auth.user) : null });
  })
  // The registration screen asks as it opens whether its invite link still works (see checkInvite).
  .get("/invites/:code", (c) => {
    limitAuthAttempt(c);
    const { code } = parseWith(invitePath, { code: c.req.param("code") });
    return c.json({ invite: checkInvite(c.get("deps").store.db, code) });
  })
  .post("/auth/register", async (c) => {
    limitAuthAttempt(c);
    const body = await readJson(c, registration);
    return signedIn(c, await register(c.get("deps").store, body, policy(c), sessionMeta(c)), 201);
  })
  .post("/auth/login", async (c) => {
    const body = await readJson(c, credentials);
    limitAuthAttempt(c, body.username);
    return signedIn(c, await logIn(c.get("deps").store, body.username, body.password, policy(c), sessionMeta(c)), 200);
  })
  .post("/auth/logout", async (c) => {
    const auth = c.get("auth");
    if (auth) await c.get("deps").store.write((tx) => deleteSession(tx, auth.session.id), "session");
    clearSessionCookie(c);
    return c.body(null, 204);
  });
