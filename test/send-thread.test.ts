// The send thread (src/chat/send-thread.ts): plain sends written by a connection of their own on a worker
// thread, in one order with the event loop's writes, answered only once committed and on disk, with the
// event loop's row caches kept exact; and a thread that dies acknowledges nothing. Run on a real store in a
// temporary folder with the real thread; the chat-level behaviour (every send of the other tests goes
// through it on a machine with two cores) is covered by the rest of the suite.
import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { findUserById } from "../src/accounts/users.ts";
import type { SendOutcome, SendPlan } from "../src/chat/send-protocol.ts";
import { SendThread } from "../src/chat/send-thread.ts";
import { newTimeOrderedId } from "../src/lib/ids.ts";
import { openStore, type Store } from "../src/store/store.ts";
import { createWriteQueue, type WriteQueue } from "../src/store/write-queue.ts";
import { tempDir, waitFor } from "./harness.ts";

let store: Store;
let thread: SendThread;
let queue: WriteQueue;
let dir: string;
const fatal: Error[] = [];

/** A store with one person in one group, a send thread and a write queue that uses it. */
function setUpThread(handshakeMs = 2000): void {
  dir = tempDir();
  store = openStore(dir, { syncOffLoop: true });
  const now = Date.now();
  store.sqlite.run(
    `INSERT INTO users (id, username, display_name, role, created_at, updated_at) VALUES ('ana', 'ana', 'Ana', 'admin', ${now}, ${now})`,
  );
  store.sqlite.run(
    `INSERT INTO conversations (id, type, title, created_by, created_at, updated_at) VALUES ('g', 'group', 'G', 'ana', ${now}, ${now})`,
  );
  store.sqlite.run(
    `INSERT INTO members (conversation_id, user_id, role, from_event_id, joined_at) VALUES ('g', 'ana', 'owner', 0, ${now})`,
  );
  fatal.length = 0;
  thread = new SendThread(store, join(dir, "parley.db"), {
    busyTimeoutMs: 5000,
    handshakeMs,
    onFatal: (err) => fatal.push(err),
  });
  queue = createWriteQueue(store, { maxBatch: 256, waitMs: 0, offThread: thread });
}

afterEach(() => {
  thread.close();
  store.close();
});

/** A plain send's plan, and a job that answers with what the thread did. */
function send(clientId: string, text = clientId) {
  const now = Date.now();
  const plan: SendPlan = {
    message: {
      id: newTimeOrderedId(now),
      conversationId: "g",
      senderId: "ana",
      clientId,
      text,
      replyToId: null,
      threadRootId: null,
      forwardedFromId: null,
      forwardedFromSenderId: null,
      createdAt: now,
    },
    mentions: [],
  };
  return queue.runOffThread<SendPlan, SendOutcome, SendOutcome>({ plan: () => plan, finish: (o) => o }, "send");
}

const rows = (sql: string) => {
  const reader = new Database(join(dir, "parley.db"), { readonly: true });
  try {
    return reader.query<Record<string, unknown>, []>(sql).all();
  } finally {
    reader.close();
  }
};

describe("the send thread", () => {
  test("writes its batches in one order with the event loop's writes, each send once, answered once on disk", async () => {
    setUpThread();
    const order: string[] = [];
    const first = send("a").then((o) => (order.push("a"), o));
    const between = queue.run(() => {
      store.sqlite.run("UPDATE users SET bio = 'between' WHERE id = 'ana'");
      order.push("event loop");
    });
    const second = send("b").then((o) => (order.push("b"), o));
    const retry = send("a").then((o) => (order.push("a again"), o));
    const [a, , b, again] = await Promise.all([first, between, second, retry]);
    expect(a.kind).toBe("created");
    expect(b.kind).toBe("created");
    expect(again.kind).toBe("retry"); // the same sender and clientId: nothing written twice
    expect(order).toEqual(["a", "event loop", "b", "a again"]);
    // Each message with its event, in the order sent; the sender's read marker at the newest.
    expect(rows("SELECT client_id AS c FROM messages ORDER BY seq")).toEqual([{ c: "a" }, { c: "b" }]);
    expect(rows("SELECT type, message_id IS NOT NULL AS m FROM events ORDER BY id")).toEqual([
      { type: "message.created", m: 1 },
      { type: "message.created", m: 1 },
    ]);
    const seqB = (b as Extract<SendOutcome, { kind: "created" }>).seq;
    expect(rows("SELECT last_read_seq AS s FROM members")).toEqual([{ s: seqB }]);
    // Searchable the moment it is answered, and indexed once.
    expect(rows("SELECT count(*) AS n FROM messages_fts")).toEqual([{ n: 2 }]);
    expect(store.durability.pending()).toBe(false);
    // Three batches in turn: the thread's (a), the event loop's, the thread's (b and the retry together).
    expect(thread.stats).toMatchObject({ batches: 2, sends: 3, unverified: 0, foreign: 0 });
    expect(queue.stats()).toMatchObject({ batches: 3, offThreadBatches: 2 });
  });

  test("another process's commit while the thread holds the write lock is noticed: the caches are cleared", async () => {
    // The event loop is kept from looking (it blocks on the lock the thread holds), so the thread commits
    // without its look once the handshake times out, and says so.
    setUpThread(50);
    expect(findUserById(store.db, "ana")!.displayName).toBe("Ana"); // cached
    const sent = send("c");
    await new Promise((r) => setImmediate(r)); // flushed: the batch is posted to the thread
    const other = new Database(join(dir, "parley.db"));
    try {
      // Without yielding (so the event loop cannot look): wait until the thread holds the write lock.
      other.run("PRAGMA busy_timeout = 0");
      const deadline = Date.now() + 5000;
      for (;;) {
        try {
          other.run("BEGIN IMMEDIATE");
          other.run("ROLLBACK");
        } catch {
          break; // SQLITE_BUSY: the thread has it
        }
        if (Date.now() > deadline) throw new Error("the thread never took the write lock");
      }
      // Waits for that lock here, on the event loop: the thread cannot hear back, and commits alone.
      other.run("PRAGMA busy_timeout = 5000");
      other.run("UPDATE users SET display_name = 'Ana B' WHERE id = 'ana'");
    } finally {
      other.close();
    }
    expect((await sent).kind).toBe("created");
    // Committed without the look, and the rename found after the thread's commit by its certificate.
    expect(thread.stats).toMatchObject({ unverified: 1, foreign: 1 });
    expect(findUserById(store.db, "ana")!.displayName).toBe("Ana B");
  });

  test("a thread that dies acknowledges nothing of its batch, and the server is told to stop", async () => {
    setUpThread();
    const sent = send("d");
    await new Promise((r) => setImmediate(r)); // flushed: the batch is posted to the thread
    thread.killForTest();
    await expect(sent).rejects.toThrow();
    await waitFor(() => fatal.length === 1, "the server to be told");
    expect(rows("SELECT count(*) AS n FROM messages")).toEqual([{ n: 0 }]);
  });
});
