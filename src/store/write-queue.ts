import type { Db, Store } from "./store.ts";

export type WriteJob<T> = (tx: Db, afterCommit: (cb: () => void) => void) => T;

export interface WriteQueueOptions {
  /** Most jobs in one transaction: bounds how long one commit holds the event loop. */
  maxBatch: number;
  /** How long the first job of a batch waits for company; 0 = only what arrived in the same turn. */
  waitMs: number;
  /** After each commit: the batch size, and each job's kind and time from arrival to commit (metrics). */
  onCommit?: (batchSize: number, jobs: { kind: string; seconds: number }[]) => void;
  /** An afterCommit callback threw: logged; it never undoes the commit or another job's answer. */
  onEffectError?: (err: unknown) => void;
}

export interface WriteQueueStats {
  batches: number;
  jobs: number;
  largestBatch: number;
}

export interface WriteQueue {
  /**
   * Runs job in the next group commit and resolves with its result once that transaction has committed
   * and is on disk (store/durability.ts), so a caller that acks on resolution acks only what is durable. A job that throws rolls back alone
   * (a savepoint) and rejects; its neighbours in the batch still commit.
   */
  run<T>(job: WriteJob<T>, kind?: string): Promise<T>;
  /** Jobs waiting for their transaction. */
  depth(): number;
  /** Resolves once everything queued so far has committed and synced, or failed. */
  idle(): Promise<void>;
  stats(): WriteQueueStats;
}

interface Pending {
  job: WriteJob<unknown>;
  kind: string;
  queuedAt: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * Group commit: every fsync is shared by all the writes that arrived while the previous one ran.
 * bun:sqlite is synchronous, so frames that arrive during a commit wait in the socket buffers and form
 * the next batch by themselves; waitMs can add a deliberate wait, which the benchmark measures.
 */
export function createWriteQueue(store: Store, opts: WriteQueueOptions): WriteQueue {
  let pending: Pending[] = [];
  let scheduled = false;
  let idleWaiters: (() => void)[] = [];
  /** Committed batches whose sync has not finished. */
  let syncing = 0;
  const stats: WriteQueueStats = { batches: 0, jobs: 0, largestBatch: 0 };
  // Each job in its own savepoint, so that one that throws rolls back alone. Plain statements rather than
  // drizzle's nested transaction, which builds a new transaction object (with a query builder per table)
  // for every job: a tenth of a send's CPU at saturation (docs/performance.md). A job that nests a
  // transaction of its own gets drizzle's savepoints, named apart from this one.
  const savepoint = {
    begin: store.sqlite.prepare("SAVEPOINT write_job"),
    release: store.sqlite.prepare("RELEASE write_job"),
    rollback: store.sqlite.prepare("ROLLBACK TO write_job"),
  };

  // A sync for commits outside the queue waits for a batch about to commit, and covers it too.
  store.durability.setCommitComing(() => scheduled && syncing === 0);

  const schedule = () => {
    // One batch at a time between commit and sync: what arrives meanwhile waits for that sync and joins
    // the next batch, so batches stay as large as when the commit itself waited for the disk (each commit
    // writes its pages once, so fewer, larger commits cost less) while the event loop carries on.
    if (scheduled || syncing > 0) return;
    scheduled = true;
    if (opts.waitMs > 0) setTimeout(flush, opts.waitMs);
    else setImmediate(flush);
  };

  function flush() {
    scheduled = false;
    if (syncing > 0) return; // the sync in flight schedules the next batch when it ends
    const batch = pending.splice(0, opts.maxBatch);
    if (pending.length > 0) schedule();
    if (batch.length === 0) return store.durability.resume();
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    let committed: ReturnType<Store["commitDeferred"]>;
    try {
      committed = store.commitDeferred((tx, afterCommit) => {
        for (const { job } of batch) {
          const hooks: (() => void)[] = [];
          savepoint.begin.run();
          let value: unknown;
          try {
            value = job(tx, (cb) => hooks.push(cb));
          } catch (err) {
            savepoint.rollback.run();
            savepoint.release.run();
            // Its savepoint rolled back: rows it made caches forget may have been reloaded with its writes.
            store.caches.rolledBack();
            outcomes.push({ ok: false, err });
            continue;
          }
          savepoint.release.run();
          hooks.forEach(afterCommit);
          outcomes.push({ ok: true, value });
        }
      });
    } catch (err) {
      // The commit itself failed (disk full, I/O error): nothing in the batch is durable.
      for (const p of batch) p.reject(err);
      store.durability.resume();
      settle();
      return;
    }
    const committedAt = performance.now();
    opts.onCommit?.(
      batch.length,
      batch.map((p) => ({ kind: p.kind, seconds: (committedAt - p.queuedAt) / 1000 })),
    );
    stats.batches++;
    stats.jobs += batch.length;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
    // Answered, and announced, only once the commit is on disk; meanwhile the next batch may run.
    syncing++;
    committed.durable
      .then(
        () => {
          for (const effect of committed.effects) {
            try {
              effect();
            } catch (err) {
              opts.onEffectError?.(err);
            }
          }
          batch.forEach((p, i) => {
            const o = outcomes[i]!;
            if (o.ok) p.resolve(o.value);
            else p.reject(o.err);
          });
        },
        // The sync failed: nothing of the batch may be answered as stored (the server stops: server.ts).
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        syncing--;
        if (pending.length > 0) schedule();
        settle();
      });
  }

  function settle() {
    if (pending.length > 0 || scheduled || syncing > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function run<T>(job: WriteJob<T>, kind = "other"): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    pending.push({ job, kind, queuedAt: performance.now(), resolve: resolve as (v: unknown) => void, reject });
    schedule();
    return promise;
  }
  // Every write of the server comes here, the chat domain's and everyone else's (store.write).
  store.useWriter(run);

  return {
    run,
    idle() {
      if (pending.length === 0 && !scheduled && syncing === 0) return Promise.resolve();
      return new Promise<void>((r) => idleWaiters.push(r));
    },
    stats: () => ({ ...stats }),
    depth: () => pending.length,
  };
}
