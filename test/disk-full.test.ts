// A real full disk: the data folder on a small tmpfs, filled up while Parley runs (as root, as CI runs;
// elsewhere the mount is refused and the suite says so). Uploads and sends fail with STORAGE_FULL and
// leave nothing behind, readiness follows the free space, everything acked survives, and it all recovers
// without a restart and stops cleanly.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, rmSync, statfsSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { TempFiles } from "../src/files/file-store.ts";
import { LocalFiles } from "../src/files/local-store.ts";
import { callAt, tempDir } from "./harness.ts";
import { spawnServer, type ChildServer } from "./process.ts";
import { TestSocket } from "./ws-client.ts";

const main = join(import.meta.dir, "..", "src", "main.ts");
const MiB = 1024 * 1024;
const FLOOR = 2 * MiB;

function tryMount(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  return (
    Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", dir], { stderr: "pipe" }).exitCode === 0
  );
}

const root = tempDir("parley-disk-");
const mountPoint = join(root, "disk");
const mounted = process.platform === "linux" && process.getuid?.() === 0 && tryMount(mountPoint);
if (!mounted) console.warn("disk-full tests skipped: mounting a tmpfs needs root (CI runs as root)");

const free = () => {
  const s = statfsSync(mountPoint);
  return s.bavail * s.bsize;
};

/** Writes zeros until the disk has `leave` bytes left, or until it is full (leave 0). */
async function fill(path: string, leave: number): Promise<void> {
  const file = await open(path, "a");
  try {
    const chunk = new Uint8Array(64 * 1024);
    while (free() > leave) {
      const size = Math.min(chunk.length, free() - leave);
      try {
        await file.write(chunk.subarray(0, Math.max(1, size)));
      } catch {
        break; // ENOSPC: it is full
      }
    }
  } finally {
    await file.close();
  }
}

describe.skipIf(!mounted)("the file-store boundary on a full disk", () => {
  test("receiving into a temporary file rejects with ENOSPC where the write fails, and leaves nothing", async () => {
    const temps = new TempFiles(join(mountPoint, "boundary"));
    await fill(join(mountPoint, "boundary-filler"), 256 * 1024);
    const chunk = new Uint8Array(64 * 1024).fill(9);
    const attempt = temps.receive(async (write) => {
      for (let i = 0; i < 16; i++) await write(chunk);
    });
    await expect(attempt).rejects.toMatchObject({ code: "ENOSPC" });
    expect(readdirSync(temps.dir)).toEqual([]);
    rmSync(join(mountPoint, "boundary-filler"));
    rmSync(join(mountPoint, "boundary"), { recursive: true });
  });
});

