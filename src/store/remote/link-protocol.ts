// What the event loop and the database link thread (store/remote/link-worker.ts) say to each other. The
// domain is synchronous (bun:sqlite's shape: a statement runs and returns its rows), and the libSQL server
// is across a network: the event loop posts a request and blocks on a shared word until the thread, which
// does the network work asynchronously, has posted the reply (store/remote/remote-database.ts).

export type Value = null | number | bigint | string | Uint8Array;

/** Positional values (`?`, `?NNN`) or named ones (`$name`, `:name`, `@name`, keyed with their prefix). */
export type Args = Value[] | Record<string, Value>;

export type LinkRequest =
  | {
      id: number;
      kind: "exec";
      /**
       * write: the one stream to the primary that transactions and writes use (in order, one at a time);
       * read: a read outside any transaction, served by the embedded replica when there is one (after it
       * has caught up with this node's own writes), else by a second stream to the primary.
       */
      target: "write" | "read";
      sql: string;
      args: Args;
      /** rows: the statement's rows come back; run: only what it changed. */
      want: "rows" | "run";
    }
  /** The write stream is dropped (a transaction left open on it is rolled back by the server). */
  | { id: number; kind: "reset" }
  /** The replica syncs before its next read: another node committed (its cache clock moved). */
  | { id: number; kind: "stale" }
  /** Is the primary answering? (readiness, and the probe that ends an outage). */
  | { id: number; kind: "ping" }
  | { id: number; kind: "close" };

export type LinkReply =
  | {
      id: number;
      ok: true;
      columns: string[];
      rows: Value[][];
      changes: number;
      lastInsertRowid: number;
    }
  | {
      id: number;
      ok: false;
      message: string;
      /** SQLite's extended code when the server reported one (SQLITE_CONSTRAINT_UNIQUE…). */
      code?: string;
      /** True when the primary could not be reached at all (not an error of the statement). */
      unreachable: boolean;
    };

/** What the thread is started with. */
export interface LinkInit {
  /** ws:// or wss:// (or http(s)://, turned into ws) of the libSQL server. */
  url: string;
  authToken: string | null;
  /** The embedded replica's file, or null to read from the primary. */
  replicaPath: string | null;
  /** A request the server has not answered in this long fails as unreachable. */
  timeoutMs: number;
  /** Word 0: the id of the newest reply posted (the event loop waits on it). */
  signal: Int32Array;
}

/** The WebSocket address of a libSQL server given as ws(s)://, http(s):// or libsql:// (Turso's TLS spelling). */
export const wsUrlOf = (url: string) => url.replace(/^libsql:/, "wss:").replace(/^http(s?):/, "ws$1:");
