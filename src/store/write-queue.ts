import type { Store, TransactionFn } from "./store.ts";

export type WriteJob<T> = TransactionFn<T>;

/**
 * A write made by another thread's connection (chat/send-thread.ts), in two halves on the event loop: `plan`
 * at its batch's turn (checks, from caches that are exact then: nothing else writes meanwhile), returning
 * what the thread writes or throwing to refuse; and `finish` once the thread has committed, with what it
 * did, returning the answer (or throwing) and announcing through afterCommit.
 */
export interface OffThreadJob<P, O, T> {
  plan(): P;
  finish(outcome: O, afterCommit: (cb: () => void) => void): T;
}

/** The other thread: commits plans in one transaction and says what became of each. */
export interface OffThreadWriter<P = unknown, O = unknown> {
  /**
   * Resolves once committed, with an outcome per plan, the newest event id written, and `certified`,
   * which resolves once the moments around the commit are known to hold no other process's write (or the
   * caches have been cleared because they might); rejects if nothing was committed.
   */
  commit(plans: P[]): Promise<{ outcomes: O[]; eventHead: number; certified: Promise<void> }>;
}

export interface WriteQueueOptions {
  /** Most jobs in one transaction: bounds how long one commit holds the event loop. */
  maxBatch: number;
  /** How long the first job of a batch waits for company; 0 = only what arrived in the same turn. */
  waitMs: number;
  /** After each commit: the batch size, and each job's kind and time from arrival to commit (metrics). */
  onCommit?: (batchSize: number, jobs: { kind: string; seconds: number }[]) => void;
  /** Where runOffThread's jobs are written; without it they are refused. */
  offThread?: OffThreadWriter;
  /** An afterCommit callback threw: logged; it never undoes the commit or another job's answer. */
  onEffectError?: (err: unknown) => void;
}

export interface WriteQueueStats {
  batches: number;
  jobs: number;
  largestBatch: number;
  /** Of the batches, those another thread committed (runOffThread). */
  offThreadBatches: number;
}

export interface WriteQueue {
  /**
   * Runs job in the next group commit and resolves with its result once that transaction has committed
   * and is on disk (store/durability.ts), so a caller that acks on resolution acks only what is durable. A job that throws rolls back alone
   * (a savepoint) and rejects; its neighbours in the batch still commit.
   */
  run<T>(job: WriteJob<T>, kind?: string): Promise<T>;
  /**
   * The same promise for a job another thread writes (options.offThread): batched with the off-thread
   * jobs next to it in the queue, in order with every other write, answered once on disk.
   */
  runOffThread<P, O, T>(job: OffThreadJob<P, O, T>, kind?: string): Promise<T>;
  /** Jobs waiting for their transaction. */
  depth(): number;
  /** Resolves once everything queued so far has committed and synced, or failed. */
  idle(): Promise<void>;
  stats(): WriteQueueStats;
}

const isOffThread = (job: Pending["job"]): boolean => typeof job !== "function";

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