describe("stored bytes", () => {
  test("bytes already stored under a hash but cut short by an earlier fault are replaced, never deduplicated onto", async () => {
    const dir = tempDir("parley-dedupe-");
    const temps = new TempFiles(dir);
    const store = new LocalFiles(join(dir, "files"));
    const whole = crypto.getRandomValues(new Uint8Array(200_000));
    const sha = new Bun.CryptoHasher("sha256").update(whole).digest("hex");
    const at = join(dir, "files", sha.slice(0, 2), sha.slice(2, 4), sha);
    mkdirSync(join(at, ".."), { recursive: true });
    await Bun.write(at, whole.subarray(0, 50_000));
    const key = await store.commit(await temps.fromBytes(whole));
    expect(key).toBe(sha);
    expect(new Uint8Array(await store.blob(key).arrayBuffer())).toEqual(whole);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe.skipIf(!mounted)("a full disk", () => {
  const dataDir = join(mountPoint, "data");
  const filler = join(mountPoint, "filler");
  let server: ChildServer;
  let ana: { token: string; user: { id: string } };
  let group: string;
  const call = (method: string, path: string, body?: unknown, token = ana?.token) =>
    callAt(server.url, method, path, token, body);
  const upload = async (bytes: Uint8Array, name: string) => {
    const form = new FormData();
    form.append("file", new File([bytes as Uint8Array<ArrayBuffer>], name));
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${ana.token}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const storedFiles = () => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }))
        e.isDirectory() ? walk(join(d, e.name)) : out.push(join(d, e.name).slice(dataDir.length + 1));
    };
    if (existsSync(join(dataDir, "files"))) walk(join(dataDir, "files"));
    return out;
  };

  beforeAll(async () => {
    server = await spawnServer([process.execPath, main, "serve"], {
      cwd: root,
      env: {
        PARLEY_DATA_DIR: dataDir,
        PARLEY_MIN_FREE_BYTES: String(FLOOR),
        PARLEY_AUTH_RATE_LIMIT: "10000",
        PARLEY_SEND_RATE: "100000",
        PARLEY_STRIP_IMAGE_LOCATION: "false",
      },
    });
    ana = (await call("POST", "/api/v1/setup", { username: "ana", password: "ana-password", displayName: "Ana" }, ""))
      .body;
    group = (await call("POST", "/api/v1/conversations", { type: "group", title: "Disk", memberIds: [] })).body
      .conversation.id;
  }, 30_000);

  afterAll(async () => {
    if (server && server.proc.exitCode === null) {
      server.proc.kill("SIGKILL");
      await server.exited;
    }
    Bun.spawnSync(["umount", "-l", mountPoint]);
    rmSync(root, { recursive: true, force: true });
  });

  test("an upload that hits ENOSPC fails with 507 STORAGE_FULL and leaves no file, no row and no temporary file", async () => {
    await fill(filler, 3 * MiB);
    expect((await call("GET", "/readyz")).status).toBe(200);
    const big = crypto.getRandomValues(new Uint8Array(64 * 1024));
    const payload = new Uint8Array(5 * MiB).map((_, i) => big[i % big.length]! ^ (i >> 16));
    const before = storedFiles();
    const r = await upload(payload, "big.bin");
    expect([r.status, r.body.error.code]).toEqual([507, "STORAGE_FULL"]);
    expect(storedFiles()).toEqual(before);
    expect(readdirSync(join(dataDir, "files", "tmp"))).toEqual([]);
    const rows = (await call("GET", `/api/v1/conversations/${group}/messages`)).status;
    expect(rows).toBe(200);

    // Space freed: the same bytes are stored whole this time, and served exactly as sent.
    rmSync(filler);
    const again = await upload(payload, "big.bin");
    expect(again.status).toBe(201);
    const served = new Uint8Array(
      await (
        await fetch(`${server.url}${again.body.attachment.url}`, { headers: { authorization: `Bearer ${ana.token}` } })
      ).arrayBuffer(),
    );
    expect(served.length).toBe(payload.length);
    expect(new Bun.CryptoHasher("sha256").update(served).digest("hex")).toBe(
      new Bun.CryptoHasher("sha256").update(payload).digest("hex"),
    );
  }, 60_000);

  test("below the floor: not ready, uploads refused, metrics say so; sends fail retryably and nothing acked is lost; freeing space recovers without a restart", async () => {
    const ws = await TestSocket.ready(server.url, ana.token);
    await fill(filler, FLOOR / 2);
    const ready = await call("GET", "/readyz");
    expect([ready.status, ready.body.error.code]).toEqual([503, "UNAVAILABLE"]);
    const small = await upload(new Uint8Array(1000).fill(7), "small.bin");
    expect([small.status, small.body.error.code]).toEqual([507, "STORAGE_FULL"]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^parley_storage_low 2$/m);
    expect(Number(/^parley_storage_free_bytes (\d+)$/m.exec(metrics)![1])).toBeLessThan(FLOOR);

    // Now truly full: messages are sent until the database cannot grow.
    await fill(filler, 0);
    const acked: string[] = [];
    const refused: string[] = [];
    const text = "x".repeat(2000);
    for (let i = 0; i < 400 && refused.length < 5; i++) {
      const reply = await ws.request({
        type: "send",
        id: `f${i}`,
        conversationId: group,
        clientId: `full-${i}`,
        text: `${i} ${text}`,
      });
      if (reply.type === "ack") acked.push(`full-${i}`);
      else {
        expect(reply).toMatchObject({ type: "error", code: "STORAGE_FULL" });
        expect(reply.retryAfter).toBeGreaterThan(0);
        refused.push(`full-${i}`);
      }
    }
    expect(refused.length).toBeGreaterThan(0);
    const http = await call("POST", `/api/v1/conversations/${group}/messages`, { clientId: "full-http", text });
    expect([http.status, http.body.error.code]).toEqual([507, "STORAGE_FULL"]);
    expect(Number(http.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(server.lines.some((l) => l.includes('"level":"warn"') && l.includes("disk full"))).toBe(true);

    // Space comes back: ready again at once, and the client's retries go through exactly once.
    rmSync(filler);
    expect((await call("GET", "/readyz")).status).toBe(200);
    for (const clientId of [...refused, ...acked.slice(-3)]) {
      const reply = await ws.request({
        type: "send",
        id: `r-${clientId}`,
        conversationId: group,
        clientId,
        text: "retried",
      });
      expect(reply.type).toBe("ack");
    }
    ws.close();

    // Graceful stop exits 0; every acked message is in the file, once, and the file is intact.
    server.proc.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const db = new Database(join(dataDir, "parley.db"), { readonly: true });
    expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    const rows = db
      .query<{ client_id: string; n: number }, []>("SELECT client_id, count(*) AS n FROM messages GROUP BY client_id")
      .all();
    db.close();
    const stored = new Map(rows.map((r) => [r.client_id, r.n]));
    for (const id of [...acked, ...refused]) expect(stored.get(id)).toBe(1);
    expect(server.lines.filter((l) => !l.startsWith("{"))).toEqual([]);
  }, 120_000);
});
