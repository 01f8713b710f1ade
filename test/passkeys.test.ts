// Passkeys over HTTP, answered by a software authenticator written here (ES256, "none" attestation, the
// byte layouts of WebAuthn level 2), so forged, replayed and mismatched responses can be made on purpose.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { isoCBOR } from "@simplewebauthn/server/helpers";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

const subtle = crypto.subtle;
const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const sha256 = async (b: Uint8Array) => new Uint8Array(await subtle.digest("SHA-256", b as Uint8Array<ArrayBuffer>));
const json = (o: object) => new TextEncoder().encode(JSON.stringify(o));

/** ECDSA raw r||s (WebCrypto) → ASN.1 DER (what WebAuthn signatures are). */
function der(raw: Uint8Array): Uint8Array {
  const int = (x: Uint8Array) => {
    let i = 0;
    while (i < x.length - 1 && x[i] === 0) i++;
    const v = x.subarray(i);
    return v[0]! & 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v];
  };
  const body = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

class Authenticator {
  counter = 0;
  credentialId = crypto.getRandomValues(new Uint8Array(32));
  userHandle = "";
  private constructor(private readonly keys: CryptoKeyPair) {}
  static async make() {
    return new Authenticator(
      (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair,
    );
  }

  async create(options: any, origin: string, tweak: { rpId?: string; type?: string } = {}) {
    const jwk = await subtle.exportKey("jwk", this.keys.publicKey);
    const cose = isoCBOR.encode(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, "base64url")],
        [-3, Buffer.from(jwk.y!, "base64url")],
      ]) as never,
    );
    const idLength = [this.credentialId.length >> 8, this.credentialId.length & 0xff];
    const authData = new Uint8Array([
      ...(await sha256(new TextEncoder().encode(tweak.rpId ?? options.rp.id))),
      0x45,
      0,
      0,
      0,
      0,
      ...new Uint8Array(16),
      ...idLength,
      ...this.credentialId,
      ...cose,
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]) as never,
    );
    const clientDataJSON = json({
      type: tweak.type ?? "webauthn.create",
      challenge: options.challenge,
      origin,
      crossOrigin: false,
    });
    this.userHandle = options.user.id;
    const id = b64u(this.credentialId);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ["internal"],
      },
      clientExtensionResults: {},
    };
  }

  async get(options: any, origin: string, tweak: { rpId?: string; signWith?: CryptoKey; userHandle?: string } = {}) {
    this.counter++;
    const count = [this.counter >>> 24, (this.counter >>> 16) & 0xff, (this.counter >>> 8) & 0xff, this.counter & 0xff];
    const authData = new Uint8Array([
      ...(await sha256(new TextEncoder().encode(tweak.rpId ?? options.rpId))),
      0x05,
      ...count,
    ]);
    const clientDataJSON = json({ type: "webauthn.get", challenge: options.challenge, origin, crossOrigin: false });
    const signed = new Uint8Array([...authData, ...(await sha256(clientDataJSON))]);
    const raw = new Uint8Array(
      await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, tweak.signWith ?? this.keys.privateKey, signed),
    );
    const id = b64u(this.credentialId);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(der(raw)),
        userHandle: tweak.userHandle ?? this.userHandle,
      },
      clientExtensionResults: {},
    };
  }
}

let s: TestServer;
let origin: string;
let admin: { token: string };
const post = (path: string, token: string | undefined, body?: unknown) =>
  s.call("POST", path, { token, body, headers: { origin } });

async function addPasskey(token: string, a: Authenticator, name?: string) {
  const { options } = (await post("/api/v1/me/passkeys/options", token)).body;
  return post("/api/v1/me/passkeys", token, { response: await a.create(options, origin), name });
}
async function signIn(a: Authenticator, tweak: Parameters<Authenticator["get"]>[2] = {}) {
  const { options } = (await post("/api/v1/auth/passkey/options", undefined)).body;
  return post("/api/v1/auth/passkey", undefined, { response: await a.get(options, origin, tweak) });
}

beforeAll(async () => {
  s = await startTestServer();
  origin = s.url;
  admin = await setUp(s);
});
afterAll(() => s.stop());

