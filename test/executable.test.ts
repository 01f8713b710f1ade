import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, callAt, tempDir, waitFor } from "./harness.ts";
import { freePort, startSqld } from "./services.ts";
import { phonePhoto, pixelAt } from "./images.ts";
import { spawnServer, type ChildServer } from "./process.ts";

const root = join(import.meta.dir, "..");
const binary = join(root, "dist", "parley");

/** An executable as a node on a fresh libSQL server with a replica in its data folder; `check` talks to it. */
async function onReplicaNode(cmd: string[], check: (url: string) => Promise<void>): Promise<void> {
  const sqld = await startSqld();
  const dir = tempDir("parley-bin-replica-");
  const node = await spawnServer(cmd, {
    cwd: dir,
    env: { PARLEY_DATABASE_URL: sqld.url, PARLEY_DATABASE_REPLICA: "replica.db" },
  }).catch(async (err) => {
    await sqld.stop();
    throw err;
  });
  try {
    await check(node.url);
    expect(existsSync(join(dir, "data", "replica.db"))).toBe(true);
  } finally {
    node.proc.kill("SIGTERM");
    await node.exited;
    await sqld.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the compiled executable", () => {
  let cwd: string;
  let server: ChildServer;

  beforeAll(async () => {
    const build = Bun.spawnSync([process.execPath, "scripts/build.ts"], { cwd: root, stdout: "pipe", stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
    cwd = tempDir("parley-bin-");
    // A bunfig.toml and a .env in the working folder must not reach into the binary.
    writeFileSync(
      join(cwd, "inject.ts"),
      `require("node:fs").writeFileSync(${JSON.stringify(join(cwd, "INJECTED"))}, "yes");`,
    );
    writeFileSync(join(cwd, "bunfig.toml"), `preload = ["./inject.ts"]\n`);
    writeFileSync(join(cwd, ".env"), "PARLEY_INSTANCE_NAME=from-dotenv\nPARLEY_PASSWORD_MIN_LENGTH=100\n");
    // The send thread on whatever the machine: its module must load from inside the binary.
    server = await spawnServer([binary], { cwd, env: { PARLEY_SEND_THREAD: "on" } });
  }, 120_000);

  afterAll(async () => {
    server?.proc.kill("SIGTERM");
    await server?.exited;
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  test("prints its version and help", () => {
    const version = Bun.spawnSync([binary, "--version"], { cwd });
    expect(version.stdout.toString()).toMatch(/^parley \d+\.\d+\.\d+/);
    const help = Bun.spawnSync([binary, "--help"], { cwd });
    expect(help.stdout.toString()).toContain("PARLEY_DATA_DIR");
  });

  test("runs from an empty folder: creates ./data, serves the web app, sets up and registers", async () => {
    expect(existsSync(join(cwd, "data", "parley.db"))).toBe(true);
    const page = await fetch(server.url + "/");
    const html = await page.text();
    expect(html).toContain('<div id="app">');
    // Every part of the app is inside the one file: its code chunks, the service worker, the manifest and icons.
    const script = /src="(\/assets\/main-[^"]+\.js)"/.exec(html)![1]!;
    const entry = await (await fetch(server.url + script)).text();
    for (const chunk of entry.match(/\.\/[a-z-]+-[a-z0-9]+\.js/g) ?? [])
      expect((await fetch(`${server.url}/assets/${chunk.slice(2)}`)).status).toBe(200);
    for (const path of ["/sw.js", "/manifest.webmanifest", "/icon-192.png", "/icon-512.png"])
      expect((await fetch(server.url + path)).status).toBe(200);
    const instance = await (await fetch(`${server.url}/api/v1/instance`)).json();
    expect(instance.setupRequired).toBe(true);

    const post = (path: string, body: unknown, token?: string) =>
      fetch(server.url + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const setup = await post("/api/v1/setup", { username: "admin", password: "admin-password", displayName: "Admin" });
    expect(setup.status).toBe(201);
    const { token } = await setup.json();
    const { invite } = await (await post("/api/v1/admin/invites", {}, token)).json();
    // The .env asked for 100-character passwords; the binary ignores .env, so 8 is enough.
    const reg = await post("/api/v1/auth/register", {
      username: "bea",
      password: "bea-pass",
      displayName: "Bea",
      inviteCode: invite.code,
    });
    expect(reg.status).toBe(201);
    const bea = (await reg.json()) as { user: { id: string; username: string } };
    expect(bea.user.username).toBe("bea");
    expect(existsSync(join(cwd, "INJECTED"))).toBe(false);

    // The checkpoint thread's module is inside the binary too: a second after these writes it has copied
    // the log into the database file (it would report itself gone if it could not load).
    const metric = async (name: string) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\d+)`, "m").exec(text)?.[1] ?? NaN);
    };
    await waitFor(async () => (await metric("parley_db_checkpoints_total")) >= 1, "a checkpoint by the thread");
    expect(await metric("parley_db_checkpoint_thread_up")).toBe(1);

    // So is the send thread's: a message is written by it.
    const group = await (
      await post("/api/v1/conversations", { type: "group", title: "G", memberIds: [bea.user.id] }, token)
    ).json();
    const sent = await post(
      `/api/v1/conversations/${group.conversation.id}/messages`,
      { clientId: "exe-1", text: "from the thread" },
      token,
    );
    expect(sent.status).toBe(201);
    expect(await metric("parley_send_thread_batches_total")).toBeGreaterThanOrEqual(1);

    // Libraries loaded on first use (WebAuthn here, push and mail alike) are inside the binary as well.
    const passkeyOptions = await post("/api/v1/auth/passkey/options", {});
    expect(passkeyOptions.status).toBe(200);
    expect((await passkeyOptions.json()).options.challenge).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    // The image codecs (WebAssembly) are inside the binary too: a photo gets its preview.
    const form = new FormData();
    form.append("file", new File([await phonePhoto(1200, 900)], "photo.jpg"));
    const up = await (
      await fetch(`${server.url}/api/v1/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: form,
      })
    ).json();
    expect(up.attachment).toMatchObject({ type: "image/jpeg", width: 900, height: 1200 });
    expect(up.attachment.thumbnailUrl).toMatch(/thumbnail$/);
    const thumb = await fetch(server.url + up.attachment.thumbnailUrl, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(thumb.headers.get("content-type")).toBe("image/webp");
    expect((await pixelAt("image/webp", new Uint8Array(await thumb.arrayBuffer()), 10, 10)).width).toBe(360);
  });

  test("keeps an embedded replica of a libSQL server: libSQL's native module is inside the executable", async () => {
    await onReplicaNode([binary], async (url) => {
      const admin = await callAt(url, "POST", "/api/v1/setup", undefined, ADMIN);
      expect(admin.status).toBe(201);
      const token = admin.body.token;
      const note = await callAt(url, "POST", "/api/v1/conversations", token, {
        type: "group",
        title: "Notes",
        memberIds: [],
      });
      const id = note.body.conversation.id;
      const sent = await callAt(url, "POST", `/api/v1/conversations/${id}/messages`, token, {
        clientId: "r1",
        text: "via the replica",
      });
      expect(sent.status).toBe(201);
      // Read back outside any transaction: from the replica, synced after the write.
      const page = await callAt(url, "GET", `/api/v1/conversations/${id}/messages`, token);
      expect(page.body.messages.map((m: any) => m.text)).toEqual(["via the replica"]);
    });
  }, 60_000);

  test("makes its own certificate authority and serves HTTPS with it (PARLEY_TLS=local): the X.509 code is inside", async () => {
    const dir = tempDir("parley-bin-tls-");
    const node = await spawnServer([binary], { cwd: dir, env: { PARLEY_TLS: "local" } });
    try {
      const port = new URL(node.url).port;
      const trust = await fetch(`http://127.0.0.1:${port}/trust`);
      expect(trust.status).toBe(200);
      const ca = readFileSync(join(dir, "data", "tls", "local-ca.crt"), "utf8");
      expect(await trust.text()).toContain(new X509Certificate(ca).fingerprint256);
      const health = await fetch(`https://127.0.0.1:${port}/healthz`, {
        tls: { rejectUnauthorized: false },
      } as RequestInit);
      expect(await health.json()).toEqual({ status: "ok" });
    } finally {
      node.proc.kill("SIGTERM");
      await node.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("asks an ACME CA for a certificate (PARLEY_TLS=acme): the ACME client is inside", async () => {
    const dir = tempDir("parley-bin-acme-");
    // No CA answers there: the attempt fails as a request, not as a module that cannot load.
    const [closed, httpPort] = await Promise.all([freePort(), freePort()]);
    const node = await spawnServer([binary], {
      cwd: dir,
      env: {
        PARLEY_TLS: "acme",
        PARLEY_PUBLIC_URL: "https://chat.parley.test",
        PARLEY_HTTP_PORT: String(httpPort),
        PARLEY_ACME_DIRECTORY: `https://127.0.0.1:${closed}/dir`,
      },
    });
    try {
      await waitFor(() => node.lines.some((l) => l.includes("could not be renewed")), "the failed attempt in the log");
      const failure = JSON.parse(node.lines.find((l) => l.includes("could not be renewed"))!);
      expect(failure.err).toContain("ECONNREFUSED");
      const health = await fetch(`https://127.0.0.1:${new URL(node.url).port}/healthz`, {
        tls: { rejectUnauthorized: false },
      } as RequestInit);
      expect(health.status).toBe(200);
    } finally {
      node.proc.kill("SIGTERM");
      await node.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("npm run build:arm64 cross-compiles a 64-bit ARM executable", () => {
    const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "--target", "linux-arm64"], {
      cwd: root,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(build.exitCode).toBe(0);
    const header = new Uint8Array(readFileSync(join(root, "dist", "parley-linux-arm64")).subarray(0, 20));
    expect([...header.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]); // ELF
    expect(header[4]).toBe(2); // 64-bit
    expect(header[18]! | (header[19]! << 8)).toBe(183); // EM_AARCH64
  }, 120_000);

  test("the arm64 executable runs on an older Pi's CPU (Cortex-A53, under qemu-user-static) and answers /healthz", async () => {
    const dir = tempDir("parley-arm64-");
    // The arm64 C library comes from Debian's libc6-arm64-cross (scripts/install-test-deps.sh).
    const pi = await spawnServer(
      [
        "qemu-aarch64-static",
        "-L",
        "/usr/aarch64-linux-gnu",
        "-cpu",
        "cortex-a53",
        join(root, "dist", "parley-linux-arm64"),
      ],
      { cwd: dir, env: {} },
    );
    try {
      const health = await fetch(`${pi.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      expect((await fetch(`${pi.url}/readyz`)).status).toBe(200);
    } finally {
      pi.proc.kill("SIGTERM");
      await pi.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  test("the arm64 executable keeps an embedded replica too (its libSQL module, under qemu-user-static)", async () => {
    const qemu = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", "-cpu", "cortex-a53"];
    await onReplicaNode([...qemu, join(root, "dist", "parley-linux-arm64")], async (url) => {
      const admin = await callAt(url, "POST", "/api/v1/setup", undefined, ADMIN);
      expect(admin.status).toBe(201);
      const list = await callAt(url, "GET", "/api/v1/conversations", admin.body.token);
      expect([list.status, list.body.conversations]).toEqual([200, []]);
    });
  }, 120_000);

  test("/readyz says the embedded migrations are applied", async () => {
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
