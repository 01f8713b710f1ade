// The send thread (chat/send-thread.ts says why and how): its own connection to the database file, writing
// the batches of plain sends the event loop has checked and built, one transaction per batch, each send in
// its own savepoint. It commits only after the event loop has looked at data_version while this thread held
// the write lock, and it certifies afterwards that nothing else committed after it.
import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { SearchIndex } from "../store/search-index.ts";
import { errorInfo, type FromThread, type SendOutcome, type ThreadWork, type ToThread } from "./send-protocol.ts";
import { INSERT_EVENT, INSERT_MENTION, INSERT_MESSAGE, MARK_SENDER_READ } from "./send-sql.ts";

declare const self: Worker;

/** Counts what its statements do, as the event loop's connection does (store/store.ts), for the work budgets. */
class CountingDatabase extends Database {
  work: ThreadWork = { statements: 0, rowsRead: 0 };

  override query<R, P extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
  ): Statement<R, P extends any[] ? P : [P]> {
    const stmt = super.query<R, P>(sql);
    if (counted.has(stmt)) return stmt;
    counted.add(stmt);
    const s = stmt as unknown as Record<"run" | "get", (...args: unknown[]) => unknown>;
    const run = s.run.bind(stmt);
    const get = s.get.bind(stmt);
    s.run = (...args) => (this.work.statements++, run(...args));
    s.get = (...args) => {
      this.work.statements++;
      const row = get(...args);
      if (row != null) this.work.rowsRead++;
      return row;
    };
    return stmt;
  }
}
const counted = new WeakSet<object>();

let db: CountingDatabase;
let search: SearchIndex;
let seen: Int32Array;
let handshakeMs = 2000;
/** data_version as this connection read it inside its last transaction: its own commits do not move it. */
let lastDataVersion = -1;

const post = (m: FromThread) => postMessage(m);
const dataVersion = () => db.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version;

self.onmessage = (e: MessageEvent<ToThread>) => {
  const m = e.data;
  if (m.type === "open") open(m);
  else if (m.type === "batch") batch(m.id, m.plans, m.indexedSeq);
  else if (m.type === "close") {
    db?.close();
    post({ type: "closed" });
  } else {
    const now = dataVersion();
    post({ type: "certified", id: m.id, foreign: now !== lastDataVersion });
    lastDataVersion = now;
  }
};

function open(m: Extract<ToThread, { type: "open" }>): void {
  try {
    db = new CountingDatabase(m.path, { readwrite: true, create: false, strict: true });
    db.run(`PRAGMA busy_timeout = ${m.busyTimeoutMs}`);
    // Synced off the event loop with the rest (store/durability.ts): the commit writes the log, no fsync.
    db.run("PRAGMA synchronous = NORMAL");
    db.run("PRAGMA foreign_keys = ON");
    // Checkpoints are the checkpoint thread's (or the event loop's connection's): never inside these commits.
    db.run("PRAGMA wal_autocheckpoint = 0");
    seen = new Int32Array(m.seen);
    handshakeMs = m.handshakeMs;
    search = new SearchIndex(db);
    lastDataVersion = dataVersion();
    post({ type: "opened" });
  } catch (err) {
    post({ type: "open-failed", error: errorInfo(err) });
  }
}

function batch(id: number, plans: Extract<ToThread, { type: "batch" }>["plans"], indexedSeq: number): void {
  db.work = { statements: 0, rowsRead: 0 };
  try {
    // IMMEDIATE: the write lock now, where the busy timeout applies (store/store.ts says why).
    db.run("BEGIN IMMEDIATE");
  } catch (err) {
    post({ type: "failed", id, error: errorInfo(err) });
    return;
  }
  post({ type: "locked", id });
  const outcomes: SendOutcome[] = [];
  const conversations = new Set<string>();
  let eventHead = 0;
  for (const { message: m, mentions } of plans) {
    db.query("SAVEPOINT send").run();
    try {
      const inserted = db.query(INSERT_MESSAGE).run(m);
      if (inserted.changes === 0) {
        db.query("RELEASE send").run();
        outcomes.push({ kind: "retry" });
        continue;
      }
      const seq = Number(inserted.lastInsertRowid);
      for (const x of mentions)
        db.query(INSERT_MENTION).run({
          messageId: m.id,
          conversationId: m.conversationId,
          userId: x.userId,
          everyone: x.everyone ? 1 : 0,
          createdAt: m.createdAt,
        });
      db.query(MARK_SENDER_READ).run({ seq, conversationId: m.conversationId, userId: m.senderId });
      const event = db.query(INSERT_EVENT).run({
        type: "message.created",
        conversationId: m.conversationId,
        actorId: m.senderId,
        messageId: m.id,
        subjectUserId: null,
        userId: null,
        createdAt: m.createdAt,
      });
      const eventId = Number(event.lastInsertRowid);
      db.query("RELEASE send").run();
      eventHead = Math.max(eventHead, eventId);
      conversations.add(m.conversationId);
      outcomes.push({ kind: "created", seq, eventId });
    } catch (err) {
      db.query("ROLLBACK TO send").run();
      db.query("RELEASE send").run();
      outcomes.push({ kind: "failed", error: errorInfo(err) });
    }
  }
  try {
    search.advancedElsewhere(indexedSeq);
    search.catchUp();
    const version = dataVersion();
    const verified = waitForLook(id);
    db.run("COMMIT");
    search.committed();
    lastDataVersion = version;
    post({
      type: "committed",
      id,
      outcomes,
      eventHead,
      indexedSeq: search.indexedSeq(),
      conversations: [...conversations],
      verified,
      work: db.work,
    });
  } catch (err) {
    try {
      db.run("ROLLBACK");
    } catch {
      // Already rolled back by SQLite (a failed COMMIT may have).
    }
    search.rolledBack();
    post({ type: "failed", id, error: errorInfo(err) });
  }
}

/** Waits (holding the write lock) until the event loop has looked at data_version for this batch. */
function waitForLook(id: number): boolean {
  const deadline = Date.now() + handshakeMs;
  for (;;) {
    const current = Atomics.load(seen, 0);
    if (current >= id) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(seen, 0, current, left);
  }
}
