// Passkeys (WebAuthn) with @simplewebauthn/server: add one from the profile, sign in with one without
// typing a username (discoverable credentials), list, rename, remove. Every challenge is stored, used
// once and expires in five minutes, so a captured response cannot be replayed.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import { and, asc, eq, lt } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import { users } from "../store/schema.ts";
import { passkeys, webauthnChallenges } from "../store/passkey-schema.ts";
import type { Db, Store } from "../store/store.ts";
import { getInstanceSettings } from "./instance-settings.ts";
import type { AuthPolicy, SignedIn } from "./registration.ts";
import { createSession, type SessionMeta, type UserRow } from "./sessions.ts";
import { findUserById } from "./users.ts";

let library: Promise<typeof import("@simplewebauthn/server")> | undefined;
/**
 * The WebAuthn library, loaded at the first passkey ceremony: with what it brings (ASN.1, X.509) it was a
 * quarter of an idle server's JavaScript heap, for something a server does a few times a week.
 */
const webauthn = () =>
  // Its X.509 code needs the Reflect polyfill evaluated first; the library imports it, but a lazily
  // loaded copy in the compiled executable evaluates it too late (test/executable.test.ts), so it goes first.
  (library ??= import("reflect-metadata").then(() => import("@simplewebauthn/server")));

const CHALLENGE_TTL_MS = 5 * 60_000;

/** The relying party: the origin the browser is on (the public URL, or this server reached by its own host). */
export interface RelyingParty {
  origin: string;
  id: string;
}

export interface PasskeyView {
  id: string;
  name: string;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

type PasskeyRow = typeof passkeys.$inferSelect;

const toView = (p: PasskeyRow): PasskeyView => ({
  id: p.id,
  name: p.name,
  backedUp: p.backedUp,
  createdAt: toIso(p.createdAt)!,
  lastUsedAt: toIso(p.lastUsedAt),
});

/** The WebAuthn user handle: the user's id, so a discoverable passkey says whose it is. */
const userHandle = (userId: string) => new TextEncoder().encode(userId);

function keepChallenge(db: Db, challenge: string, kind: "register" | "login", userId: string | null): void {
  const now = Date.now();
  db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now)).run();
  db.insert(webauthnChallenges)
    .values({ challenge, kind, userId, expiresAt: now + CHALLENGE_TTL_MS })
    .run();
}

/** Takes the challenge a response answers: it must be ours, of this kind (and user), unexpired; it is gone after. */
async function takeChallenge(
  store: Store,
  clientDataJSON: unknown,
  kind: "register" | "login",
  userId: string | null,
): Promise<string> {
  let challenge: unknown;
  try {
    challenge = JSON.parse(Buffer.from(String(clientDataJSON), "base64url").toString("utf8")).challenge;
  } catch {}
  if (typeof challenge !== "string" || challenge.length > 200) throw new AppError("PASSKEY_INVALID");
  // Gone whether or not it fits: checked after its delete has committed, so a failed attempt spends it too.
  const row = await store.write(
    (tx) => tx.delete(webauthnChallenges).where(eq(webauthnChallenges.challenge, challenge)).returning().get(),
    "account",
  );
  if (!row || row.kind !== kind || row.userId !== userId || row.expiresAt < Date.now())
    throw new AppError("PASSKEY_INVALID");
  return challenge;
}

export async function passkeyRegistrationOptions(store: Store, user: UserRow, rp: RelyingParty) {
  const db = store.db;
  const { generateRegistrationOptions } = await webauthn();
  const existing = db.select().from(passkeys).where(eq(passkeys.userId, user.id)).all();
  const options = await generateRegistrationOptions({
    rpName: getInstanceSettings(db).instanceName,
    rpID: rp.id,
    userName: user.username,
    userDisplayName: user.displayName,
    userID: userHandle(user.id),
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: JSON.parse(p.transports) })),
    authenticatorSelection: { residentKey: "required", userVerification: "preferred" },
    // PRF (hmac-secret) must be asked for when a passkey is made: later it can unlock the person's key
    // backup for end-to-end encrypted conversations (web/src/e2ee/passkey-unlock.ts), where supported.
    extensions: { prf: {} } as AuthenticationExtensionsClientInputs,
  });
  await store.write((tx) => keepChallenge(tx, options.challenge, "register", user.id), "account");
  return options;
}

