// Another process holds the database's write lock (sqlite3 by hand, a backup tool, a second program):
// writes wait a bounded time, then fail with a retryable DATABASE_BUSY (503 with Retry-After, or an error
// frame with retryAfter), never INTERNAL; a lock shorter than the wait is simply waited out; after the
// lock goes, retries go through exactly once.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

/**
 * A separate process that takes the write lock and writes, as another program would. It holds until told
 * "release" on stdin, or for holdMs when given; it prints "locked" once it has the lock.
 */
async function holdLock(dbPath: string, holdMs?: number) {
  const script = `
    import { Database } from "bun:sqlite";
    const db = new Database(${JSON.stringify(dbPath)});
    db.run("PRAGMA busy_timeout = 5000");
    db.run("BEGIN IMMEDIATE");
    db.run("CREATE TABLE IF NOT EXISTS outside_writer (at INTEGER)");
    db.run("INSERT INTO outside_writer VALUES (?)", [Date.now()]);
    console.log("locked");
    const release = () => { db.run("COMMIT"); db.close(); process.exit(0); };
    ${holdMs !== undefined ? `setTimeout(release, ${holdMs});` : `for await (const line of console) if (line.trim() === "release") release();`}
  `;
  const proc = Bun.spawn([process.execPath, "-e", script], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  let out = "";
  while (!out.includes("locked")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`lock holder exited: ${out}`);
    out += new TextDecoder().decode(value);
  }
  return {
    async release() {
      proc.stdin.write("release\n");
      proc.stdin.flush();
      await proc.exited;
    },
    exited: proc.exited,
  };
}

describe("a database locked by another process", () => {
  let s: TestServer;
  let ana: { token: string; user: { id: string } };
  let group: string;
  beforeAll(async () => {
    s = await startTestServer({ dbBusyTimeoutMs: "300" });
    ana = await setUp(s);
    const ben = await addMember(s, ana.token, "lock-ben");
    group = (
      await s.call("POST", "/api/v1/conversations", {
        token: ana.token,
        body: { type: "group", title: "Locks", memberIds: [ben.user.id] },
      })
    ).body.conversation.id;
  });
  afterAll(() => s.stop());

  test("past the busy timeout, sends and other writes fail with DATABASE_BUSY (503, Retry-After), never INTERNAL; retries after it go through once", async () => {
    const ws = await TestSocket.ready(s.url, ana.token);
    const lock = await holdLock(join(s.dataDir, "parley.db"));
    const frame = await ws.request({
      type: "send",
      id: "b1",
      conversationId: group,
      clientId: "busy-1",
      text: "while locked",
    });
    expect(frame).toMatchObject({ type: "error", id: "b1", code: "DATABASE_BUSY" });
    expect(frame.retryAfter).toBeGreaterThan(0);
    const http = await s.call("POST", `/api/v1/conversations/${group}/messages`, {
      token: ana.token,
      body: { clientId: "busy-2", text: "while locked" },
    });
    expect([http.status, http.body.error.code]).toEqual([503, "DATABASE_BUSY"]);
    expect(Number(http.headers.get("retry-after"))).toBeGreaterThan(0);
    const profile = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { bio: "locked out" } });
    expect([profile.status, profile.body.error.code]).toEqual([503, "DATABASE_BUSY"]);
    expect((await s.call("GET", "/readyz")).status).toBe(503);
    await lock.release();

    expect(
      (await ws.request({ type: "send", id: "b3", conversationId: group, clientId: "busy-1", text: "while locked" }))
        .type,
    ).toBe("ack");
    expect(
      (
        await s.call("POST", `/api/v1/conversations/${group}/messages`, {
          token: ana.token,
          body: { clientId: "busy-2", text: "while locked" },
        })
      ).status,
    ).toBe(201);
    const texts = (
      await s.call("GET", `/api/v1/conversations/${group}/messages`, { token: ana.token })
    ).body.messages.map((m: any) => m.clientId ?? m.text);
    expect(texts.filter((t: string) => t === "while locked" || t === "busy-1" || t === "busy-2")).toHaveLength(2);
    expect(s.logs.some((l) => l.includes('"level":"error"'))).toBe(false);
    ws.close();
  });

  test("a lock shorter than the busy timeout is waited out: the send that arrived meanwhile commits", async () => {
    const patient = await startTestServer({ dbBusyTimeoutMs: "3000" });
    try {
      const admin = await setUp(patient);
      const conv = (
        await patient.call("POST", "/api/v1/conversations", {
          token: admin.token,
          body: { type: "group", title: "Patience", memberIds: [] },
        })
      ).body.conversation.id;
      const ws = await TestSocket.ready(patient.url, admin.token);
      // The other writer commits after 200 ms: the send waits for it instead of failing at once
      // (a deferred transaction would have read first and then failed with SQLITE_BUSY_SNAPSHOT).
      const lock = await holdLock(join(patient.dataDir, "parley.db"), 200);
      const reply = await ws.request({
        type: "send",
        id: "p1",
        conversationId: conv,
        clientId: "patient-1",
        text: "I can wait",
      });
      expect(reply.type).toBe("ack");
      expect(await lock.exited).toBe(0);
      ws.close();
    } finally {
      await patient.stop();
    }
  });
});
