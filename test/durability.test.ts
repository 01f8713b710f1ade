// Group commits are synced to disk off the event loop (src/store/durability.ts). These tests run the server
// under strace, which delays or fails its fsync/fdatasync calls on purpose (Debian's strace, fault
// injection), and hold it to the two halves of the promise: an ack still comes only after the sync, and
// while a sync is in flight the server goes on answering everyone else. A failed sync stops the server
// without acknowledging what it could not make durable, and the client's retry after the restart stores
// the message exactly once.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createSession } from "../src/accounts/sessions.ts";
import { insertUser } from "../src/accounts/users.ts";
import { users } from "../src/store/schema.ts";
import { hashPassword } from "../src/accounts/passwords.ts";
import { openStore } from "../src/store/store.ts";
import { tempDir, waitFor } from "./harness.ts";
import { spawnServer, stopStraced, straced, type ChildServer } from "./process.ts";
import { TestSocket } from "./ws-client.ts";

const main = join(import.meta.dir, "..", "src", "main.ts");

const PASSWORD = "correct horse battery";

/** A data folder with one person, their session and a group, written before the server starts. */
async function seed(dataDir: string): Promise<{ token: string; conversationId: string }> {
  const passwordHash = await hashPassword(PASSWORD);
  const store = openStore(dataDir);
  try {
    return store.transaction((tx) => {
      const u = insertUser(tx, { id: "ana", username: "ana", displayName: "Ana", passwordHash, role: "admin" });
      const { token } = createSession(tx, u.id, 30);
      const now = Date.now();
      for (const id of ["g", "quiet"]) {
        store.sqlite.run(
          `INSERT INTO conversations (id, type, title, created_by, created_at, updated_at) VALUES ('${id}', 'group', '${id}', 'ana', ${now}, ${now})`,
        );
        store.sqlite.run(
          `INSERT INTO members (conversation_id, user_id, role, from_event_id, joined_at) VALUES ('${id}', 'ana', 'owner', 0, ${now})`,
        );
      }
      return { token, conversationId: "g" };
    });
  } finally {
    store.close();
  }
}

/**
 * The server with the given system calls delayed or failed by strace. SQLite syncs with fsync; the WAL sync
 * of store/durability.ts is an fdatasync, so injecting into fdatasync alone reaches only that one.
 */
function underStrace(cwd: string, dataDir: string, inject: string, calls = "fsync,fdatasync"): Promise<ChildServer> {
  return spawnServer(straced([process.execPath, main, "serve"], calls, inject), {
    cwd,
    env: { PARLEY_DATA_DIR: dataDir },
  });
}

function count(dataDir: string, sql: string, ...params: string[]): number {
  const db = new Database(join(dataDir, "parley.db"), { readonly: true });
  try {
    return db.query<{ n: number }, string[]>(sql).get(...params)!.n;
  } finally {
    db.close();
  }
}

function messagesIn(dataDir: string, clientId: string): number {
  return count(dataDir, "SELECT count(*) AS n FROM messages WHERE client_id = ?", clientId);
}

