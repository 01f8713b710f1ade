import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { addMember, cookieFrom, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await setUp(s)).token;
});
afterAll(() => s.stop());

const login = (username: string, password: string, headers: Record<string, string> = {}) =>
  s.call("POST", "/api/v1/auth/login", { body: { username, password }, headers });

describe("my profile", () => {
  test("I can change my display name, bio and email", async () => {
    const { token } = await addMember(s, admin, "kim");
    const r = await s.call("PATCH", "/api/v1/me", {
      token,
      body: { displayName: "  Kim Lee ", bio: "Line one\nline two", email: "Kim@Example.org" },
    });
    expect(r.status).toBe(200);
    expect(r.body.user).toMatchObject({
      displayName: "Kim Lee",
      bio: "Line one\nline two",
      email: "Kim@Example.org",
      username: "kim",
    });
    expect((await s.call("GET", "/api/v1/me", { token })).body.user.displayName).toBe("Kim Lee");
    const cleared = await s.call("PATCH", "/api/v1/me", { token, body: { email: "" } });
    expect(cleared.body.user.email).toBeNull();
  });

  test.each([
    ["an empty display name", { displayName: "" }, "displayName"],
    ["a display name of wrong type", { displayName: 7 }, "displayName"],
    ["an overlong bio", { bio: "b".repeat(501) }, "bio"],
    ["a bio with control characters", { bio: "bell\u0007" }, "bio"],
    ["an invalid email", { email: "not-an-email" }, "email"],
  ])("refuses %s and changes nothing", async (_n, body, field) => {
    const { token } = await addMember(s, admin);
    const before = s.snapshot();
    const r = await s.call("PATCH", "/api/v1/me", { token, body });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(s.snapshot()).toBe(before);
  });

  test("an email address belongs to one account only, in any case", async () => {
    const a = await addMember(s, admin);
    const b = await addMember(s, admin);
    await s.call("PATCH", "/api/v1/me", { token: a.token, body: { email: "shared@example.org" } });
    const before = s.snapshot();
    const r = await s.call("PATCH", "/api/v1/me", { token: b.token, body: { email: "SHARED@example.org" } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("EMAIL_TAKEN");
    expect(s.snapshot()).toBe(before);
  });

  test("profile routes need a session", async () => {
    expect((await s.call("GET", "/api/v1/me")).status).toBe(401);
    expect((await s.call("PATCH", "/api/v1/me", { body: { displayName: "x" } })).status).toBe(401);
    expect((await s.call("GET", "/api/v1/me/sessions")).status).toBe(401);
  });
});

describe("my sessions", () => {
  test("lists my sessions and revokes one of them", async () => {
    const m = await addMember(s, admin, "lena");
    const phone = await login("lena", m.password, { "user-agent": "Phone browser" });
    const list = await s.call("GET", "/api/v1/me/sessions", { token: m.token });
    expect(list.body.sessions).toHaveLength(2);
    const current = list.body.sessions.find((x: any) => x.current);
    const other = list.body.sessions.find((x: any) => !x.current);
    expect(current.id).toBe(m.token.split(".")[0]);
    expect(other.userAgent).toBe("Phone browser");
    expect(other.ip).toBe("127.0.0.1");
    expect(JSON.stringify(list.body)).not.toContain(m.token.split(".")[1]);
    expect((await s.call("DELETE", `/api/v1/me/sessions/${other.id}`, { token: m.token })).status).toBe(204);
    expect((await s.call("GET", "/api/v1/me", { token: phone.body.token })).status).toBe(401);
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).status).toBe(200);
  });

  test("a token once accepted is still checked whole every time: wrong secrets, revocation, a changed hash", async () => {
    const m = await addMember(s, admin);
    const phone = (await login(m.user.username, m.password)).body.token as string;
    const me = (token: string) => s.call("GET", "/api/v1/me", { token }).then((r) => r.status);
    expect(await me(phone)).toBe(200);
    expect(await me(phone)).toBe(200);
    const [id, secret] = phone.split(".") as [string, string];
    // The same session id with another secret, of the same length and not, is nobody.
    const flipped = secret.slice(0, -1) + (secret.endsWith("a") ? "b" : "a");
    for (const wrong of [flipped, secret + "a", secret.slice(1), ""]) expect(await me(`${id}.${wrong}`)).toBe(401);
    expect(await me(phone)).toBe(200);
    // Its stored hash replaced by another process (a restore, an admin by hand): the old secret stops working.
    const other = new Database(join(s.dataDir, "parley.db"));
    other.run("PRAGMA busy_timeout = 5000");
    other.query("UPDATE sessions SET secret_hash = ? WHERE id = ?").run("0".repeat(64), id);
    other.close();
    await new Promise((r) => setImmediate(r)); // another process's commit is noticed from the next turn
    expect(await me(phone)).toBe(401);
    // Revoked: refused, though it was accepted a moment ago.
    const laptop = (await login(m.user.username, m.password)).body.token as string;
    expect(await me(laptop)).toBe(200);
    expect((await s.call("DELETE", `/api/v1/me/sessions/${laptop.split(".")[0]}`, { token: m.token })).status).toBe(
      204,
    );
    expect(await me(laptop)).toBe(401);
  });

  test("cannot revoke another user's session", async () => {
    const a = await addMember(s, admin);
    const b = await addMember(s, admin);
    const before = s.snapshot();
    const r = await s.call("DELETE", `/api/v1/me/sessions/${b.token.split(".")[0]}`, { token: a.token });
    expect(r.status).toBe(404);
    expect(s.snapshot()).toBe(before);
    expect((await s.call("GET", "/api/v1/me", { token: b.token })).status).toBe(200);
  });
});