describe("passkeys", () => {
  test("add a passkey from the profile, then sign in with it without a username", async () => {
    const ben = await addMember(s, admin.token, "ben");
    const key = await Authenticator.make();
    const options = (await post("/api/v1/me/passkeys/options", ben.token)).body.options;
    // Discoverable, for this site, for Ben.
    expect(options).toMatchObject({
      rp: { id: "127.0.0.1" },
      user: { name: "ben", displayName: "BEN" },
      authenticatorSelection: { residentKey: "required" },
    });
    const added = await post("/api/v1/me/passkeys", ben.token, {
      response: await key.create(options, origin),
      name: "Laptop",
    });
    expect(added.status).toBe(201);
    expect(added.body.passkey).toMatchObject({ id: b64u(key.credentialId), name: "Laptop", lastUsedAt: null });

    const signInOptions = (await post("/api/v1/auth/passkey/options", undefined)).body.options;
    expect(signInOptions.allowCredentials ?? []).toEqual([]);
    const r = await post("/api/v1/auth/passkey", undefined, { response: await key.get(signInOptions, origin) });
    expect(r.status).toBe(200);
    expect(r.body.user.username).toBe("ben");
    expect(r.headers.getSetCookie().some((c) => c.startsWith("parley_session="))).toBe(true);
    expect((await s.call("GET", "/api/v1/me", { token: r.body.token })).body.user.username).toBe("ben");
    expect(
      (await s.call("GET", "/api/v1/me/passkeys", { token: ben.token })).body.passkeys[0].lastUsedAt,
    ).not.toBeNull();
  });

  test("replayed responses, reused challenges and forgeries are refused", async () => {
    const cat = await addMember(s, admin.token, "cat");
    const key = await Authenticator.make();
    expect((await addPasskey(cat.token, key)).status).toBe(201);

    const { options } = (await post("/api/v1/auth/passkey/options", undefined)).body;
    const response = await key.get(options, origin);
    expect((await post("/api/v1/auth/passkey", undefined, { response })).status).toBe(200);
    // The very same response again, and a fresh signature over the used challenge.
    const replay = await post("/api/v1/auth/passkey", undefined, { response });
    expect([replay.status, replay.body.error.code]).toEqual([401, "PASSKEY_INVALID"]);
    expect((await post("/api/v1/auth/passkey", undefined, { response: await key.get(options, origin) })).status).toBe(
      401,
    );

    const before = s.snapshot();
    const stranger = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
    for (const forged of [
      await signIn(key, { signWith: (stranger as CryptoKeyPair).privateKey }), // not the passkey's key
      await signIn(key, { rpId: "evil.example" }), // made for another site
      await signIn(key, { userHandle: b64u(new TextEncoder().encode("someone-else")) }), // claims another user
    ]) {
      expect([forged.status, forged.body.error.code]).toEqual([401, "PASSKEY_INVALID"]);
    }
    // Signed for another origin (a phishing page relaying our challenge).
    const { options: o2 } = (await post("/api/v1/auth/passkey/options", undefined)).body;
    expect(
      (await post("/api/v1/auth/passkey", undefined, { response: await key.get(o2, "https://evil.example") })).status,
    ).toBe(401);
    // An unknown credential.
    const unknown = await Authenticator.make();
    expect((await signIn(unknown)).status).toBe(401);
    // A made-up challenge.
    expect(
      (
        await post("/api/v1/auth/passkey", undefined, {
          response: await key.get({ rpId: "127.0.0.1", challenge: b64u(new Uint8Array(32)) }, origin),
        })
      ).status,
    ).toBe(401);
    // Only the challenge rows of the attempts changed, and their use removed them again.
    expect(JSON.parse(s.snapshot()).find(([t]: [string]) => t === "sessions")).toEqual(
      JSON.parse(before).find(([t]: [string]) => t === "sessions"),
    );
  });

  test("registration answers only its own challenge, for its own user, once", async () => {
    const dan = await addMember(s, admin.token, "dan");
    const eve = await addMember(s, admin.token, "eve");
    const key = await Authenticator.make();
    const danOptions = (await post("/api/v1/me/passkeys/options", dan.token)).body.options;
    // Eve cannot use a challenge issued to Dan; a sign-in challenge is not a registration one.
    expect(
      (await post("/api/v1/me/passkeys", eve.token, { response: await key.create(danOptions, origin) })).status,
    ).toBe(401);
    const loginOptions = (await post("/api/v1/auth/passkey/options", undefined)).body.options;
    expect(
      (
        await post("/api/v1/me/passkeys", dan.token, {
          response: await key.create({ ...danOptions, challenge: loginOptions.challenge }, origin),
        })
      ).status,
    ).toBe(401);
    const fresh = (await post("/api/v1/me/passkeys/options", dan.token)).body.options;
    expect(
      (
        await post("/api/v1/me/passkeys", dan.token, {
          response: await key.create(fresh, origin, { type: "webauthn.get" }),
        })
      ).status,
    ).toBe(401);
    const ok = (await post("/api/v1/me/passkeys/options", dan.token)).body.options;
    const response = await key.create(ok, origin);
    expect((await post("/api/v1/me/passkeys", dan.token, { response })).status).toBe(201);
    expect((await post("/api/v1/me/passkeys", dan.token, { response })).status).toBe(401);
    // The same authenticator again is already known.
    const again = (await post("/api/v1/me/passkeys/options", dan.token)).body.options;
    expect(again.excludeCredentials).toEqual([expect.objectContaining({ id: b64u(key.credentialId) })]);
    expect((await post("/api/v1/me/passkeys", dan.token, { response: await key.create(again, origin) })).status).toBe(
      409,
    );
  });

  test("junk bodies get 400 and change nothing", async () => {
    const before = s.snapshot();
    for (const body of [
      {},
      { response: "x" },
      { response: { id: "a", rawId: "a", type: "password", response: {} } },
      {
        response: {
          id: "!!",
          rawId: "a",
          type: "public-key",
          response: { clientDataJSON: "a", authenticatorData: "a", signature: "a" },
        },
      },
    ]) {
      expect((await post("/api/v1/auth/passkey", undefined, body)).status).toBe(400);
    }
    expect((await post("/api/v1/me/passkeys", admin.token, { response: { id: "a" } })).status).toBe(400);
    expect((await s.call("PATCH", "/api/v1/me/passkeys/nope", { token: admin.token, body: { name: "" } })).status).toBe(
      400,
    );
    expect(s.snapshot()).toBe(before);
  });

  test("list, rename, remove; an account may drop its password but always keeps one way in", async () => {
    const fay = await addMember(s, admin.token, "fay");
    const password = fay.password;
    const early = await s.call("DELETE", "/api/v1/me/password", {
      token: fay.token,
      body: { currentPassword: password },
    });
    expect([early.status, early.body.error.code]).toEqual([409, "LAST_SIGN_IN_METHOD"]);
    const phone = await Authenticator.make();
    const laptop = await Authenticator.make();
    const p1 = (await addPasskey(fay.token, phone, "Phone")).body.passkey;
    const p2 = (await addPasskey(fay.token, laptop, "Laptop")).body.passkey;
    expect(
      (await s.call("PATCH", `/api/v1/me/passkeys/${p1.id}`, { token: fay.token, body: { name: "Old phone" } })).body
        .passkey.name,
    ).toBe("Old phone");
    expect(
      (await s.call("GET", "/api/v1/me/passkeys", { token: fay.token })).body.passkeys.map((p: any) => p.name),
    ).toEqual(["Old phone", "Laptop"]);
    // Not someone else's.
    expect((await s.call("DELETE", `/api/v1/me/passkeys/${p1.id}`, { token: admin.token })).status).toBe(404);

    expect(
      (await s.call("DELETE", "/api/v1/me/password", { token: fay.token, body: { currentPassword: "wrong-password" } }))
        .status,
    ).toBe(403);
    const dropped = await s.call("DELETE", "/api/v1/me/password", {
      token: fay.token,
      body: { currentPassword: password },
    });
    expect(dropped.body.user.hasPassword).toBe(false);
    expect((await s.call("POST", "/api/v1/auth/login", { body: { username: "fay", password } })).status).toBe(401);
    expect((await s.call("DELETE", `/api/v1/me/passkeys/${p1.id}`, { token: fay.token })).status).toBe(204);
    const last = await s.call("DELETE", `/api/v1/me/passkeys/${p2.id}`, { token: fay.token });
    expect([last.status, last.body.error.code]).toEqual([409, "LAST_SIGN_IN_METHOD"]);
    expect((await signIn(laptop)).body.user.username).toBe("fay");
    // Setting a password again needs no current one; then the last passkey may go.
    expect(
      (await s.call("POST", "/api/v1/me/password", { token: fay.token, body: { newPassword: "a-new-password" } }))
        .status,
    ).toBe(204);
    expect((await s.call("DELETE", `/api/v1/me/passkeys/${p2.id}`, { token: fay.token })).status).toBe(204);
  });

  test("an account without a password confirms its deletion with its username; its passkeys go with it", async () => {
    const hal = await addMember(s, admin.token, "hal");
    const key = await Authenticator.make();
    await addPasskey(hal.token, key);
    await s.call("DELETE", "/api/v1/me/password", { token: hal.token, body: { currentPassword: hal.password } });
    expect((await s.call("DELETE", "/api/v1/me", { token: hal.token, body: { password: "not-my-name" } })).status).toBe(
      403,
    );
    expect((await s.call("DELETE", "/api/v1/me", { token: hal.token, body: { password: "hal" } })).status).toBe(204);
    expect((await signIn(key)).status).toBe(401);
  });

  test("a deactivated account cannot sign in with its passkey", async () => {
    const gil = await addMember(s, admin.token, "gil");
    const key = await Authenticator.make();
    await addPasskey(gil.token, key);
    expect(
      (await s.call("PATCH", `/api/v1/admin/users/${gil.user.id}`, { token: admin.token, body: { deactivated: true } }))
        .status,
    ).toBe(200);
    const r = await signIn(key);
    expect([r.status, r.body.error.code]).toEqual([403, "ACCOUNT_DEACTIVATED"]);
  });
});