describe("durability off the event loop", () => {
  test("in the server's store a write outside any transaction waits behind the barrier, and a transaction's effects run after its sync", async () => {
    const dir = tempDir("parley-durability-");
    const store = openStore(dir, { syncOffLoop: true });
    try {
      const person = (id: string) => ({
        id,
        username: id,
        displayName: id,
        passwordHash: null,
        role: "member" as const,
      });
      store.sqlite.query("SELECT count(*) FROM users").get();
      store.db.select().from(users).all();
      expect(store.durability.pending()).toBe(false); // reads commit nothing
      insertUser(store.db, person("ana"));
      expect(store.durability.pending()).toBe(true);
      await store.durability.barrier();
      expect(store.durability.pending()).toBe(false);
      // Raw SQL that writes, a WITH that leads to a write included.
      store.sqlite.query("WITH n(x) AS (SELECT 1) UPDATE users SET bio = 'hi' WHERE id = 'ana'").run();
      expect(store.durability.pending()).toBe(true);
      await store.durability.barrier();

      let ran = false;
      store.transaction((tx, afterCommit) => {
        insertUser(tx, person("ben"));
        afterCommit(() => (ran = true));
      });
      expect(ran).toBe(false);
      expect(store.durability.pending()).toBe(true);
      await store.durability.barrier();
      expect(ran).toBe(true);
      expect(store.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM users").get()!.n).toBe(2);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("while a commit's fsync is in flight the server answers other frames, and the ack waits for it", async () => {
    const cwd = tempDir("parley-durability-");
    const dataDir = join(cwd, "data");
    const { token, conversationId } = await seed(dataDir);
    // Every sync takes 1.5 s: the commit is visible in the file long before it is on disk.
    const server = await underStrace(cwd, dataDir, "delay_exit=1500000");
    try {
      const tab = await TestSocket.ready(server.url, token);
      const order: string[] = [];
      tab.ws.addEventListener("message", (e) => {
        const f = JSON.parse(String(e.data));
        if (f.type === "ack" || f.type === "pong") order.push(`${f.type}:${f.id}`);
      });
      tab.send({ type: "send", id: "m1", conversationId, clientId: "slow-1", text: "waits for the disk" });
      // Committed (another connection sees it) but its sync has just begun: now ask something else.
      await waitFor(() => messagesIn(dataDir, "slow-1") === 1, "the message to be committed");
      const pong = await tab.request({ type: "ping", id: "p1" });
      expect(pong.type).toBe("pong");
      // A page of another conversation shows nothing that waits for the disk: it is answered at once.
      // The busy conversation's page shows the new message: it is answered only once that is on disk.
      const page = (id: string) =>
        fetch(`${server.url}/api/v1/conversations/${id}/messages?limit=10`, {
          headers: { authorization: `Bearer ${token}` },
        }).then(async (r) => {
          order.push(`page:${id}`);
          return (await r.json()) as { messages: { clientId: string }[] };
        });
      const busyPage = page(conversationId);
      const quiet = await page("quiet");
      expect(quiet.messages).toEqual([]);
      // The busy page is still held: a ping sent now is answered before it.
      await tab.request({ type: "ping", id: "p2" });
      const busy = await busyPage;
      expect(busy.messages.map((m) => m.clientId)).toEqual(["slow-1"]);
      const ack = await tab.next((f) => f.type === "ack" && f.id === "m1", 10_000);
      expect(ack.message.clientId).toBe("slow-1");
      // Blocking in the commit (the old way) would have answered the pings after the ack.
      expect(order.slice(0, 3)).toEqual(["pong:p1", "page:quiet", "pong:p2"]);
      expect(order).toContain("ack:m1");
      tab.close();
    } finally {
      await stopStraced(server, "SIGKILL");
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);

  test("a sign-in and a password change commit without waiting for the disk: others are answered meanwhile, they once synced", async () => {
    const cwd = tempDir("parley-durability-");
    const dataDir = join(cwd, "data");
    const { token } = await seed(dataDir);
    const server = await underStrace(cwd, dataDir, "delay_exit=1500000");
    try {
      const tab = await TestSocket.ready(server.url, token);
      const order: string[] = [];
      const post = (path: string, body: unknown, method = "POST", auth?: string) =>
        fetch(`${server.url}/api/v1${path}`, {
          method,
          headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
          body: JSON.stringify(body),
        });
      // Answered once whatever the connection wrote (its last seen) is on disk: from here nothing waits.
      expect((await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        200,
      );
      // A sign-in writes its session outside any transaction (SQLite commits the insert by itself).
      const login = post("/auth/login", { username: "ana", password: PASSWORD }).then(async (r) => {
        order.push(`login:${r.status}`);
        return (await r.json()) as { token: string };
      });
      await waitFor(
        () => count(dataDir, "SELECT count(*) AS n FROM sessions") === 2,
        "the new session to be committed",
      );
      await tab.request({ type: "ping", id: "p1" });
      order.push("pong:p1");
      const { token: second } = await login;
      expect(order).toEqual(["pong:p1", "login:200"]);

      // A password change is a transaction outside the write queue (it also ends the other sessions).
      order.length = 0;
      const other = await TestSocket.ready(server.url, second);
      const changed = post(
        "/me/password",
        { currentPassword: PASSWORD, newPassword: "another long password" },
        "POST",
        second,
      ).then((r) => order.push(`password:${r.status}`));
      await waitFor(() => count(dataDir, "SELECT count(*) AS n FROM sessions") === 1, "the change to be committed");
      await other.request({ type: "ping", id: "p2" });
      order.push("pong:p2");
      await changed;
      expect(order).toEqual(["pong:p2", "password:204"]);
      // The signed-out session's socket is closed once the change is on disk.
      await tab.closed;
    } finally {
      await stopStraced(server, "SIGKILL");
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);

  test("a failed sync stops the server before any ack, and the retry after a restart stores the message once", async () => {
    const cwd = tempDir("parley-durability-");
    const dataDir = join(cwd, "data");
    const { token, conversationId } = await seed(dataDir);
    // Only the WAL sync fails (SQLite's own fsyncs, which fail a commit outright, are left alone).
    const failing = await underStrace(cwd, dataDir, "error=EIO", "fdatasync");
    let acked = false;
    try {
      const tab = await TestSocket.connect(failing.url);
      tab.ws.addEventListener("message", (e) => {
        if (JSON.parse(String(e.data)).type === "ack") acked = true;
      });
      tab.send({ type: "hello", token });
      tab.send({ type: "send", id: "m1", conversationId, clientId: "eio-1", text: "not acknowledged" });
      expect(await failing.exited).toBe(70);
      await tab.closed;
      expect(acked).toBe(false);
      expect(failing.lines.some((l) => l.includes("could not be synced to disk"))).toBe(true);
    } finally {
      await stopStraced(failing, "SIGKILL"); // already gone when the test passed
    }
    try {
      const server = await spawnServer([process.execPath, main, "serve"], { cwd, env: { PARLEY_DATA_DIR: dataDir } });
      try {
        const tab = await TestSocket.ready(server.url, token);
        const retry = await tab.request({
          type: "send",
          id: "m1-again",
          conversationId,
          clientId: "eio-1",
          text: "not acknowledged",
        });
        expect(retry.type).toBe("ack");
        expect(messagesIn(dataDir, "eio-1")).toBe(1);
        tab.close();
      } finally {
        server.proc.kill("SIGTERM");
        await server.exited;
      }
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 30_000);
});
