import type { Database } from "bun:sqlite";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import * as schema from "./schema.ts";
import { isSchemaCurrent, listMigrations, migrate } from "./migrate.ts";
import type { CacheRegistry } from "./row-cache.ts";
import { StatementCachingDatabase, type WorkCounters } from "./statement-cache.ts";
import { SearchIndex } from "./search-index.ts";
import { Durability } from "./durability.ts";
import { Checkpoints } from "./checkpoints.ts";

export type { WorkCounters };

export type Db = ReturnType<typeof drizzle<typeof schema>>;

/** Work inside a transaction; callbacks given to afterCommit run only once it has committed. */
export type TransactionFn<T> = (tx: Db, afterCommit: (cb: () => void) => void) => T;

/** What serves store.write: the server's write queue (store/write-queue.ts). */
export type Writer = <T>(fn: TransactionFn<T>, kind?: string) => Promise<T>;

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
  transaction<T>(fn: TransactionFn<T>): T;
  /**
   * The write queue's group commit: like transaction, but committed without waiting for the disk
   * (store/durability.ts). Returns the result, the afterCommit callbacks (not run: the caller runs them
   * once `durable` resolves), and `durable`, which resolves when the commit is on disk.
   */
  commitDeferred<T>(fn: TransactionFn<T>): {
    result: T;
    effects: (() => void)[];
    durable: Promise<void>;
  };
  /**
   * A write from anywhere (accounts, files, push, chat): through the server's write queue once one is
   * attached (group-committed, resolved once on disk: store/write-queue.ts), otherwise in a transaction of
   * its own (short-lived commands). The server writes nothing any other way, so its event loop never waits
   * for SQLite's write lock on its own account (test/write-queue.test.ts).
   */
  write: Writer;
  /** The server's write queue takes every write() from here on. */
  useWriter(run: Writer): void;
  /** Commits waiting for their sync, the newest event on disk, and a barrier for readers. */
  readonly durability: Durability;
  /** Message search's index, brought up to date by every transaction (store/search-index.ts). */
  readonly searchIndex: SearchIndex;
  /** Checkpoints on a thread of their own (store/checkpoints.ts), when the store was opened with them. */
  readonly checkpoints: Checkpoints | null;
  /** Readiness: the file accepts a write and the schema is current. */
  isReady(): boolean;
  close(): void;
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
    /**
     * Every commit synced off the event loop, not only the write queue's (the server): transaction() and
     * writes outside any transaction commit with synchronous=NORMAL and are synced on Bun's thread pool; what
     * they cause runs once that sync has finished, and readers wait for it (store/durability.ts). Short-lived
     * commands keep synchronous=FULL, so that a write is on disk when its statement returns.
     */
    syncOffLoop?: boolean;
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
  // FULL, not NORMAL, unless every commit is synced by durability.ts: in WAL mode NORMAL may lose the last
  // commits on power loss, and we promise that an acked message is durable.
  const syncOffLoop = opts.syncOffLoop ?? false;
  sqlite.run(`PRAGMA synchronous = ${syncOffLoop ? "NORMAL" : "FULL"}`);
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
  return storeOver({
    db,
    sqlite,
    work: sqlite.work,
    caches: sqlite.rowCaches,
    durability,
    checkpoints,
    searchIndex,
    eventHead,
    onAfterCommitError: opts.onAfterCommitError,
    // A write outside any transaction committed by itself, unsynced: held behind the barrier like the rest.
    onAutocommit: syncOffLoop ? (hook) => (sqlite.onAutocommit = hook) : null,
    // Committed with synchronous=NORMAL, unless every commit is synced off the loop anyway; with FULL the
    // commit synced the WAL (and any group commit still waiting).
    deferCommit: syncOffLoop
      ? (commit) => commit()
      : (commit) => {
          sqlite.run("PRAGMA synchronous = NORMAL");
          try {
            return commit();
          } finally {
            sqlite.run("PRAGMA synchronous = FULL");
          }
        },
    commitsSynced: syncOffLoop,
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
  });
}

/** What a store is made of: its connection and the parts around it (this file; store/remote/remote-store.ts). */
export interface StoreParts {
  db: Db;
  sqlite: Database;
  work: WorkCounters;
  caches: CacheRegistry;
  durability: Durability;
  checkpoints: Checkpoints | null;
  searchIndex: SearchIndex;
  /** The newest event id, read after a commit. */
  eventHead(): number;
  onAfterCommitError?: (err: unknown) => void;
  /** Installs the hook told after a write made outside any transaction (null: such writes are not held back). */
  onAutocommit: ((hook: () => void) => void) | null;
  /** Runs the commit of a group commit, which is synced afterwards (durability). */
  deferCommit<T>(commit: () => T): T;
  /**
   * True when every commit, transaction() included, is synced off the loop and what it causes waits for
   * that; false when transaction() commits synced (synchronous=FULL) and runs what it causes at once.
   */
  commitsSynced: boolean;
  isReady(): boolean;
  close(): void;
}

/** The Store around a connection: transactions, group commits, write routing (the same for every kind). */
export function storeOver(parts: StoreParts): Store {
  const { db, sqlite, durability, searchIndex, checkpoints, caches, eventHead } = parts;
  /** One transaction, IMMEDIATE, the search index brought up to date last; caches told how it ended. */
  const run = <T>(fn: TransactionFn<T>, pending: (() => void)[]): T => {
    parts.work.transactions++;
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
      caches.rolledBack();
      searchIndex.rolledBack();
      throw err;
    }
    caches.committed();
    searchIndex.committed();
    checkpoints?.committed();
    return result;
  };
  const runEffects = (effects: (() => void)[]) => {
    for (const cb of effects) {
      try {
        cb();
      } catch (err) {
        parts.onAfterCommitError?.(err);
      }
    }
  };
  let writer: Writer | null = null;
  parts.onAutocommit?.(() => {
    if (writer) parts.work.outsideWriter++;
    durability.autocommitted();
  });

  return {
    db,
    sqlite,
    work: parts.work,
    caches,
    durability,
    checkpoints,
    searchIndex,
    write(fn, kind) {
      if (writer) return writer(fn, kind);
      try {
        return Promise.resolve(this.transaction(fn));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    useWriter(run) {
      writer = run;
    },
    transaction(fn) {
      if (writer) parts.work.outsideWriter++;
      const pending: (() => void)[] = [];
      const result = run(fn, pending);
      if (parts.commitsSynced) {
        // What it causes waits for its sync; if that fails, the server stops (onSyncFailed) and it never runs.
        durability.deferredCommit(eventHead()).then(
          () => runEffects(pending),
          () => {},
        );
        return result;
      }
      // This commit synced the WAL (synchronous=FULL), and with it any group commit still waiting.
      if (durability.pending()) durability.fullCommit(eventHead());
      runEffects(pending);
      return result;
    },
    commitDeferred(fn) {
      const effects: (() => void)[] = [];
      const result = parts.deferCommit(() => run(fn, effects));
      return { result, effects, durable: durability.deferredCommit(eventHead()) };
    },
    isReady: parts.isReady,
    close: parts.close,
  };
}
