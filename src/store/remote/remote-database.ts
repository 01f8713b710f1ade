// The multi-node store's connection: the shape of bun:sqlite's Database (what drizzle's bun-sqlite driver and
// Parley's own prepared statements use), over a libSQL server. Parley's domain is synchronous — a statement
// runs and returns its rows, a transaction is a function — and keeping it so is what lets one code path
// serve the embedded file and the cluster. So each statement is handed to the link thread
// (store/remote/link-worker.ts), which does the network work, while the event loop blocks on a shared word
// until the reply is posted (Atomics.wait; receiveMessageOnPort). A statement costs a round trip to the
// primary (about 0.3 ms on one machine's loopback: docs/performance.md), a read from the embedded replica a
// fraction of that. The node's writes go through its one write queue, group-committed as in a single node,
// so one transaction carries many jobs.
//
// When the primary cannot be reached, statements fail at once with code PARLEY_DATABASE_UNREACHABLE (a
// retryable DATABASE_UNAVAILABLE for clients) instead of blocking the node: the first failure waits at most
// the link's timeout, after which the thread probes the primary in the background and the next statement
// goes through only once it answers again.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import type { WorkCounters } from "../store.ts";
import type { CacheRegistry } from "../row-cache.ts";
import type { Args, LinkInit, LinkReply, LinkRequest, Value } from "./link-protocol.ts";

/** The code of every failure to reach the primary (lib/errors.ts maps it to DATABASE_UNAVAILABLE; same spelling). */
export const UNREACHABLE = "PARLEY_DATABASE_UNREACHABLE";

export class RemoteSqlError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "SQLiteError";
  }
}

type Binding = Value | boolean | undefined | Record<string, Value | boolean>;

/** What bun:sqlite binds, as the server takes it: booleans as 0/1, named keys with their prefix. */
function toArgs(sql: string, params: Binding[]): Args {
  if (
    params.length === 1 &&
    params[0] !== null &&
    typeof params[0] === "object" &&
    !(params[0] instanceof Uint8Array)
  ) {
    const named: Record<string, Value> = {};
    for (const [key, value] of Object.entries(params[0] as Record<string, Value | boolean>)) {
      const prefixed = /^[$:@]/.test(key) ? key : (prefixOf(sql, key) ?? `$${key}`);
      named[prefixed] = typeof value === "boolean" ? Number(value) : value;
    }
    return named;
  }
  return params.map((v) => (typeof v === "boolean" ? Number(v) : v === undefined ? null : (v as Value)));
}

/** bun:sqlite's strict mode binds `{ id }` to whichever of $id, :id, @id the statement names. */
function prefixOf(sql: string, name: string): string | undefined {
  for (const p of ["$", ":", "@"]) if (sql.includes(p + name)) return p + name;
  return undefined;
}

const TX_BEGIN = /^\s*begin\b/i;
const TX_END = /^\s*(commit|end|rollback)\s*(transaction)?\s*;?\s*$/i;
const READ = /^\s*(select|pragma|explain|with\s[\s\S]*?\bselect\b)/i;

/** A statement that changes rows (or the schema): outside a transaction it goes to the primary's write stream. */
function isWrite(sql: string): boolean {
  return !READ.test(sql) || /\b(insert|update|delete|replace)\b[\s\S]*\breturning\b/i.test(sql);
}

export interface RemoteOptions {
  url: string;
  authToken: string | null;
  replicaPath: string | null;
  timeoutMs: number;
  workerPath: string;
}

/** A request before it is given its id. */
type Request = LinkRequest extends infer R ? (R extends LinkRequest ? Omit<R, "id"> : never) : never;

/** The link to the primary: one request at a time, the event loop waiting for each reply. */
class Link {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** Word 0: the newest reply's id. Word 1: 1 while the primary answers, 0 during an outage. */
  readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private nextId = 0;

