// Rows the hot paths read on every message (the sender, the conversation, its members), kept in memory
// and exact: a cache is read through the same connection the writes go through, every write that changes
// a cached row forgets it at once, and whatever a rolled-back write may have left behind is dropped.
//
// Why this is exact:
// - bun:sqlite is synchronous and Parley writes through one connection, so between a write and the
//   `forget` that follows it nothing else runs; a read after the forget loads from the connection, and
//   inside a transaction the connection shows that transaction's own writes.
// - If something was forgotten since the last commit and a transaction or a savepoint then rolls back, a
//   reload in between may hold a write that never happened: every cache of the connection is cleared.
// - Another process writing the same file (the admin command line, sqlite3 by hand) is noticed through
//   SQLite's `PRAGMA data_version`, which changes when another connection commits: checked at most once
//   per turn of the event loop, and every cache is cleared when it moved.
import type { Database } from "bun:sqlite";

/** What a connection's caches share: when to clear them all. One per connection (openStore makes it). */
export class CacheRegistry {
  private readonly caches = new Set<{ clear(): void }>();
  /** Something was forgotten since the last commit: a rollback must clear everything. */
  private dirty = false;
  private dataVersion = -1;
  private checkedThisTurn = false;

  constructor(
    private readonly sqlite: Database,
    /**
     * False on a connection to a libSQL server (several nodes): data_version says nothing about other
     * nodes there; the cluster clock clears the caches instead (store/remote/remote-store.ts).
     */
    private readonly watchOtherWriters = true,
  ) {}

  register(cache: { clear(): void }): void {
    this.caches.add(cache);
  }

  /** A write changed rows some cache may hold. */
  changed(): void {
    this.dirty = true;
  }

  committed(): void {
    this.dirty = false;
  }

  /** A savepoint or a transaction rolled back. Dirty stays set until a commit: an enclosing one may fail too. */
  rolledBack(): void {
    if (this.dirty) this.clearAll();
  }

  clearAll(): void {
    for (const c of this.caches) c.clear();
  }

  /** Before a cached read: clears everything when another process committed since the last look. */
  checkOtherWriters(): void {
    if (this.checkedThisTurn || this.paused || !this.watchOtherWriters) return;
    this.checkedThisTurn = true;
    setImmediate(() => (this.checkedThisTurn = false));
    this.lookNow();
  }

  // While the send thread (chat/send-thread.ts), this process's second writer, commits a batch, its commit
  // moves data_version like another process's would. Its writes reach the caches as forgets instead, and
  // the moments around its commit are looked at under a handshake (see there): the check in each turn
  // pauses from the batch's start until the thread has certified what came after its commit.
  private paused = false;

  /** Reads data_version now and clears everything if it moved since the last look. */
  lookNow(): void {
    const v = this.sqlite.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version;
    if (this.dataVersion !== -1 && v !== this.dataVersion) this.clearAll();
    this.dataVersion = v;
  }

  pause(): void {
    this.paused = true;
  }

  /** After the thread's commit: what data_version reads now is the baseline (the thread certifies the rest). */
  adoptVersion(): void {
    this.dataVersion = this.sqlite.query<{ data_version: number }, []>("PRAGMA data_version").get()!.data_version;
  }

  resume(): void {
    this.paused = false;
  }
}

/** The connection under a drizzle database or transaction, and its cache registry. */
export function registryOf(db: object): CacheRegistry {
  const client = (db as unknown as { session: { client: { rowCaches?: CacheRegistry } } }).session.client;
  if (!client.rowCaches) throw new Error("row caches need a connection opened by openStore");
  return client.rowCaches;
}

/** D is the drizzle database type (store.ts's Db; not imported, which would make a cycle with store.ts). */
export interface RowCache<D extends object, K, V> {
  /** The row (or undefined when there is none), from memory when it is there. */
  get(db: D, key: K): V | undefined;
  /** Call right after a write that changed the row for key (inside or outside a transaction). */
  forget(db: D, key: K): void;
  /** Call after a write that may change many keys at once. */
  forgetAll(db: D): void;
  /** What is held for key right now, without loading: for tests that compare it with the database. */
  peek(db: D, key: K): V | undefined;
}

/**
 * A bounded cache of rows by key over one loader, one map per connection. Misses are not remembered
 * (a row that does not exist yet costs its read each time), so creating a row needs no forget.
 */
export function rowCache<D extends object, K, V>(
  load: (db: D, key: K) => V | undefined,
  maxEntries: number,
): RowCache<D, K, V> {
  const byConnection = new WeakMap<CacheRegistry, Map<K, V>>();
  const mapOf = (db: D): Map<K, V> => {
    const registry = registryOf(db);
    let map = byConnection.get(registry);
    if (!map) {
      const m = new Map<K, V>();
      byConnection.set(registry, m);
      registry.register(m);
      map = m;
    }
    return map;
  };
  return {
    get(db, key) {
      registryOf(db).checkOtherWriters();
      const map = mapOf(db);
      const hit = map.get(key);
      if (hit !== undefined) return hit;
      const row = load(db, key);
      if (row === undefined) return undefined;
      // Oldest first out: Map keeps insertion order, so the first key is the one cached longest ago.
      if (map.size >= maxEntries) map.delete(map.keys().next().value!);
      map.set(key, row);
      return row;
    },
    forget(db, key) {
      mapOf(db).delete(key);
      registryOf(db).changed();
    },
    forgetAll(db) {
      mapOf(db).clear();
      registryOf(db).changed();
    },
    peek(db, key) {
      return mapOf(db).get(key);
    },
  };
}
