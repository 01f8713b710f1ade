import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";
import { mailText, startFakeSmtp } from "./fake-smtp.ts";

let s: TestServer;
let smtp: ReturnType<typeof startFakeSmtp>;
let admin: string;
beforeAll(async () => {
  smtp = startFakeSmtp();
  s = await startTestServer({
    smtpUrl: smtp.url,
    smtpFrom: "Parley <noreply@chat.test>",
    publicUrl: "https://chat.test",
  });
  admin = (await setUp(s)).token;
});
afterAll(async () => {
  await s.stop();
  smtp.stop();
});

/**
 * Sets an address on the account and confirms it as its holder would: the mailed link, opened. Returns the
 * confirmation mail's body.
 */
async function confirmedEmail(token: string, email: string): Promise<string> {
  const arrived = smtp.next();
  await s.call("PATCH", "/api/v1/me", { token, body: { email } });
  const body = mailText(await arrived);
  const link = /https:\/\/chat\.test\/verify-email\?token=([a-z0-9]+)/.exec(body)!;
  expect((await s.call("POST", "/api/v1/auth/verify-email", { body: { token: link[1] } })).status).toBe(200);
  return body;
}

describe("confirming an email address", () => {
  test("a new address gets a link that confirms it; only then is it confirmed", async () => {
    const m = await addMember(s, admin, "walt");
    const arrived = smtp.next();
    const set = await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "walt@example.org" } });
    expect(set.body.user).toMatchObject({ email: "walt@example.org", emailVerified: false });
    const mail = await arrived;
    expect(mail.to).toEqual(["walt@example.org"]);
    const body = mailText(mail);
    expect(body).toContain("Subject: Confirm your email address for Parley");
    const token = /verify-email\?token=([a-z0-9]+)/.exec(body)![1]!;
    const ok = await s.call("POST", "/api/v1/auth/verify-email", { body: { token } });
    expect(ok.body).toEqual({ email: "walt@example.org" });
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).body.user.emailVerified).toBe(true);
    // Spent.
    expect((await s.call("POST", "/api/v1/auth/verify-email", { body: { token } })).body.error.code).toBe(
      "INVALID_VERIFICATION_TOKEN",
    );
    // Another address is unconfirmed again; the same one in other letters stays confirmed.
    await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "WALT@example.org" } });
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).body.user.emailVerified).toBe(true);
    const next = smtp.next();
    await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "walt@elsewhere.org" } });
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).body.user.emailVerified).toBe(false);
    expect((await next).to).toEqual(["walt@elsewhere.org"]);
  });

  test("a link for an address no longer on the account confirms nothing; bad links change nothing", async () => {
    const m = await addMember(s, admin, "xena");
    const first = smtp.next();
    await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "xena@example.org" } });
    const old = /verify-email\?token=([a-z0-9]+)/.exec(mailText(await first))![1]!;
    const second = smtp.next();
    await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "xena@typo.org" } });
    await second;
    const before = s.snapshot();
    for (const body of [{ token: old }, { token: "nope" }, { token: "" }, { token: 5 }, {}]) {
      const r = await s.call("POST", "/api/v1/auth/verify-email", { body });
      expect(r.status).toBe(400);
    }
    expect(s.snapshot()).toBe(before);
    expect((await s.call("GET", "/api/v1/me", { token: m.token })).body.user.emailVerified).toBe(false);
  });

  test("the link again on request; refused without an address or once confirmed", async () => {
    const m = await addMember(s, admin, "yuri");
    expect((await s.call("POST", "/api/v1/me/email/verification", { token: m.token })).status).toBe(400);
    await confirmedEmail(m.token, "yuri@example.org");
    expect((await s.call("POST", "/api/v1/me/email/verification", { token: m.token })).status).toBe(400);
    const n = await addMember(s, admin, "zack");
    const first = smtp.next();
    await s.call("PATCH", "/api/v1/me", { token: n.token, body: { email: "zack@example.org" } });
    await first;
    const again = smtp.next();
    expect((await s.call("POST", "/api/v1/me/email/verification", { token: n.token })).status).toBe(202);
    expect((await again).to).toEqual(["zack@example.org"]);
  });
});

describe("password reset by email", () => {
  test("the app is told that email reset is available", async () => {
    expect((await s.call("GET", "/api/v1/instance")).body.features.emailPasswordReset).toBe(true);
  });

  test("mails a single-use link to the address on the account", async () => {
    const m = await addMember(s, admin, "tess");
    await confirmedEmail(m.token, "tess@example.org");
    const arrived = smtp.next();
    const r = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "TESS" } });
    expect(r.status).toBe(202);
    const mail = await arrived;
    expect(mail.to).toEqual(["tess@example.org"]);
    const body = mailText(mail);
    expect(body).toContain("Subject: Reset your Parley password");
    const url = /https:\/\/chat\.test\/reset-password\?token=([a-z0-9]+)/.exec(body);
    expect(url).not.toBeNull();
    const token = url![1]!;
    expect(
      (await s.call("POST", "/api/v1/auth/password-reset", { body: { token, password: "tess-fresh-password" } }))
        .status,
    ).toBe(204);
    expect(
      (await s.call("POST", "/api/v1/auth/login", { body: { username: "tess", password: "tess-fresh-password" } }))
        .status,
    ).toBe(200);
    expect(
      (await s.call("POST", "/api/v1/auth/password-reset", { body: { token, password: "again-password" } })).status,
    ).toBe(400);
  });

  test("finds the account by email address too", async () => {
    const m = await addMember(s, admin, "uma");
    await confirmedEmail(m.token, "uma@example.org");
    const arrived = smtp.next();
    expect(
      (await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "Uma@Example.org" } })).status,
    ).toBe(202);
    expect((await arrived).to).toEqual(["uma@example.org"]);
  });

  test("answers the same for unknown accounts, accounts without email or with an unconfirmed one, and sends nothing", async () => {
    await addMember(s, admin, "vic");
    const unconfirmed = await addMember(s, admin, "vera");
    const setMail = smtp.next();
    await s.call("PATCH", "/api/v1/me", { token: unconfirmed.token, body: { email: "vera@example.org" } });
    await setMail;
    const count = smtp.mails.length;
    const before = s.snapshot();
    const unknown = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "nobody-here" } });
    const noEmail = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "vic" } });
    for (const login of ["vera", "vera@example.org"])
      expect((await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login } })).body).toEqual(
        unknown.body,
      );
    expect(unknown.status).toBe(202);
    expect(noEmail.status).toBe(202);
    expect(noEmail.body).toEqual(unknown.body);
    await s.running.app.deps.mailer!.idle();
    expect(smtp.mails.length).toBe(count);
    expect(s.snapshot()).toBe(before);
  });

  test("an empty request is refused", async () => {
    const r = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: " " } });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe("login");
  });
});

describe("an https public URL", () => {
  test("marks the session cookie Secure", async () => {
    const m = await addMember(s, admin);
    const r = await s.call("POST", "/api/v1/auth/login", { body: { username: m.user.username, password: m.password } });
    expect(r.headers.getSetCookie().join()).toContain("Secure");
    expect(r.headers.get("strict-transport-security")).toContain("max-age=");
  });
});
