import { Database } from "bun:sqlite";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN, cookieFrom, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe("first-run setup", () => {
  test("reports that setup is required before anyone exists", async () => {
    const r = await s.call("GET", "/api/v1/instance");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "Parley", setupRequired: true, registrationMode: "invite" });
  });

  test("refuses registration before the admin exists", async () => {
    const r = await s.call("POST", "/api/v1/auth/register", {
      body: { username: "early", password: "early-password", displayName: "Early" },
    });
    expect(r.status).toBe(403);
  });

  test.each([
    ["missing username", { password: "long-enough-pw", displayName: "A" }, "username"],
    ["username of wrong type", { username: 42, password: "long-enough-pw", displayName: "A" }, "username"],
    ["username too short", { username: "ab", password: "long-enough-pw", displayName: "A" }, "username"],
    ["username too long", { username: "a".repeat(33), password: "long-enough-pw", displayName: "A" }, "username"],
    ["username with spaces", { username: "ana maria", password: "long-enough-pw", displayName: "A" }, "username"],
    ["username with look-alike letters", { username: "аna", password: "long-enough-pw", displayName: "A" }, "username"],
    ["empty display name", { username: "ana", password: "long-enough-pw", displayName: "   " }, "displayName"],
    [
      "overlong display name",
      { username: "ana", password: "long-enough-pw", displayName: "x".repeat(65) },
      "displayName",
    ],
    [
      "display name with control characters",
      { username: "ana", password: "long-enough-pw", displayName: "An\u0000a" },
      "displayName",
    ],
    ["missing password", { username: "ana", displayName: "Ana" }, "password"],
    ["short password", { username: "ana", password: "short", displayName: "Ana" }, "password"],
    ["overlong password", { username: "ana", password: "p".repeat(257), displayName: "Ana" }, "password"],
  ])("rejects %s, naming the field, and changes nothing", async (_name, body, field) => {
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/setup", { body });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(r.body.error.code).toMatch(/^(VALIDATION_FAILED|WEAK_PASSWORD)$/);
    expect(r.body.error.message.length).toBeGreaterThan(5);
    expect(s.snapshot()).toBe(before);
  });

  test("rejects a body that is not JSON, or not an object", async () => {
    const before = s.snapshot();
    const notJson = await s.call("POST", "/api/v1/setup", {
      raw: "{username:",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("BAD_REQUEST");
    const array = await s.call("POST", "/api/v1/setup", { body: [1, 2] });
    expect(array.status).toBe(400);
    expect(array.body.error.code).toBe("VALIDATION_FAILED");
    const form = await s.call("POST", "/api/v1/setup", {
      raw: "username=ana",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    expect(s.snapshot()).toBe(before);
  });

  test("creates the admin, signs them in with a cookie and a token", async () => {
    const r = await s.call("POST", "/api/v1/setup", { body: ADMIN });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ username: "ana", displayName: "Ana Admin", role: "admin", avatarUrl: null });
    expect(r.body.user.passwordHash).toBeUndefined();
    expect(r.body.token).toMatch(/^[a-z0-9]+\.[a-z0-9]+$/);
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith("parley_session="))!;
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Secure"); // served over plain http here
    const me = await s.call("GET", "/api/v1/me", { token: r.body.token });
    expect(me.body.user.id).toBe(r.body.user.id);
    const viaCookie = await s.call("GET", "/api/v1/me", { headers: { cookie: cookieFrom(r.headers) } });
    expect(viaCookie.body.user.username).toBe("ana");
    // "Who is signed in here" answers 200 either way: a signed-out page load logs no failed request.
    const session = await s.call("GET", "/api/v1/auth/session", { headers: { cookie: cookieFrom(r.headers) } });
    expect([session.status, session.body.user.id]).toEqual([200, r.body.user.id]);
    const nobody = await s.call("GET", "/api/v1/auth/session");
    expect([nobody.status, nobody.body, nobody.headers.get("cache-control")]).toEqual([
      200,
      { user: null },
      "no-store",
    ]);
    const stale = await s.call("GET", "/api/v1/auth/session", { token: "abc.def" });
    expect([stale.status, stale.body]).toEqual([200, { user: null }]);
  });

  test("the password is stored as an argon2id hash, never in clear", () => {
    const row = s.running.app.deps.store.sqlite
      .query<{ password_hash: string }, []>("SELECT password_hash FROM users")
      .get()!;
    expect(row.password_hash).toStartWith("$argon2id$");
    expect(s.snapshot()).not.toContain(ADMIN.password);
  });

  test("a second setup is refused with ALREADY_SET_UP and changes nothing", async () => {
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/setup", {
      body: { username: "mallory", password: "mallory-password", displayName: "M" },
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("ALREADY_SET_UP");
    expect(s.snapshot()).toBe(before);
    expect((await s.call("GET", "/api/v1/instance")).body.setupRequired).toBe(false);
  });
});

