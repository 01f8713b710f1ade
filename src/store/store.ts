import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import * as schema from "./schema.ts";
import { isSchemaCurrent, listMigrations, migrate } from "./migrate.ts";
import { CacheRegistry } from "./row-cache.ts";
import { SearchIndex } from "./search-index.ts";
import { Durability } from "./durability.ts";
import { Checkpoints } from "./checkpoints.ts";

export type Db = ReturnType<typeof drizzle<typeof schema>>;

export interface Store {
  readonly db: Db;
  readonly sqlite: Database;
  /** What the database has been asked to do since it opened (statements, rows read, transactions). */
  readonly work: WorkCounters;
  /** The row caches read through this connection (store/row-cache.ts), told of commits and rollbacks. */
  readonly caches: CacheRegistry;
  /**
   * Runs fn in one transaction. Callbacks given to afterCommit run only once it has committed, so side
   * effects (fan-out, push, mail) never announce a write that rolled back, and their failures never undo it.
   */
  transaction<T>(fn: (tx: Db, afterCommit: (cb: () => void) => void) => T): T;
  /**
   * The write queue's group commit: like transaction, but committed without waiting for the disk
   * (store/durability.ts). Returns the result, the afterCommit callbacks (not run: the caller runs them
   * once `durable` resolves), and `durable`, which resolves when the commit is on disk.
   */
  commitDeferred<T>(fn: (tx: Db, afterCommit: (cb: () => void) => void) => T): {
    result: T;
    effects: (() => void)[];
    durable: Promise<void>;
  };
  /** Commits waiting for their sync, the newest event on disk, and a barrier for readers. */
  readonly durability: Durability;
  /** Checkpoints on a thread of their own (store/checkpoints.ts), when the store was opened with them. */
  readonly checkpoints: Checkpoints | null;
  /** Readiness: the file accepts a write and the schema is current. */
  isReady(): boolean;
  close(): void;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * drizzle asks the driver to prepare every query it runs, and SQLite compiling the same few statements
 * again and again cost a fifth of the server's CPU under load (docs/performance.md). This keeps the most
 * recently used compiled statements, bounded because `IN (?, ?, ...)` lists make many distinct texts.
 */
class StatementCachingDatabase extends Database {
  private readonly statements = new Map<string, Statement<any, any>>();
  /** What the statements did so far: the work budgets (test/work-budgets.test.ts) and metrics read it. */
  readonly work: WorkCounters = { statements: 0, rowsRead: 0, transactions: 0 };
  /** Found by row caches through drizzle's session (store/row-cache.ts). */
  readonly rowCaches = new CacheRegistry(this);

  override query<R, P extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
  ): Statement<R, P extends any[] ? P : [P]> {
    return countWork(super.query(sql), this.work);
  }

  override prepare<R, P extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
    params?: P,
  ): Statement<R, P extends any[] ? P : [P]> {
    if (params !== undefined) return countWork(super.prepare(sql, params), this.work);
    let stmt = this.statements.get(sql);
    if (stmt)
      this.statements.delete(sql); // re-inserted below as the most recent
    else {
      stmt = countWork(super.prepare(sql), this.work);
      // Not finalized on eviction: a caller may still hold it; the garbage collector frees it.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, stmt);
    return stmt;
  }
}

/** Statements executed, rows they returned, and transactions committed or rolled back, since the store opened. */
export interface WorkCounters {
  statements: number;
  rowsRead: number;
  transactions: number;
}

const counted = new WeakSet<object>();

/**
 * Counts each execution of a statement and the rows it hands back. Done once per compiled statement (they
 * are cached), at the cost of one extra call per execution: cheap next to SQLite's own work, and it makes
 * what a send or a page costs a number that tests can hold to a budget.
 */
function countWork<S extends Statement<any, any>>(stmt: S, work: WorkCounters): S {
  if (counted.has(stmt)) return stmt;
  counted.add(stmt);
  const s = stmt as unknown as Record<"run" | "get" | "all" | "values", (...args: unknown[]) => unknown>;
  const run = s.run.bind(stmt);
  const get = s.get.bind(stmt);
  const all = s.all.bind(stmt);
  const values = s.values.bind(stmt);
  s.run = (...args) => (work.statements++, run(...args));
  s.get = (...args) => {
    work.statements++;
    const row = get(...args);
    if (row != null) work.rowsRead++;
    return row;
  };
  s.all = (...args) => {
    work.statements++;
    const rows = all(...args) as unknown[];
    work.rowsRead += rows.length;
    return rows;
  };
  s.values = (...args) => {
    work.statements++;
    const rows = values(...args) as unknown[];
    work.rowsRead += rows.length;
    return rows;
  };
  return stmt;
}

