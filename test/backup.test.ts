// parley backup / restore with the real CLI, against a server that keeps writing during the backup.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, waitFor } from "./harness.ts";
import { spawnServer, type ChildServer } from "./process.ts";

const root = join(import.meta.dir, "..");
const cli = (args: string[]) =>
  Bun.spawn([process.execPath, join(root, "src", "main.ts"), ...args], {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "" },
  });
const dir = tempDir("parley-backup-");
const servers: ChildServer[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.proc.kill("SIGTERM");
    await s.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function start(
  dataDir: string,
): Promise<ChildServer & { call: (m: string, p: string, token?: string, body?: unknown) => Promise<any> }> {
  const s = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
    cwd: dir,
    env: { PARLEY_DATA_DIR: dataDir, PARLEY_AUTH_RATE_LIMIT: "10000" },
  });
  servers.push(s);
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(s.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { "content-type": "application/json" } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
  return Object.assign(s, { call });
}

describe("backup and restore", () => {
  const data = join(dir, "data");
  const archive = join(dir, "parley-backup.tar");
  let conv: string;
  let ackedBefore: string[] = [];
  let fileId: string;

  test("a backup taken while messages are written holds every message acked before it began, intact", async () => {
    const s = await start(data);
    const admin = (
      await s.call("POST", "/api/v1/setup", undefined, {
        username: "ana",
        password: "ana-password",
        displayName: "Ana",
      })
    ).body;
    conv = (await s.call("POST", "/api/v1/conversations", admin.token, { type: "group", title: "Log", memberIds: [] }))
      .body.conversation.id;
    const form = new FormData();
    form.append("file", new File(["the minutes"], "minutes.txt"));
    fileId = (
      (await (
        await fetch(`${s.url}/api/v1/uploads`, {
          method: "POST",
          headers: { authorization: `Bearer ${admin.token}` },
          body: form,
        })
      ).json()) as any
    ).attachment.id;
    await s.call("POST", `/api/v1/conversations/${conv}/messages`, admin.token, {
      clientId: "with-file",
      text: "minutes attached",
      attachmentIds: [fileId],
    });

    const acked: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const r = await s.call("POST", `/api/v1/conversations/${conv}/messages`, admin.token, {
          clientId: `w${i}`,
          text: `entry ${i}`,
        });
        if (r.status === 201) acked.push(r.body.message.id);
      }
    })();
    // More than a page of history (the restore below reads 50), written while the backup is taken.
    await waitFor(() => acked.length > 60, "the writer to have a page of messages acked");
    ackedBefore = [...acked];
    // What Parley keeps of its own HTTPS (a local CA every device trusts, an ACME account) goes along; other
    // files in that folder do not.
    mkdirSync(join(data, "tls"), { recursive: true, mode: 0o700 });
    writeFileSync(join(data, "tls", "local-ca.key"), "the authority's key\n", { mode: 0o600 });
    writeFileSync(join(data, "tls", "notes.txt"), "not Parley's");
    const backup = cli(["backup", archive, "--data-dir", data]);
    expect(await backup.exited).toBe(0);
    expect(await new Response(backup.stdout).text()).toContain("Backed up");
    // Writes go on after the backup ends (it never blocked them).
    const after = acked.length;
    await waitFor(() => acked.length > after, "a write acked after the backup");
    writing = false;
    await writer;
    expect(acked.length).toBeGreaterThan(ackedBefore.length);
    expect(ackedBefore.length).toBeGreaterThan(10);

    // Unpack with tar (the archive is a plain one) and look at the database inside.
    const look = join(dir, "look");
    mkdirSync(look);
    expect(Bun.spawnSync(["tar", "-xf", archive, "-C", look]).exitCode).toBe(0);
    const db = new Database(join(look, "parley.db"), { readonly: true });
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    const ids = new Set(
      db
        .query<{ id: string }, []>("SELECT id FROM messages")
        .all()
        .map((r) => r.id),
    );
    db.close();
    expect(ackedBefore.filter((id) => !ids.has(id))).toEqual([]);
  }, 60_000);

  test("restore refuses a folder in use without --force; into a fresh folder it starts, signs in and reads history and files", async () => {
    const refused = cli(["restore", archive, "--data-dir", data]);
    expect(await refused.exited).toBe(1);
    expect(await new Response(refused.stderr).text()).toContain("--force");

    const fresh = join(dir, "fresh");
    const restore = cli(["restore", archive, "--data-dir", fresh]);
    expect(await restore.exited).toBe(0);
    const s = await start(fresh);
    const login = await s.call("POST", "/api/v1/auth/login", undefined, { username: "ana", password: "ana-password" });
    expect(login.status).toBe(200);
    const history = await s.call("GET", `/api/v1/conversations/${conv}/messages?limit=50`, login.body.token);
    expect(history.body.messages.length).toBe(50);
    expect(history.body.messages.every((m: any) => /^entry \d+$/.test(m.text))).toBe(true);
    // The oldest ones too, through search (its index came back with the database).
    const found = await s.call("GET", `/api/v1/search/messages?q=minutes`, login.body.token);
    expect(found.body.results.map((r: any) => r.message.text)).toEqual(["minutes attached"]);
    const file = await fetch(`${s.url}/api/v1/files/${fileId}`, {
      headers: { authorization: `Bearer ${login.body.token}` },
    });
    expect(await file.text()).toBe("the minutes");
    expect(readFileSync(join(fresh, "tls", "local-ca.key"), "utf8")).toBe("the authority's key\n");
    expect(statSync(join(fresh, "tls", "local-ca.key")).mode & 0o777).toBe(0o600);
    expect(existsSync(join(fresh, "tls", "notes.txt"))).toBe(false);
  }, 60_000);

  test("scheduled backups: one per interval, the oldest deleted past the number kept", async () => {
    const backups = join(dir, "scheduled");
    const s = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
      cwd: dir,
      env: {
        PARLEY_DATA_DIR: join(dir, "scheduled-data"),
        PARLEY_BACKUP_DIR: backups,
        PARLEY_BACKUP_EVERY_SECONDS: "1",
        PARLEY_BACKUP_KEEP: "2",
      },
    });
    servers.push(s);
    await waitFor(
      () => s.lines.filter((l) => l.includes('"backup written"')).length >= 3,
      "three scheduled backups",
      15_000,
    );
    const { readdirSync } = await import("node:fs");
    const archives = readdirSync(backups).filter((f) => f.endsWith(".tar"));
    expect(archives).toHaveLength(2);
    expect(s.lines.filter((l) => l.includes('"backup written"')).length).toBeGreaterThanOrEqual(3);
  }, 20_000);

  test("an archive that is not a Parley backup is refused and the folder left alone", async () => {
    const bogus = join(dir, "bogus.tar");
    writeFileSync(join(dir, "evil"), "x");
    expect(Bun.spawnSync(["tar", "-cf", bogus, "-C", dir, "evil"]).exitCode).toBe(0);
    const target = join(dir, "untouched");
    const r = cli(["restore", bogus, "--data-dir", target]);
    expect(await r.exited).toBe(1);
    expect(await new Response(r.stderr).text()).toContain("not a Parley backup");
  });
});
