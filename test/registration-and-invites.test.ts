import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let admin: string;
let member: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await setUp(s)).token;
  member = (await addMember(s, admin, "ben")).token;
});
afterAll(() => s.stop());

const newUser = (username: string, extra: object = {}) => ({
  body: { username, password: `${username}-secret-pw`, displayName: username, ...extra },
});
const invite = async (body: object = {}) =>
  (await s.call("POST", "/api/v1/admin/invites", { token: admin, body })).body.invite;

describe("invite-only registration (the default)", () => {
  test("a new install needs an invite code", async () => {
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/auth/register", newUser("carla"));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("INVITE_REQUIRED");
    expect(s.snapshot()).toBe(before);
  });

  test("an invite is single-use and lasts a week by default", async () => {
    const inv = await invite();
    expect(inv).toMatchObject({ maxUses: 1, uses: 0, usable: true });
    expect(inv.url).toBe(`${s.running.app.deps.config.publicUrl}/register?invite=${inv.code}`);
    const week = Date.parse(inv.expiresAt) - Date.now();
    expect(week).toBeGreaterThan(6.9 * 86_400_000);
    expect(week).toBeLessThan(7.1 * 86_400_000);
    const ok = await s.call("POST", "/api/v1/auth/register", newUser("carla", { inviteCode: inv.code }));
    expect(ok.status).toBe(201);
    expect(ok.body.user.role).toBe("member");
    const before = s.snapshot();
    const again = await s.call("POST", "/api/v1/auth/register", newUser("dora", { inviteCode: inv.code }));
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: "INVALID_INVITE", field: "inviteCode" });
    expect(s.snapshot()).toBe(before);
  });

  test("an invite with several uses admits that many people and no more", async () => {
    const inv = await invite({ maxUses: 2, expiresAt: null });
    expect(inv.expiresAt).toBeNull();
    expect((await s.call("POST", "/api/v1/auth/register", newUser("eve1", { inviteCode: inv.code }))).status).toBe(201);
    expect((await s.call("POST", "/api/v1/auth/register", newUser("eve2", { inviteCode: inv.code }))).status).toBe(201);
    expect((await s.call("POST", "/api/v1/auth/register", newUser("eve3", { inviteCode: inv.code }))).status).toBe(400);
    const listed = (await s.call("GET", "/api/v1/admin/invites", { token: admin })).body.invites.find(
      (i: any) => i.code === inv.code,
    );
    expect(listed).toMatchObject({ uses: 2, usable: false });
  });

  test("an expired invite is refused", async () => {
    const inv = await invite();
    s.running.app.deps.store.sqlite.run("UPDATE invites SET expires_at = ? WHERE code = ?", [Date.now() - 1, inv.code]);
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/auth/register", newUser("fred", { inviteCode: inv.code }));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_INVITE");
    expect(s.snapshot()).toBe(before);
  });

  test("a revoked invite is refused, and revoking is admin-only", async () => {
    const inv = await invite();
    const byMember = await s.call("DELETE", `/api/v1/admin/invites/${inv.code}`, { token: member });
    expect(byMember.status).toBe(403);
    expect((await s.call("DELETE", `/api/v1/admin/invites/${inv.code}`, { token: admin })).status).toBe(204);
    expect((await s.call("DELETE", `/api/v1/admin/invites/nonexistent`, { token: admin })).status).toBe(404);
    const r = await s.call("POST", "/api/v1/auth/register", newUser("gina", { inviteCode: inv.code }));
    expect(r.body.error.code).toBe("INVALID_INVITE");
  });

  test("an unknown invite code is refused", async () => {
    const r = await s.call("POST", "/api/v1/auth/register", newUser("hank", { inviteCode: "nosuchcode" }));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("INVALID_INVITE");
  });

  test("the registration screen can ask whether an invite still works, and why not, before anyone types", async () => {
    const check = (code: string) => s.call("GET", `/api/v1/invites/${encodeURIComponent(code)}`);
    const fresh = await invite({ maxUses: 1 });
    const before = s.snapshot();
    const ok = await check(fresh.code);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ invite: { expiresAt: fresh.expiresAt } });
    // Asking uses nothing up.
    expect(s.snapshot()).toBe(before);
    expect((await s.call("POST", "/api/v1/auth/register", newUser("ivan", { inviteCode: fresh.code }))).status).toBe(
      201,
    );
    expect((await check(fresh.code)).body.error.code).toBe("INVITE_EXHAUSTED");
    const expired = await invite();
    s.running.app.deps.store.sqlite.run("UPDATE invites SET expires_at = ? WHERE code = ?", [
      Date.now() - 1,
      expired.code,
    ]);
    expect(await check(expired.code).then((r) => [r.status, r.body.error.code])).toEqual([410, "INVITE_EXPIRED"]);
    const revoked = await invite();
    await s.call("DELETE", `/api/v1/admin/invites/${revoked.code}`, { token: admin });
    expect(await check(revoked.code).then((r) => [r.status, r.body.error.code])).toEqual([410, "INVITE_REVOKED"]);
    expect(await check("nosuchcode").then((r) => [r.status, r.body.error.code])).toEqual([404, "INVITE_NOT_FOUND"]);
    const long = await check("x".repeat(65));
    expect([long.status, long.body.error.code, long.body.error.field]).toEqual([400, "VALIDATION_FAILED", "code"]);
  });

  test("the admins' list says who registered with each invite", async () => {
    const inv = await invite({ maxUses: 3 });
    await s.call("POST", "/api/v1/auth/register", newUser("joan", { inviteCode: inv.code }));
    await s.call("POST", "/api/v1/auth/register", newUser("kim", { inviteCode: inv.code }));
    const listed = (await s.call("GET", "/api/v1/admin/invites", { token: admin })).body.invites;
    const mine = listed.find((i: any) => i.code === inv.code);
    expect(mine.usedBy.map((p: any) => p.username)).toEqual(["joan", "kim"]);
    expect(Object.keys(mine.usedBy[0]).sort()).toEqual(["displayName", "id", "username"]);
    expect(listed.find((i: any) => i.uses === 0).usedBy).toEqual([]);
  });

  test.each([
    ["maxUses of zero", { maxUses: 0 }, "maxUses"],
    ["maxUses as a string", { maxUses: "3" }, "maxUses"],
    ["a past expiry", { expiresAt: "2001-01-01T00:00:00Z" }, "expiresAt"],
    ["an expiry that is no date", { expiresAt: "next week" }, "expiresAt"],
  ])("refuses to create an invite with %s", async (_n, body, field) => {
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/admin/invites", { token: admin, body });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe(field);
    expect(s.snapshot()).toBe(before);
  });

  test("members cannot create or list invites", async () => {
    const before = s.snapshot();
    expect((await s.call("POST", "/api/v1/admin/invites", { token: member, body: {} })).status).toBe(403);
    expect((await s.call("GET", "/api/v1/admin/invites", { token: member })).status).toBe(403);
    expect((await s.call("POST", "/api/v1/admin/invites", { body: {} })).status).toBe(401);
    expect(s.snapshot()).toBe(before);
  });
});

