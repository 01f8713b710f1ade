import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN, addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let admin: string;
let adminId: string;
beforeAll(async () => {
  s = await startTestServer();
  ({
    token: admin,
    user: { id: adminId },
  } = await setUp(s));
});
afterAll(() => s.stop());

const patchUser = (id: string, body: unknown, token = admin) =>
  s.call("PATCH", `/api/v1/admin/users/${id}`, { token, body });
const login = (username: string, password: string) =>
  s.call("POST", "/api/v1/auth/login", { body: { username, password } });

describe("admin: users", () => {
  test("lists users with their role and state", async () => {
    await addMember(s, admin, "paul");
    const r = await s.call("GET", "/api/v1/admin/users", { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.users.map((u: any) => [u.username, u.role, u.deactivated])).toEqual([
      ["ana", "admin", false],
      ["paul", "member", false],
    ]);
    expect(JSON.stringify(r.body)).not.toContain("argon2");
  });

  test("members and strangers cannot reach admin routes, and change nothing", async () => {
    const m = await addMember(s, admin);
    const before = s.snapshot();
    expect((await s.call("GET", "/api/v1/admin/users", { token: m.token })).status).toBe(403);
    expect((await patchUser(m.user.id, { role: "admin" }, m.token)).status).toBe(403);
    expect((await patchUser(adminId, { deactivated: true }, m.token)).status).toBe(403);
    expect((await s.call("POST", `/api/v1/admin/users/${m.user.id}/password-reset`, { token: m.token })).status).toBe(
      403,
    );
    expect(
      (await s.call("PATCH", "/api/v1/admin/settings", { token: m.token, body: { registrationMode: "open" } })).status,
    ).toBe(403);
    expect((await s.call("GET", "/api/v1/admin/users")).status).toBe(401);
    expect(s.snapshot()).toBe(before);
  });

  test("deactivating signs the user out and stops logins; reactivating lets them back", async () => {
    const m = await addMember(s, admin, "quinn");
    const r = await patchUser(m.user.id, { deactivated: true });
    expect(r.status).toBe(200);
    expect(r.body.user.deactivated).toBe(true);
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).status).toBe(401);
    const refused = await login("quinn", m.password);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("ACCOUNT_DEACTIVATED");
    // A wrong password still gets the plain 401: deactivation is only revealed to the account holder.
    expect((await login("quinn", "wrong-password")).status).toBe(401);
    expect((await patchUser(m.user.id, { deactivated: false })).body.user.deactivated).toBe(false);
    expect((await login("quinn", m.password)).status).toBe(200);
  });

  test("promotes and demotes", async () => {
    const m = await addMember(s, admin, "rosa");
    expect((await patchUser(m.user.id, { role: "admin" })).body.user.role).toBe("admin");
    expect((await s.call("GET", "/api/v1/admin/users", { token: m.token })).status).toBe(200);
    expect((await patchUser(m.user.id, { role: "member" })).body.user.role).toBe("member");
    expect((await s.call("GET", "/api/v1/admin/users", { token: m.token })).status).toBe(403);
  });

  test("the last admin cannot be demoted or deactivated", async () => {
    const before = s.snapshot();
    for (const body of [{ role: "member" }, { deactivated: true }]) {
      const r = await patchUser(adminId, body);
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("LAST_ADMIN");
    }
    expect(s.snapshot()).toBe(before);
  });

  test.each([
    ["an unknown role", { role: "owner" }, 400],
    ["deactivated as a string", { deactivated: "yes" }, 400],
    ["nothing to change", {}, 400],
  ])("refuses a patch with %s", async (_n, body, status) => {
    const m = await addMember(s, admin);
    const before = s.snapshot();
    const r = await patchUser(m.user.id, body);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe("VALIDATION_FAILED");
    expect(s.snapshot()).toBe(before);
  });

  test("an unknown user id is a 404", async () => {
    expect((await patchUser("nosuchuser", { role: "admin" })).status).toBe(404);
    expect((await s.call("POST", "/api/v1/admin/users/nosuchuser/password-reset", { token: admin })).status).toBe(404);
  });
});

describe("admin: password-reset links", () => {
  test("a link sets a new password once, and signs the user out everywhere", async () => {
    const m = await addMember(s, admin, "sam");
    const link = await s.call("POST", `/api/v1/admin/users/${m.user.id}/password-reset`, { token: admin });
    expect(link.status).toBe(201);
    expect(link.body.url).toStartWith(`${s.running.app.deps.config.publicUrl}/reset-password?token=`);
    const token = new URL(link.body.url).searchParams.get("token")!;
    expect(s.snapshot()).not.toContain(token); // stored only as a hash

    const info = await s.call("GET", `/api/v1/auth/password-reset/${token}`);
    expect(info.status).toBe(200);
    expect(info.body.user.username).toBe("sam");

    const weak = await s.call("POST", "/api/v1/auth/password-reset", { body: { token, password: "short" } });
    expect(weak.status).toBe(400);
    expect(weak.body.error.code).toBe("WEAK_PASSWORD");

    expect(
      (await s.call("POST", "/api/v1/auth/password-reset", { body: { token, password: "sam-new-password" } })).status,
    ).toBe(204);
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).status).toBe(401);
    expect((await login("sam", m.password)).status).toBe(401);
    expect((await login("sam", "sam-new-password")).status).toBe(200);

    const before = s.snapshot();
    const reuse = await s.call("POST", "/api/v1/auth/password-reset", {
      body: { token, password: "another-password" },
    });
    expect(reuse.status).toBe(400);
    expect(reuse.body.error.code).toBe("INVALID_RESET_TOKEN");
    expect((await s.call("GET", `/api/v1/auth/password-reset/${token}`)).status).toBe(400);
    expect(s.snapshot()).toBe(before);
  });

  test("an expired link, or one replaced by a newer link, does not work", async () => {
    const m = await addMember(s, admin);
    const first = new URL(
      (await s.call("POST", `/api/v1/admin/users/${m.user.id}/password-reset`, { token: admin })).body.url,
    ).searchParams.get("token");
    const second = new URL(
      (await s.call("POST", `/api/v1/admin/users/${m.user.id}/password-reset`, { token: admin })).body.url,
    ).searchParams.get("token");
    expect(
      (await s.call("POST", "/api/v1/auth/password-reset", { body: { token: first, password: "whatever-password" } }))
        .status,
    ).toBe(400);
    s.running.app.deps.store.sqlite.run("UPDATE password_resets SET expires_at = ? WHERE user_id = ?", [
      Date.now() - 1,
      m.user.id,
    ]);
    const before = s.snapshot();
    const expired = await s.call("POST", "/api/v1/auth/password-reset", {
      body: { token: second, password: "whatever-password" },
    });
    expect(expired.body.error.code).toBe("INVALID_RESET_TOKEN");
    expect(s.snapshot()).toBe(before);
    expect((await login(m.user.username, m.password)).status).toBe(200);
  });

  test("without email configured, self-service reset says so", async () => {
    const r = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: ADMIN.username } });
    expect(r.status).toBe(501);
    expect(r.body.error.code).toBe("EMAIL_NOT_CONFIGURED");
  });
});
