// parley admin ... from the shell, next to a running server on the same data folder.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./harness.ts";
import { spawnServer, type ChildServer } from "./process.ts";

const root = join(import.meta.dir, "..");
const dir = tempDir("parley-admin-cli-");
const data = join(dir, "data");
let server: ChildServer;

function admin(...args: string[]) {
  const r = Bun.spawnSync([process.execPath, join(root, "src", "main.ts"), "admin", ...args, "--data-dir", data], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", PARLEY_PUBLIC_URL: server.url },
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}
const call = async (method: string, path: string, body?: unknown, token?: string) => {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      ...(body ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
};
const linkIn = (text: string) => /(http\S+)/.exec(text)![1]!;

beforeAll(async () => {
  server = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
    cwd: dir,
    env: { PARLEY_DATA_DIR: data },
  });
});
afterAll(async () => {
  server.proc.kill("SIGTERM");
  await server.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe("parley admin", () => {
  test("create the first admin from the shell; they set a password through the link and sign in", async () => {
    const r = admin("create-user", "root", "--admin", "--display-name", "The Admin");
    expect(r.code).toBe(0);
    const token = new URL(linkIn(r.out)).searchParams.get("token")!;
    expect((await call("GET", `/api/v1/auth/password-reset/${token}`)).body.user.username).toBe("root");
    expect((await call("POST", "/api/v1/auth/password-reset", { token, password: "root-password" })).status).toBe(204);
    const login = await call("POST", "/api/v1/auth/login", { username: "root", password: "root-password" });
    expect(login.body.user).toMatchObject({ role: "admin", displayName: "The Admin" });
  });

  test("invite, promote, reset link and registration mode", async () => {
    const invite = admin("invite");
    expect(invite.code).toBe(0);
    const code = linkIn(invite.out).split("invite=")[1]!;
    expect(
      (
        await call("POST", "/api/v1/auth/register", {
          username: "bob",
          password: "bob-password",
          displayName: "Bob",
          inviteCode: code,
        })
      ).status,
    ).toBe(201);
    expect(admin("promote", "bob").code).toBe(0);
    const bob = await call("POST", "/api/v1/auth/login", { username: "bob", password: "bob-password" });
    expect(bob.body.user.role).toBe("admin");
    expect(admin("demote", "bob").code).toBe(0);
    expect(admin("reset-link", "bob").out).toContain("/reset-password?token=");
    expect(admin("registration", "open").code).toBe(0);
    expect((await call("GET", "/api/v1/instance")).body.registrationMode).toBe("open");
  });

  test("bad input says what is wrong and changes nothing", () => {
    for (const [args, code, text] of [
      [["create-user", "a b"], 1, "Use letters"],
      [["create-user", "bob"], 1, "taken"],
      [["promote", "nobody"], 1, 'no account named "nobody"'],
      [["registration", "maybe"], 1, "open, invite or closed"],
      [["frobnicate"], 2, "usage: parley admin"],
    ] as const) {
      const r = admin(...args);
      expect([args.join(" "), r.code]).toEqual([args.join(" "), code]);
      expect(r.err).toContain(text);
    }
  });
});