/** Opens (creating if needed) the embedded database in dataDir and migrates it to this binary's schema. */
export function openStore(
  dataDir: string,
  opts: {
    onAfterCommitError?: (err: unknown) => void;
    busyTimeoutMs?: number;
    /** A sync of the WAL failed: what is on disk is unknown, so the server must stop (server.ts). */
    onSyncFailed?: (err: unknown) => void;
    /**
     * Checkpoints on their own thread instead of inside commits (the server; short-lived commands keep
     * SQLite's default). Failures are reported here.
     */
    checkpoints?: { onError: (msg: string, err: unknown) => void; delayMs?: number; idleThreadMs?: number };
  } = {},
): Store {
  // The data folder holds everyone's messages and sessions: only Parley's own user may enter it.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dataDir, 0o700);
  } catch {
    // Not ours to change (a mounted volume owned by someone else): keep going with what the admin chose.
  }
  const sqlite = new StatementCachingDatabase(join(dataDir, "parley.db"), { create: true, strict: true });
  sqlite.run("PRAGMA journal_mode = WAL");
  // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and we promise that an
  // acked message is durable. Group commit in the write queue shares the cost of each fsync.
  sqlite.run("PRAGMA synchronous = FULL");
  sqlite.run("PRAGMA foreign_keys = ON");
  // While another process holds the write lock (a backup tool, an admin command, sqlite3 by hand) a write
  // waits this long, then fails with SQLITE_BUSY, which clients see as a retryable DATABASE_BUSY (503).
  sqlite.run(`PRAGMA busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  const migrations = listMigrations();
  try {
    migrate(sqlite, migrations);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const db = drizzle({ client: sqlite, schema });
  const searchIndex = new SearchIndex(sqlite);
  const eventHead = () => sqlite.query<{ id: number | null }, []>("SELECT max(id) AS id FROM events").get()?.id ?? 0;
  const durability = new Durability(join(dataDir, "parley.db-wal"), eventHead(), (err) => {
    if (opts.onSyncFailed) opts.onSyncFailed(err);
    else throw err;
  });
  /** One transaction, IMMEDIATE, the search index brought up to date last; caches told how it ended. */
  const run = <T>(fn: (tx: Db, afterCommit: (cb: () => void) => void) => T, pending: (() => void)[]): T => {
    sqlite.work.transactions++;
    let result: T;
    try {
      // IMMEDIATE takes the write lock at BEGIN, where the busy timeout applies. A deferred transaction
      // reads first and then upgrades; if another writer committed meanwhile, SQLite fails the upgrade at
      // once (SQLITE_BUSY_SNAPSHOT) without waiting, and every write of the batch fails instantly.
      result = db.transaction(
        (tx) => {
          const value = fn(tx as unknown as Db, (cb) => pending.push(cb));
          // Last, so that it sees every message of the transaction with its final words.
          searchIndex.catchUp();
          return value;
        },
        { behavior: "immediate" },
      );
    } catch (err) {
      sqlite.rowCaches.rolledBack();
      searchIndex.rolledBack();
      throw err;
    }
    sqlite.rowCaches.committed();
    searchIndex.committed();
    checkpoints?.committed();
    return result;
  };
  // Messages written into the file by other means (a generated benchmark database) become searchable.
  sqlite.transaction(() => searchIndex.catchUp()).immediate();
  searchIndex.committed();
  const checkpoints = opts.checkpoints
    ? new Checkpoints(
        join(dataDir, "parley.db"),
        sqlite,
        opts.checkpoints.onError,
        opts.checkpoints.delayMs,
        opts.checkpoints.idleThreadMs,
      )
    : null;

  return {
    db,
    sqlite,
    work: sqlite.work,
    caches: sqlite.rowCaches,
    durability,
    checkpoints,
    transaction(fn) {
      const pending: (() => void)[] = [];
      const result = run(fn, pending);
      // This commit synced the WAL (synchronous=FULL), and with it any group commit still waiting.
      if (durability.pending()) durability.fullCommit(eventHead());
      for (const cb of pending) {
        try {
          cb();
        } catch (err) {
          opts.onAfterCommitError?.(err);
        }
      }
      return result;
    },
    commitDeferred(fn) {
      const effects: (() => void)[] = [];
      // NORMAL in WAL mode: the commit writes the WAL without an fsync; durability syncs it off the loop.
      sqlite.run("PRAGMA synchronous = NORMAL");
      let result;
      try {
        result = run(fn, effects);
      } finally {
        sqlite.run("PRAGMA synchronous = FULL");
      }
      return { result, effects, durable: durability.deferredCommit(eventHead()) };
    },
    isReady() {
      try {
        sqlite.run("BEGIN IMMEDIATE");
        sqlite.run("ROLLBACK");
        return isSchemaCurrent(sqlite, migrations);
      } catch {
        return false;
      }
    },
    close() {
      checkpoints?.close();
      void durability.close();
      sqlite.close();
    },
  };
}