describe("changing my password", () => {
  test("needs the current password, and signs out my other sessions", async () => {
    const m = await addMember(s, admin, "mia");
    const other = await login("mia", m.password);
    const before = s.snapshot();
    const wrong = await s.call("POST", "/api/v1/me/password", {
      token: m.token,
      body: { currentPassword: "nope", newPassword: "brand-new-password" },
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toMatchObject({ code: "WRONG_PASSWORD", field: "currentPassword" });
    const weak = await s.call("POST", "/api/v1/me/password", {
      token: m.token,
      body: { currentPassword: m.password, newPassword: "short" },
    });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toMatchObject({ code: "WEAK_PASSWORD", field: "newPassword" });
    expect(s.snapshot()).toBe(before);

    const ok = await s.call("POST", "/api/v1/me/password", {
      token: m.token,
      body: { currentPassword: m.password, newPassword: "brand-new-password" },
    });
    expect(ok.status).toBe(204);
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).status).toBe(200);
    expect((await s.call("GET", "/api/v1/me", { token: other.body.token })).status).toBe(401);
    expect((await login("mia", m.password)).status).toBe(401);
    expect((await login("mia", "brand-new-password")).status).toBe(200);
  });
});

describe("deleting my account", () => {
  test("needs my password; signs me out everywhere; frees the username; keeps a 'Deleted user'", async () => {
    const m = await addMember(s, admin, "nora");
    const before = s.snapshot();
    const wrong = await s.call("DELETE", "/api/v1/me", { token: m.token, body: { password: "wrong-password" } });
    expect(wrong.status).toBe(403);
    const missing = await s.call("DELETE", "/api/v1/me", { token: m.token });
    expect(missing.status).toBe(400);
    expect(missing.body.error.field).toBe("password");
    expect(s.snapshot()).toBe(before);

    expect((await s.call("DELETE", "/api/v1/me", { token: m.token, body: { password: m.password } })).status).toBe(204);
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).status).toBe(401);
    expect((await login("nora", m.password)).status).toBe(401);
    const row = s.running.app.deps.store.sqlite.query<any, [string]>("SELECT * FROM users WHERE id = ?").get(m.user.id);
    expect(row).toMatchObject({ display_name: "Deleted user", password_hash: null, email: null });
    expect(row.deleted_at).toBeNumber();
    const users = (await s.call("GET", "/api/v1/admin/users", { token: admin })).body.users;
    expect(users.some((u: any) => u.id === m.user.id)).toBe(false);
    // Somebody else may now take the name.
    expect((await addMember(s, admin, "nora")).user.username).toBe("nora");
  });

  test("the only admin cannot delete their account", async () => {
    const before = s.snapshot();
    const r = await s.call("DELETE", "/api/v1/me", { token: admin, body: { password: "ana-password-1" } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("LAST_ADMIN");
    expect(s.snapshot()).toBe(before);
  });
});

describe("cookies and cross-site requests", () => {
  test("a cookie-authenticated change from another site is refused", async () => {
    const m = await addMember(s, admin, "olga");
    const r = await login("olga", m.password);
    const cookie = cookieFrom(r.headers);
    const before = s.snapshot();
    const evil = await s.call("PATCH", "/api/v1/me", {
      body: { displayName: "Hacked" },
      headers: { cookie, origin: "https://evil.example" },
    });
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe("CSRF_REJECTED");
    const crossSite = await s.call("PATCH", "/api/v1/me", {
      body: { displayName: "Hacked" },
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    const loginCsrf = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "olga", password: m.password },
      headers: { origin: "https://evil.example" },
    });
    expect(loginCsrf.status).toBe(403);
    expect(s.snapshot()).toBe(before);
    const same = await s.call("PATCH", "/api/v1/me", {
      body: { displayName: "Olga" },
      headers: { cookie, origin: s.url },
    });
    expect(same.status).toBe(200);
  });

  test("logout clears the cookie", async () => {
    const m = await addMember(s, admin);
    const r = await login(m.user.username, m.password);
    const out = await s.call("POST", "/api/v1/auth/logout", {
      headers: { cookie: cookieFrom(r.headers), origin: s.url },
    });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().join()).toMatch(/parley_session=;.*Max-Age=0/);
    expect((await s.call("GET", "/api/v1/me", { headers: { cookie: cookieFrom(r.headers) } })).status).toBe(401);
  });
});