interface Pending {
  /** A function runs here, in the batch's transaction; an object is planned here and written by the other thread. */
  job: WriteJob<unknown> | OffThreadJob<unknown, unknown, unknown>;
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
  const stats: WriteQueueStats = { batches: 0, jobs: 0, largestBatch: 0, offThreadBatches: 0 };
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
    // A batch is a run of jobs of one kind: written here, or by the other thread.
    const offThread = pending.length > 0 && isOffThread(pending[0]!.job);
    let n = 0;
    while (n < pending.length && n < opts.maxBatch && isOffThread(pending[n]!.job) === offThread) n++;
    const batch = pending.splice(0, n);
    if (pending.length > 0) schedule();
    if (batch.length === 0) return store.durability.resume();
    if (offThread) return flushOffThread(batch);
    const outcomes: Outcome[] = [];
    let committed: ReturnType<Store["commitDeferred"]>;
    try {
      committed = store.commitDeferred((tx, afterCommit) => {
        for (const p of batch) {
          const job = p.job as WriteJob<unknown>;
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
    counted(batch);
    // Answered, and announced, only once the commit is on disk; meanwhile the next batch may run.
    syncing++;
    committed.durable
      .then(
        () => answer(batch, outcomes, committed.effects),
        // The sync failed: nothing of the batch may be answered as stored (the server stops: server.ts).
        (err) => batch.forEach((p) => p.reject(err)),
      )
      .finally(() => {
        syncing--;
        if (pending.length > 0) schedule();
        settle();
      });
  }

  /** Once a batch is on disk: what it causes, then each job's answer. */
  function answer(batch: Pending[], outcomes: Outcome[], effects: (() => void)[]): void {
    for (const effect of effects) {
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
  }

  function counted(batch: Pending[]): void {
    const committedAt = performance.now();
    opts.onCommit?.(
      batch.length,
      batch.map((p) => ({ kind: p.kind, seconds: (committedAt - p.queuedAt) / 1000 })),
    );
    stats.batches++;
    stats.jobs += batch.length;
    stats.largestBatch = Math.max(stats.largestBatch, batch.length);
  }

  /**
   * A batch the other thread writes. Its plans are made here first (a job that refuses rejects alone); the
   * queue holds its next batch until this one is on disk and certified, as it does for its own.
   */
  function flushOffThread(batch: Pending[]): void {
    const planned: Pending[] = [];
    const plans: unknown[] = [];
    for (const p of batch) {
      try {
        plans.push((p.job as OffThreadJob<unknown, unknown, unknown>).plan());
        planned.push(p);
      } catch (err) {
        p.reject(err);
      }
    }
    if (planned.length === 0) {
      store.durability.resume();
      return settle();
    }
    syncing++;
    store.durability.beginExternal();
    let begun = true;
    opts
      .offThread!.commit(plans)
      .then(({ outcomes, eventHead, certified }) => {
        counted(planned);
        stats.offThreadBatches++;
        const effects: (() => void)[] = [];
        const results = planned.map((p, i): Outcome => {
          try {
            const job = p.job as OffThreadJob<unknown, unknown, unknown>;
            return { ok: true, value: job.finish(outcomes[i], (cb) => effects.push(cb)) };
          } catch (err) {
            return { ok: false, err };
          }
        });
        begun = false;
        return Promise.all([store.durability.endExternal(eventHead), certified]).then(
          () => answer(planned, results, effects),
          (err) => planned.forEach((p) => p.reject(err)),
        );
      })
      .catch((err) => {
        // Nothing was committed (the thread's transaction failed or the thread is gone).
        if (begun) store.durability.abortExternal();
        for (const p of planned) p.reject(err);
      })
      .finally(() => {
        syncing--;
        if (pending.length > 0) schedule();
        else store.durability.resume();
        settle();
      });
  }

  function settle() {
    if (pending.length > 0 || scheduled || syncing > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function enqueue<T>(kind: string, job: Pending["job"]): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    pending.push({ job, kind, queuedAt: performance.now(), resolve: resolve as (v: unknown) => void, reject });
    schedule();
    return promise;
  }

  function run<T>(job: WriteJob<T>, kind = "other"): Promise<T> {
    return enqueue(kind, job as WriteJob<unknown>);
  }

  function runOffThread<P, O, T>(job: OffThreadJob<P, O, T>, kind = "other"): Promise<T> {
    if (!opts.offThread) return Promise.reject(new Error("this write queue has no other thread to write"));
    return enqueue(kind, job as OffThreadJob<unknown, unknown, unknown>);
  }
  // Every write of the server comes here, the chat domain's and everyone else's (store.write).
  store.useWriter(run);

  return {
    run,
    runOffThread,
    idle() {
      if (pending.length === 0 && !scheduled && syncing === 0) return Promise.resolve();
      return new Promise<void>((r) => idleWaiters.push(r));
    },
    stats: () => ({ ...stats }),
    depth: () => pending.length,
  };
}