export async function addPasskey(
  store: Store,
  user: UserRow,
  response: RegistrationResponseJSON,
  name: string | undefined,
  rp: RelyingParty,
): Promise<PasskeyView> {
  const { verifyRegistrationResponse } = await webauthn();
  const challenge = await takeChallenge(store, response.response?.clientDataJSON, "register", user.id);
  let verified;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch {
    throw new AppError("PASSKEY_INVALID");
  }
  if (!verified.verified) throw new AppError("PASSKEY_INVALID");
  const { credential, credentialBackedUp } = verified.registrationInfo;
  const row = await store.write((tx) => {
    if (tx.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.id, credential.id)).get())
      throw new AppError("PASSKEY_EXISTS");
    return tx
      .insert(passkeys)
      .values({
        id: credential.id,
        userId: user.id,
        publicKey: Buffer.from(credential.publicKey).toString("base64url"),
        counter: credential.counter,
        transports: JSON.stringify(credential.transports ?? []),
        name: name ?? "Passkey",
        backedUp: credentialBackedUp,
        createdAt: Date.now(),
        lastUsedAt: null,
      })
      .returning()
      .get();
  }, "account");
  return toView(row);
}

export async function passkeyLoginOptions(store: Store, rp: RelyingParty) {
  const { generateAuthenticationOptions } = await webauthn();
  // No allowCredentials: the browser offers the passkeys it holds for this site, so no username is typed.
  const options = await generateAuthenticationOptions({ rpID: rp.id, userVerification: "preferred" });
  await store.write((tx) => keepChallenge(tx, options.challenge, "login", null), "account");
  return options;
}

export async function logInWithPasskey(
  store: Store,
  response: AuthenticationResponseJSON,
  rp: RelyingParty,
  policy: AuthPolicy,
  meta: SessionMeta,
): Promise<SignedIn> {
  const { verifyAuthenticationResponse } = await webauthn();
  const db = store.db;
  const challenge = await takeChallenge(store, response.response?.clientDataJSON, "login", null);
  const passkey =
    typeof response.id === "string" ? db.select().from(passkeys).where(eq(passkeys.id, response.id)).get() : undefined;
  if (!passkey) throw new AppError("PASSKEY_INVALID");
  // A discoverable passkey names its user; it must be the one it was made for.
  if (
    response.response.userHandle &&
    Buffer.from(response.response.userHandle, "base64url").toString("utf8") !== passkey.userId
  )
    throw new AppError("PASSKEY_INVALID");
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
      credential: {
        id: passkey.id,
        publicKey: Buffer.from(passkey.publicKey, "base64url"),
        counter: passkey.counter,
        transports: JSON.parse(passkey.transports),
      },
    });
  } catch {
    throw new AppError("PASSKEY_INVALID");
  }
  if (!result.verified) throw new AppError("PASSKEY_INVALID");
  const user = findUserById(db, passkey.userId);
  if (!user || user.deletedAt !== null) throw new AppError("PASSKEY_INVALID");
  if (user.deactivatedAt !== null) throw new AppError("ACCOUNT_DEACTIVATED");
  const newCounter = result.authenticationInfo.newCounter;
  const { token } = await store.write((tx) => {
    tx.update(passkeys).set({ counter: newCounter, lastUsedAt: Date.now() }).where(eq(passkeys.id, passkey.id)).run();
    return createSession(tx, user.id, policy.sessionTtlDays, meta);
  }, "session");
  return { user, token };
}

export function listPasskeys(db: Db, userId: string): PasskeyView[] {
  return db
    .select()
    .from(passkeys)
    .where(eq(passkeys.userId, userId))
    .orderBy(asc(passkeys.createdAt))
    .all()
    .map(toView);
}

function requirePasskey(db: Db, userId: string, id: string): PasskeyRow {
  const row = db
    .select()
    .from(passkeys)
    .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
    .get();
  if (!row) throw new AppError("PASSKEY_NOT_FOUND");
  return row;
}

export function renamePasskey(store: Store, userId: string, id: string, name: string): Promise<PasskeyView> {
  return store.write((tx) => {
    requirePasskey(tx, userId, id);
    return toView(tx.update(passkeys).set({ name }).where(eq(passkeys.id, id)).returning().get()!);
  }, "account");
}

/** Removes a passkey, unless it is the account's last way in (no password, no other passkey). */
export function removePasskey(store: Store, userId: string, id: string): Promise<void> {
  // One transaction from check to delete: nothing can slip in between.
  return store.write((tx) => {
    requirePasskey(tx, userId, id);
    const user = tx.select().from(users).where(eq(users.id, userId)).get()!;
    if (user.passwordHash === null && countPasskeys(tx, userId) <= 1)
      throw new AppError("LAST_SIGN_IN_METHOD", "Set a password or add another passkey before removing this one.");
    tx.delete(passkeys).where(eq(passkeys.id, id)).run();
  }, "account");
}

export function countPasskeys(db: Db, userId: string): number {
  return db.select({ id: passkeys.id }).from(passkeys).where(eq(passkeys.userId, userId)).all().length;
}
