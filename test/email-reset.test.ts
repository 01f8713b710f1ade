import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";
import { startFakeSmtp } from "./fake-smtp.ts";

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

// SMTP doubles a dot that starts a line; quoted-printable breaks long lines with "=" and escapes bytes.
const decode = (data: string) =>
  data
    .replace(/(^|\r?\n)\.\./g, "$1.")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));

describe("password reset by email", () => {
  test("the app is told that email reset is available", async () => {
    expect((await s.call("GET", "/api/v1/instance")).body.features.emailPasswordReset).toBe(true);
  });

  test("mails a single-use link to the address on the account", async () => {
    const m = await addMember(s, admin, "tess");
    await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "tess@example.org" } });
    const arrived = smtp.next();
    const r = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "TESS" } });
    expect(r.status).toBe(202);
    const mail = await arrived;
    expect(mail.to).toEqual(["tess@example.org"]);
    const body = decode(mail.data);
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
    await s.call("PATCH", "/api/v1/me", { token: m.token, body: { email: "uma@example.org" } });
    const arrived = smtp.next();
    expect(
      (await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "Uma@Example.org" } })).status,
    ).toBe(202);
    expect((await arrived).to).toEqual(["uma@example.org"]);
  });

  test("answers the same for unknown accounts and accounts without email, and sends nothing", async () => {
    await addMember(s, admin, "vic");
    const count = smtp.mails.length;
    const before = s.snapshot();
    const unknown = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "nobody-here" } });
    const noEmail = await s.call("POST", "/api/v1/auth/password-reset/request", { body: { login: "vic" } });
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
