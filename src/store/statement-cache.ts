// The embedded file's connection (store/store.ts opens it): compiled statements kept for reuse, and every
// statement counted, so that what a send or a page costs is a number the work budgets can hold.
import { Database, type SQLQueryBindings, type Statement } from "bun:sqlite";
import { CacheRegistry } from "./row-cache.ts";

const STATEMENT_CACHE_SIZE = 500;

/**
 * drizzle asks the driver to prepare every query it runs, and SQLite compiling the same few statements
 * again and again cost a fifth of the server's CPU under load (docs/performance.md). This keeps the most
 * recently used compiled statements, bounded because `IN (?, ?, ...)` lists make many distinct texts.
 */
export class StatementCachingDatabase extends Database {
  private readonly statements = new Map<string, Statement<any, any>>();
  /** What the statements did so far: the work budgets (test/work-budgets.test.ts) and metrics read it. */
  readonly work: WorkCounters = { statements: 0, rowsRead: 0, transactions: 0, outsideWriter: 0 };
  /** Found by row caches through drizzle's session (store/row-cache.ts). */
  readonly rowCaches = new CacheRegistry(this);
  /**
   * Told after a write statement ran outside any transaction (SQLite committed it by itself): with commits
   * synced off the event loop, that commit too must be synced before anyone is shown it (openStore).
   */
  onAutocommit: (() => void) | null = null;

  override query<R, P extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
  ): Statement<R, P extends any[] ? P : [P]> {
    return countWork(super.query(sql), this, isWrite(sql));
  }

  override prepare<R, P extends SQLQueryBindings | SQLQueryBindings[]>(
    sql: string,
    params?: P,
  ): Statement<R, P extends any[] ? P : [P]> {
    if (params !== undefined) return countWork(super.prepare(sql, params), this, isWrite(sql));
    let stmt = this.statements.get(sql);
    if (stmt)
      this.statements.delete(sql); // re-inserted below as the most recent
    else {
      stmt = countWork(super.prepare(sql), this, isWrite(sql));
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
  /**
   * Commits that did not come through the server's write queue once it was attached (useWriter): a write
   * outside any transaction, or a transaction() of its own. The server makes none (test/write-queue.test.ts);
   * tests that write straight into the file do.
   */
  outsideWriter: number;
}

const counted = new WeakSet<object>();

/**
 * Statements that change rows (what drizzle and Parley's raw SQL write: INSERT, UPDATE, DELETE, REPLACE,
 * and a WITH that leads to one of them). Transaction control (BEGIN, COMMIT, SAVEPOINT…) and PRAGMAs are not.
 */
function isWrite(sql: string): boolean {
  const head = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
  if (head === "insert" || head === "update" || head === "delete" || head === "replace") return true;
  return head === "with" && /\b(insert|update|delete|replace)\b/i.test(sql);
}

/**
 * Counts each execution of a statement and the rows it hands back. Done once per compiled statement (they
 * are cached), at the cost of one extra call per execution: cheap next to SQLite's own work, and it makes
 * what a send or a page costs a number that tests can hold to a budget. A write run outside a transaction
 * is reported to the connection's onAutocommit.
 */
function countWork<S extends Statement<any, any>>(stmt: S, db: StatementCachingDatabase, writes: boolean): S {
  if (counted.has(stmt)) return stmt;
  counted.add(stmt);
  const work = db.work;
  const s = stmt as unknown as Record<"run" | "get" | "all" | "values", (...args: unknown[]) => unknown>;
  const wrap = (f: (...args: unknown[]) => unknown) => {
    const bound = f.bind(stmt);
    if (!writes) return bound;
    return (...args: unknown[]) => {
      if (db.inTransaction || !db.onAutocommit) return bound(...args);
      try {
        return bound(...args);
      } finally {
        // Told even when it failed: a statement that failed part-way may still have committed nothing, and
        // an extra sync costs little; one that committed and went unsynced could be shown and then lost.
        db.onAutocommit();
      }
    };
  };
  const run = wrap(s.run);
  const get = wrap(s.get);
  const all = wrap(s.all);
  const values = wrap(s.values);
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