describe("usernames", () => {
  test("are unique without regard to case", async () => {
    const inv = await invite();
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/auth/register", newUser("BEN", { inviteCode: inv.code }));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "USERNAME_TAKEN", field: "username" });
    // The invite was not spent on a failed registration.
    expect(s.snapshot()).toBe(before);
    expect((await s.call("POST", "/api/v1/auth/register", newUser("ben2", { inviteCode: inv.code }))).status).toBe(201);
  });
});

describe("registration modes", () => {
  test("only admins may change the registration mode, to a known mode", async () => {
    expect(
      (await s.call("PATCH", "/api/v1/admin/settings", { token: member, body: { registrationMode: "open" } })).status,
    ).toBe(403);
    const bad = await s.call("PATCH", "/api/v1/admin/settings", {
      token: admin,
      body: { registrationMode: "everyone" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe("registrationMode");
    const unknown = await s.call("PATCH", "/api/v1/admin/settings", { token: admin, body: { colour: "red" } });
    expect(unknown.status).toBe(400);
    expect((await s.call("GET", "/api/v1/admin/settings", { token: admin })).body.settings.registrationMode).toBe(
      "invite",
    );
  });

  test("open registration needs no invite", async () => {
    const r = await s.call("PATCH", "/api/v1/admin/settings", {
      token: admin,
      body: { registrationMode: "open", instanceName: "Family" },
    });
    expect(r.body.settings).toEqual({ registrationMode: "open", instanceName: "Family" });
    expect((await s.call("GET", "/api/v1/instance")).body).toMatchObject({ name: "Family", registrationMode: "open" });
    expect((await s.call("POST", "/api/v1/auth/register", newUser("ivy"))).status).toBe(201);
  });

  test("closed registration refuses everyone, even with an invite", async () => {
    const inv = await invite();
    await s.call("PATCH", "/api/v1/admin/settings", { token: admin, body: { registrationMode: "closed" } });
    const before = s.snapshot();
    const r = await s.call("POST", "/api/v1/auth/register", newUser("jack", { inviteCode: inv.code }));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("REGISTRATION_CLOSED");
    expect(s.snapshot()).toBe(before);
    await s.call("PATCH", "/api/v1/admin/settings", { token: admin, body: { registrationMode: "invite" } });
  });
});
