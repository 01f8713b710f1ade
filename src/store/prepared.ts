import type { Database } from "bun:sqlite";
import type { Db } from "./store.ts";

/**
 * A query built once per database and reused: drizzle rebuilds a query's SQL on every call, which was a
 * sixth of the server's CPU on the send path (docs/performance.md). Use it for queries that run on every
 * message or request, with `sql.placeholder()` for the values. A transaction shares its database's
 * connection (drizzle's session), so a query prepared once also runs inside any transaction.
 */
export function prepared<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const byConnection = new WeakMap<object, Q>();
  return (db) => {
    const connection = (db as unknown as { session: object }).session;
    let q = byConnection.get(connection);
    if (q === undefined) byConnection.set(connection, (q = build(db)));
    return q;
  };
}

/**
 * The bun:sqlite connection under a database or a transaction (they share it), for the statements of the
 * hottest reads: written as SQL with `json_each(?)` for lists, so each is one compiled statement whatever
 * the list's length, and rows come back as plain objects with no mapping (chat/message-reads.ts).
 */
export function connectionOf(db: Db): Database {
  return (db as unknown as { session: { client: Database } }).session.client;
}

/** What bun:sqlite says an INSERT or UPDATE did; drizzle's prepared `run()` returns it, typed as void. */
export interface Changes {
  changes: number;
  /** The rowid of the newest row inserted through this connection. */
  lastInsertRowid: number;
}

/** A prepared drizzle statement's `run()` result as what it is (see Changes). */
export function changesOf(result: unknown): Changes {
  const { changes, lastInsertRowid } = result as { changes: number; lastInsertRowid: number | bigint };
  return { changes, lastInsertRowid: Number(lastInsertRowid) };
}
