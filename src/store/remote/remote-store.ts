// The store of a node in a cluster (PARLEY_DATABASE_URL): the same schema, migrations, transactions, group
// commits and row caches as the embedded file (store/store.ts), over a libSQL server reached through
// store/remote/remote-database.ts. What differs:
// - durability is the server's: a commit it has answered is its to keep, so there is no sync to wait for;
// - other nodes write too, so the row caches learn of their commits from the cluster clock (cluster-schema.ts):
//   exactly inside every transaction (checked right after BEGIN), and for reads outside transactions by a
//   look at the clock every second and whenever the bus announces another node's commit;
// - no checkpoints (the server's business) and no send thread (its second connection would be a second
//   writer on the primary, which serializes writers anyway).
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { Database } from "bun:sqlite";
import * as schema from "../schema.ts";
import { isSchemaCurrent, listMigrations, migrate } from "../migrate.ts";
import { CacheRegistry } from "../row-cache.ts";
import { SearchIndex } from "../search-index.ts";
import { Durability } from "../durability.ts";
import { storeOver, type Db, type Store } from "../store.ts";
import { linkWorkerPath } from "../../lib/resources.ts";
import { RemoteDatabase, type RemoteOptions } from "./remote-database.ts";

export interface RemoteStore extends Store {
  /** Another node committed up to this clock version (the bus says so): caches catch up. */
  foreignCommit(version: number): void;
  /** The clock version of this node's newest commit, or of the newest foreign one it knows of. */
  clockVersion(): number;
  /** Is the primary answering right now (without waiting for it)? */
  reachable(): boolean;
  /** A read from the primary itself, never the replica (which may be behind). */
  readPrimary(sql: string, params?: (string | number)[]): Record<string, unknown>[];
  /** The replica syncs before its next read (what is about to be read was committed elsewhere just now). */
  catchUpReplica(): void;
  /** Round trips to the link thread and the time the event loop waited on them (metrics). */
  linkStats(): { calls: number; waitSeconds: number; busyRetries: number };
}

export interface RemoteStoreOptions extends Omit<RemoteOptions, "workerPath"> {
  workerPath?: string;
  onAfterCommitError?: (err: unknown) => void;
  /** How often the clock is read outside transactions (ms); 0: never (short-lived commands). */
  clockCheckMs?: number;
  /** The primary stopped or started answering (seen by the clock check): the server logs it. */
  onReachable?: (up: boolean) => void;
}

const MIGRATE_ATTEMPTS = 5;

export function openRemoteStore(opts: RemoteStoreOptions): RemoteStore {
  const sqlite = new RemoteDatabase({
    ...opts,
    workerPath: opts.workerPath ?? linkWorkerPath,
  });
  // bun:sqlite's Database as far as Parley uses it (remote-database.ts): drizzle and the domain take it as one.
  const connection = sqlite as unknown as Database;
  if (opts.replicaPath) {
    try {
      // The replica's first read: made here so that a replica that cannot work stops the start-up.
      connection.query("SELECT 1").get();
    } catch (err) {
      sqlite.close();
      throw new Error(`PARLEY_DATABASE_REPLICA: ${(err as Error).message}`);
    }
  }
  const migrations = listMigrations();
  try {
    migrateOnce(connection, migrations);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const caches = new CacheRegistry(connection, false);
  sqlite.rowCaches = caches;
  const db = drizzle({ client: connection, schema }) as unknown as Db;
  const searchIndex = new SearchIndex(connection);
  const eventHead = () =>
    connection.query<{ id: number | null }, []>("SELECT max(id) AS id FROM events").get()?.id ?? 0;
  // Commits are durable when the server answers: every "sync" is done at once, in order.
  const durability = new Durability(null, eventHead(), () => {});

  let known = readClock(connection, sqlite);
  /** Another node committed since this node last looked: nothing cached may be trusted. */
  const foreign = () => {
    caches.clearAll();
    sqlite.replicaStale();
  };
  sqlite.onBegin = () => {
    const version = connection
      .query<{ version: number }, []>("UPDATE cluster_clock SET version = version + 1 WHERE id = 1 RETURNING version")
      .get()!.version;
    if (version !== known + 1) {
      foreign();
      searchIndex.reload();
    }
    known = version;
  };
  const noteForeign = (version: number) => {
    if (version <= known) return;
    known = version;
    foreign();
  };
  let wasReachable = true;
  const clockTimer =
    (opts.clockCheckMs ?? 1000) > 0
      ? setInterval(() => {
          if (sqlite.reachable !== wasReachable) opts.onReachable?.((wasReachable = sqlite.reachable));
          if (!sqlite.reachable || sqlite.inTransaction) return;
          try {
            noteForeign(readClock(connection, sqlite));
          } catch {
            // Unreachable: the link's probe takes over; the next look catches up.
          }
        }, opts.clockCheckMs ?? 1000)
      : null;
  clockTimer?.unref();

  const store = storeOver({
    db,
    sqlite: connection,
    work: sqlite.work,
    caches,
    durability,
    checkpoints: null,
    searchIndex,
    eventHead,
    onAfterCommitError: opts.onAfterCommitError,
    onAutocommit: (hook) => (sqlite.onAutocommit = hook),
    deferCommit: (commit) => commit(),
    commitsSynced: true,
    // During an outage it answers at once (the link's probe knows); otherwise the primary must answer now.
    isReady: () => sqlite.reachable && sqlite.ping() && isSchemaCurrent(connection, migrations),
    close() {
      if (clockTimer) clearInterval(clockTimer);
      void durability.close();
      sqlite.close();
    },
  });
  return {
    ...store,
    foreignCommit: noteForeign,
    clockVersion: () => known,
    reachable: () => sqlite.reachable,
    readPrimary: (sql, params) => sqlite.readPrimary(sql, params),
    catchUpReplica: () => sqlite.replicaStale(),
    linkStats: () => sqlite.linkStats,
  };
}

/** The clock's version, from the replica when there is one; from the primary itself when fromPrimary is given. */
function readClock(connection: Database, fromPrimary?: RemoteDatabase): number {
  const sql = "SELECT version FROM cluster_clock WHERE id = 1";
  if (fromPrimary) return (fromPrimary.readPrimary(sql)[0]?.version as number | undefined) ?? 0;
  return connection.query<{ version: number }, []>(sql).get()?.version ?? 0;
}

/**
 * Nodes starting together may migrate together: the second one's migration fails on what the first has
 * just created. It looks again: once the schema is current it has nothing left to do.
 */
function migrateOnce(connection: Database, migrations: ReturnType<typeof listMigrations>): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(connection, migrations);
      return;
    } catch (err) {
      if (attempt >= MIGRATE_ATTEMPTS) throw err;
      try {
        if (isSchemaCurrent(connection, migrations)) return;
      } catch {
        // not even the table yet: try again
      }
    }
  }
}