describe("login and logout", () => {
  test("logs in with the username in any case", async () => {
    const r = await s.call("POST", "/api/v1/auth/login", { body: { username: "ANA", password: ADMIN.password } });
    expect(r.status).toBe(200);
    expect(r.body.user.username).toBe("ana");
    expect(cookieFrom(r.headers)).toStartWith("parley_session=");
  });

  test("a wrong password and an unknown user get the same 401", async () => {
    const before = s.snapshot();
    const wrong = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "ana", password: "not-the-password" },
    });
    const unknown = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "nobody", password: "not-the-password" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    expect(wrong.body.error.code).toBe("INVALID_CREDENTIALS");
    expect(s.snapshot()).toBe(before);
  });

  test.each([
    ["missing password", { username: "ana" }],
    ["password of wrong type", { username: "ana", password: ["x"] }],
    ["empty username", { username: "", password: "x" }],
  ])("rejects a login with %s", async (_n, body) => {
    const r = await s.call("POST", "/api/v1/auth/login", { body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_FAILED");
  });

  test("logout ends the session at once", async () => {
    const { body } = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "ana", password: ADMIN.password },
    });
    expect((await s.call("GET", "/api/v1/me", { token: body.token })).status).toBe(200);
    const out = await s.call("POST", "/api/v1/auth/logout", { token: body.token });
    expect(out.status).toBe(204);
    const after = await s.call("GET", "/api/v1/me", { token: body.token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("UNAUTHENTICATED");
  });

  test("a malformed, forged or expired token is refused", async () => {
    const { body } = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "ana", password: ADMIN.password },
    });
    const [id] = body.token.split(".");
    for (const token of ["garbage", `${id}.wrongsecret`, `${id}.`, "x".repeat(500)]) {
      expect((await s.call("GET", "/api/v1/me", { token })).status).toBe(401);
    }
    expect((await s.call("GET", "/api/v1/me", { headers: { authorization: "Basic abc" } })).status).toBe(401);
    byHand("UPDATE sessions SET expires_at = ? WHERE id = ?", [Date.now() - 1000, id]);
    expect((await s.call("GET", "/api/v1/me", { token: body.token })).status).toBe(401);
    await s.idle(); // the expired row is deleted through the write queue, after the answer
    const gone = s.running.app.deps.store.sqlite.query("SELECT id FROM sessions WHERE id = ?").get(id);
    expect(gone).toBeNull();
  });

  test("a session used late in its life is extended", async () => {
    const { body } = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "ana", password: ADMIN.password },
    });
    const [id] = body.token.split(".");
    const soon = Date.now() + 60_000;
    byHand("UPDATE sessions SET expires_at = ? WHERE id = ?", [soon, id]);
    expect((await s.call("GET", "/api/v1/me", { token: body.token })).status).toBe(200);
    // The renewal is written through the write queue after the request (batched with others).
    await s.idle();
    const row = s.running.app.deps.store.sqlite
      .query<{ expires_at: number }, [string]>("SELECT expires_at FROM sessions WHERE id = ?")
      .get(id)!;
    expect(row.expires_at).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });
});

/**
 * A change made to the database file by another connection, as an admin with sqlite3 would: the server
 * notices it (its row caches watch SQLite's data_version), as it would not notice one made behind its back
 * on its own connection.
 */
function byHand(statement: string, params: (string | number)[]): void {
  const other = new Database(join(s.dataDir, "parley.db"));
  try {
    other.run("PRAGMA busy_timeout = 5000");
    other.run(statement, params);
  } finally {
    other.close();
  }
}