  constructor(private readonly opts: RemoteOptions) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    Atomics.store(this.signal, 1, 1);
    const init: LinkInit & { port: MessagePort } = {
      url: opts.url,
      authToken: opts.authToken,
      replicaPath: opts.replicaPath,
      timeoutMs: opts.timeoutMs,
      signal: this.signal,
      port: port2,
    };
    this.worker = new Worker(opts.workerPath, { workerData: init, transferList: [port2] });
    this.worker.unref();
  }

  /** False during an outage: statements fail at once until the thread's probe finds the primary again. */
  get up(): boolean {
    return Atomics.load(this.signal, 1) === 1;
  }

  /** Round trips to the thread and the time the event loop spent waiting on them (metrics: link latency). */
  readonly stats = { calls: 0, waitSeconds: 0 };

  call(req: Request, failFast = true): LinkReply {
    if (failFast && !this.up) return this.unreachable(0, "the database server is unreachable (reconnecting)");
    const started = performance.now();
    try {
      return this.roundTrip(req);
    } finally {
      this.stats.calls++;
      this.stats.waitSeconds += (performance.now() - started) / 1000;
    }
  }

  private roundTrip(req: Request): LinkReply {
    const id = ++this.nextId;
    this.port.postMessage({ ...req, id } as LinkRequest);
    // The thread bounds every request by the timeout; the margin covers a thread that is itself stuck.
    const deadline = performance.now() + this.opts.timeoutMs + 2000;
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      if (seen === id) break;
      const left = deadline - performance.now();
      if (left <= 0) return this.unreachable(id, "the database link did not answer");
      Atomics.wait(this.signal, 0, seen, left);
    }
    // Replies of requests given up on earlier come first: skipped.
    for (;;) {
      const got = receiveMessageOnPort(this.port)?.message as LinkReply | undefined;
      if (!got) return this.unreachable(id, "the database link lost a reply");
      if (got.id === id) return got;
    }
  }

  private unreachable(id: number, message: string): LinkReply {
    return { id, ok: false, message, unreachable: true };
  }

  close(): void {
    this.call({ kind: "close" }, false);
    void this.worker.terminate();
  }
}

interface Result {
  columns: string[];
  rows: Value[][];
  changes: number;
  lastInsertRowid: number;
}

/** A statement: bun:sqlite's run/get/all/values over the link. */
export class RemoteStatement {
  constructor(
    private readonly db: RemoteDatabase,
    private readonly sql: string,
  ) {}

  run(...params: Binding[]): { changes: number; lastInsertRowid: number } {
    const r = this.db.execute(this.sql, params, "run");
    return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
  }

  all(...params: Binding[]): Record<string, Value>[] {
    const r = this.db.execute(this.sql, params, "rows");
    return r.rows.map((row) => toObject(r.columns, row));
  }

  get(...params: Binding[]): Record<string, Value> | null {
    const r = this.db.execute(this.sql, params, "rows");
    return r.rows.length > 0 ? toObject(r.columns, r.rows[0]!) : null;
  }

  values(...params: Binding[]): Value[][] {
    return this.db.execute(this.sql, params, "rows").rows;
  }

  finalize(): void {}
}

function toObject(columns: string[], row: Value[]): Record<string, Value> {
  const o: Record<string, Value> = {};
  for (let i = 0; i < columns.length; i++) o[columns[i]!] = row[i]!;
  return o;
}

/**
 * bun:sqlite's Database, as far as Parley uses it, over the link. Transactions are the server's: BEGIN,
 * the statements and COMMIT go over the write stream, one SQL connection on the primary, which holds the
 * write lock from BEGIN IMMEDIATE to COMMIT, so event ids are given in commit order cluster-wide.
 */
export class RemoteDatabase {
  private readonly link: Link;
  private open = true;
  /** Between BEGIN and COMMIT/ROLLBACK on the write stream. */
  inTransaction = false;
  /** The link broke inside a transaction: the server rolled it back; savepoint statements fail until ROLLBACK. */
  private broken: RemoteSqlError | null = null;
  readonly work: WorkCounters = { statements: 0, rowsRead: 0, transactions: 0, outsideWriter: 0 };
  /** Set by the store (openRemoteStore): the row caches read through this connection. */
  rowCaches!: CacheRegistry;
  /** Told after each BEGIN, inside the transaction (the cluster clock: store/remote/remote-store.ts). */
  onBegin: () => void = () => {};
  /** Told after a write outside any transaction: the store wraps none, so this is a slip to count. */
  onAutocommit: (() => void) | null = null;

  /** BEGINs refused because another node held the write lock, and tried again (metrics). */
  busyRetries = 0;

  constructor(private readonly opts: RemoteOptions) {
    this.link = new Link(opts);
  }

  /**
   * Takes the primary's write lock. Another node may hold it: the server's own wait (SQLite's busy handler)
   * sleeps in growing steps and then answers SQLITE_BUSY, so the lock is asked for again after a millisecond
   * or two, within the statement timeout, rather than failing the whole batch of writes.
   */
  private begin(): void {
    const deadline = performance.now() + this.opts.timeoutMs;
    for (;;) {
      try {
        this.exec("BEGIN IMMEDIATE");
        return;
      } catch (err) {
        if ((err as RemoteSqlError).code !== "SQLITE_BUSY" || performance.now() > deadline) throw err;
        this.busyRetries++;
        Bun.sleepSync(1 + Math.random() * 2);
      }
    }
  }

