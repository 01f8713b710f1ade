import { Hono } from "hono";
import { z } from "zod";
import { humanText } from "../../lib/text-policy.ts";
import { removePassword } from "../../accounts/account.ts";
import * as f from "../../accounts/fields.ts";
import {
  addPasskey,
  listPasskeys,
  logInWithPasskey,
  passkeyLoginOptions,
  passkeyRegistrationOptions,
  removePasskey,
  renamePasskey,
  type RelyingParty,
} from "../../accounts/passkeys.ts";
import { findUserById, toAccountView } from "../../accounts/users.ts";
import { authOf, sessionMeta, type AppContext, type AppEnv } from "../context.ts";
import { limitAuthAttempt } from "../middleware/auth-rate-limit.ts";
import { isSameOrigin } from "../middleware/origin.ts";
import { requireAuth, setSessionCookie } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

/**
 * The relying party is the configured public URL, or this server as the browser reached it (its own host,
 * as the origin check allows): an install used by LAN address before PARLEY_PUBLIC_URL is set still works.
 */
function relyingParty(c: AppContext): RelyingParty {
  const { config } = c.get("deps");
  const { publicUrl } = config;
  const origin = c.req.header("origin");
  const chosen =
    origin && origin !== publicUrl && isSameOrigin(origin, config, c.req.header("host")) ? origin : publicUrl;
  return { origin: chosen, id: new URL(chosen).hostname };
}

// The browser's answer, as @simplewebauthn/browser sends it; its contents are checked by the verifier.
const b64u = z
  .string()
  .max(20_000)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/);
const credentialBase = {
  id: b64u.min(1).max(1400),
  rawId: b64u.max(1400),
  type: z.literal("public-key"),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.string().max(40).optional(),
};
const registrationResponse = z.object({
  ...credentialBase,
  response: z
    .object({
      clientDataJSON: b64u,
      attestationObject: b64u,
      transports: z.array(z.string().max(40)).max(10).optional(),
    })
    .passthrough(),
});
const authenticationResponse = z.object({
  ...credentialBase,
  response: z
    .object({ clientDataJSON: b64u, authenticatorData: b64u, signature: b64u, userHandle: b64u.optional() })
    .passthrough(),
});
const passkeyName = humanText("The passkey name", { min: 1, max: 64 });

/** Mounted at /api/v1: passkey sign-in (signed out) and the account's passkeys (signed in). */
export const passkeyRoutes = new Hono<AppEnv>()
  .post("/auth/passkey/options", async (c) => {
    limitAuthAttempt(c);
    return c.json({ options: await passkeyLoginOptions(c.get("deps").store, relyingParty(c)) });
  })
  .post("/auth/passkey", async (c) => {
    limitAuthAttempt(c);
    const { response } = await readJson(c, z.object({ response: authenticationResponse }));
    const { store, config } = c.get("deps");
    const result = await logInWithPasskey(
      store,
      response as never,
      relyingParty(c),
      { passwordMinLength: config.passwordMinLength, sessionTtlDays: config.sessionTtlDays },
      sessionMeta(c),
    );
    setSessionCookie(c, result.token);
    return c.json({ user: toAccountView(result.user), token: result.token });
  })
  .use("/me/*", requireAuth)
  .post("/me/passkeys/options", async (c) =>
    c.json({ options: await passkeyRegistrationOptions(c.get("deps").store, authOf(c).user, relyingParty(c)) }),
  )
  .post("/me/passkeys", async (c) => {
    const { response, name } = await readJson(
      c,
      z.object({ response: registrationResponse, name: passkeyName.optional() }),
    );
    return c.json(
      { passkey: await addPasskey(c.get("deps").store, authOf(c).user, response as never, name, relyingParty(c)) },
      201,
    );
  })
  .get("/me/passkeys", (c) => c.json({ passkeys: listPasskeys(c.get("deps").store.db, authOf(c).user.id) }))
  .patch("/me/passkeys/:id", async (c) => {
    const { name } = await readJson(c, z.object({ name: passkeyName }).strict());
    const passkey = await renamePasskey(c.get("deps").store, authOf(c).user.id, c.req.param("id"), name);
    return c.json({ passkey });
  })
  .delete("/me/passkeys/:id", async (c) => {
    await removePasskey(c.get("deps").store, authOf(c).user.id, c.req.param("id"));
    return c.body(null, 204);
  })
  // Passkeys only from now on (at least one passkey is required).
  .delete("/me/password", async (c) => {
    const { currentPassword } = await readJson(c, z.object({ currentPassword: f.password }));
    const { store } = c.get("deps");
    limitAuthAttempt(c, authOf(c).user.username);
    await removePassword(store, authOf(c).user.id, currentPassword);
    return c.json({ user: toAccountView(findUserById(store.db, authOf(c).user.id)!) });
  });