  get reachable(): boolean {
    return this.link.up;
  }

  execute(sql: string, params: Binding[], want: "rows" | "run", onPrimary = false): Result {
    if (!this.open) throw new RemoteSqlError("the database is closed", "SQLITE_MISUSE");
    const begins = TX_BEGIN.test(sql);
    const ends = TX_END.test(sql);
    if (this.broken) {
      // The transaction is gone with the connection: ROLLBACK has nothing left to do; anything else fails.
      if (ends && /^\s*rollback/i.test(sql)) {
        this.broken = null;
        this.inTransaction = false;
        return { columns: [], rows: [], changes: 0, lastInsertRowid: 0 };
      }
      throw this.broken;
    }
    const target = onPrimary || this.inTransaction || begins || isWrite(sql) ? "write" : "read";
    this.work.statements++;
    const reply = this.link.call({ kind: "exec", target, sql, args: toArgs(sql, params), want });
    if (!reply.ok) {
      const err = new RemoteSqlError(reply.message, reply.unreachable ? UNREACHABLE : reply.code);
      if (reply.unreachable && this.inTransaction) this.broken = err;
      // A failed COMMIT leaves SQLite's transaction open only when it was refused (SQLITE_BUSY): the caller
      // rolls back. A failed BEGIN opened nothing.
      throw err;
    }
    if (begins) {
      this.inTransaction = true;
      this.work.transactions++;
      this.onBegin();
    } else if (ends) this.inTransaction = false;
    else if (target === "write" && !this.inTransaction) this.onAutocommit?.();
    this.work.rowsRead += reply.rows.length;
    return reply;
  }

  query(sql: string): RemoteStatement {
    return new RemoteStatement(this, sql);
  }

  prepare(sql: string): RemoteStatement {
    return new RemoteStatement(this, sql);
  }

  run(sql: string, params: Binding[] = []): { changes: number; lastInsertRowid: number } {
    return new RemoteStatement(this, sql).run(...params);
  }

  exec(sql: string): void {
    this.execute(sql, [], "run");
  }

  /**
   * bun:sqlite's transaction(fn): callable, with .deferred/.immediate/.exclusive; nested calls become
   * savepoints. A transaction on the primary is always IMMEDIATE: it takes the write lock at BEGIN.
   */
  transaction<A extends unknown[], T>(fn: (...args: A) => T) {
    const run = (...args: A): T => {
      if (this.inTransaction) {
        const name = `nested_${++nesting}`;
        this.exec(`SAVEPOINT ${name}`);
        try {
          const result = fn(...args);
          this.exec(`RELEASE ${name}`);
          return result;
        } catch (err) {
          if (!this.broken) {
            this.exec(`ROLLBACK TO ${name}`);
            this.exec(`RELEASE ${name}`);
          }
          throw err;
        }
      }
      this.begin();
      try {
        const result = fn(...args);
        this.exec("COMMIT");
        return result;
      } catch (err) {
        if (this.inTransaction) this.exec("ROLLBACK");
        throw err;
      }
    };
    return Object.assign(run, { deferred: run, immediate: run, exclusive: run });
  }

  /** Round trips to the link thread, the time spent waiting on them, and BEGINs asked again. */
  get linkStats(): { calls: number; waitSeconds: number; busyRetries: number } {
    return { ...this.link.stats, busyRetries: this.busyRetries };
  }

  /** A read from the primary itself, never the replica (which may be behind). */
  readPrimary(sql: string, params: Binding[] = []): Record<string, Value>[] {
    const r = this.execute(sql, params, "rows", true);
    return r.rows.map((row) => toObject(r.columns, row));
  }

  /** A ping that waits for the primary even during an outage (readiness). */
  ping(): boolean {
    return this.link.call({ kind: "ping" }, false).ok;
  }

  /** The embedded replica syncs before its next read (another node committed). */
  replicaStale(): void {
    this.link.call({ kind: "stale" }, false);
  }

  /** A transaction given up on (the link failed or a statement timed out): the server rolls it back. */
  reset(): void {
    this.link.call({ kind: "reset" }, false);
    this.inTransaction = false;
    this.broken = null;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.link.close();
  }
}

let nesting = 0;
