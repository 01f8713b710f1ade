// The send thread: sends of words alone are written by a connection of their own on a worker thread
// (chat/send-worker.ts), so that SQLite's share of a send (the message row, its event, the read marker, their
// indexes and the search index: most of its cost, docs/performance.md) runs beside what the event loop does
// meanwhile (parsing, checks, fan-out) on a machine with a core to spare. The event loop still decides
// everything: it checks and builds each send (`plan`, chat/messages.ts), the thread writes a batch of them in
// one transaction, and the event loop answers and announces once that commit is on disk
// (store/durability.ts), as for its own batches. The write queue keeps every write of the server in one
// order: a batch is the thread's or the event loop's, never both at once (store/write-queue.ts).
//
// The event loop's row caches stay exact (store/row-cache.ts):
// - the thread's writes reach them as forgets (the conversations whose newest event moved) and as the
//   search index's progress, in its answer;
// - another process's commit is noticed through data_version, which the thread's commits move too. So,
//   around each batch: the thread takes the write lock and says so; the event loop looks at data_version
//   then (only another process can have committed since its last look: nothing commits while the lock is
//   held, and the event loop itself does not write meanwhile) and lets the thread commit; after the commit
//   it takes what data_version reads as its new baseline and asks the thread to certify that nothing else
//   committed after the thread did (the thread's own data_version; the queue holds the event loop's next
//   write until the certificate is in). The per-turn check pauses from the batch's start to its certificate.
// - A thread that does not hear back in time (the event loop busy longer than handshakeMs) commits anyway
//   and says so: every cache is cleared then.
//
// If the thread dies, the batch it held is not acknowledged (it rejects; SQLite drops what was not
// committed) and the server stops through onFatal: a supervisor restarts it and clients resend, which
// their client ids make safe.
import type { Store } from "../store/store.ts";
import type { OffThreadWriter } from "../store/write-queue.ts";
import { sendWorkerPath } from "../lib/resources.ts";
import { forgetLatestEventIds } from "./events.ts";
import { threadError, type FromThread, type SendOutcome, type SendPlan, type ToThread } from "./send-protocol.ts";

export interface SendThreadOptions {
  busyTimeoutMs: number;
  /** The thread died or could not open the database: the server must stop (server.ts). */
  onFatal: (err: Error) => void;
  /** How long the thread, holding the write lock, waits for the event loop's look before it commits. */
  handshakeMs?: number;
}

export interface SendThreadStats {
  batches: number;
  sends: number;
  /** Batches committed without the event loop's look in time (every cache was cleared). */
  unverified: number;
  /** Certificates that found another process's commit (every cache was cleared). */
  foreign: number;
}

interface InFlight {
  id: number;
  resolve(v: { outcomes: SendOutcome[]; eventHead: number; certified: Promise<void> }): void;
  reject(err: unknown): void;
}

export class SendThread implements OffThreadWriter<SendPlan, SendOutcome> {
  private readonly worker: Worker;
  private readonly seen = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 0;
  private inFlight: InFlight | null = null;
  private certifying: { id: number; resolve(): void } | null = null;
  private closing = false;
  /** Answers close() once the thread has closed its connection. */
  private closed: (() => void) | null = null;
  readonly stats: SendThreadStats = { batches: 0, sends: 0, unverified: 0, foreign: 0 };

  constructor(
    private readonly store: Store,
    dbPath: string,
    private readonly opts: SendThreadOptions,
  ) {
    this.worker = new Worker(sendWorkerPath);
    this.worker.addEventListener("message", (e: MessageEvent<FromThread>) => this.onMessage(e.data));
    this.worker.addEventListener("error", (e) => this.died(new Error(e.message || "the send thread failed")));
    this.worker.addEventListener("close", () => this.died(new Error("the send thread stopped")));
    // The thread must not keep a stopping process alive.
    (this.worker as unknown as { unref(): void }).unref();
    this.post({
      type: "open",
      path: dbPath,
      busyTimeoutMs: opts.busyTimeoutMs,
      handshakeMs: opts.handshakeMs ?? 2000,
      seen: this.seen.buffer as SharedArrayBuffer,
    });
  }

  commit(plans: SendPlan[]): Promise<{ outcomes: SendOutcome[]; eventHead: number; certified: Promise<void> }> {
    if (this.closing) return Promise.reject(new Error("the send thread is closed"));
    if (this.inFlight) return Promise.reject(new Error("the send thread is already writing a batch"));
    const id = ++this.nextId;
    const { promise, resolve, reject } = Promise.withResolvers<{
      outcomes: SendOutcome[];
      eventHead: number;
      certified: Promise<void>;
    }>();
    this.inFlight = { id, resolve, reject };
    // From here until the certificate, the thread's commit moves data_version: the per-turn check waits.
    this.store.caches.pause();
    this.post({ type: "batch", id, plans, indexedSeq: this.store.searchIndex.indexedSeq() });
    return promise;
  }

  private onMessage(m: FromThread): void {
    const caches = this.store.caches;
    switch (m.type) {
      case "opened":
        return;
      case "closed":
        this.closed?.();
        return;
      case "open-failed":
        return this.died(threadError(m.error));
      case "locked":
        // The thread holds the write lock and has not committed: a move of data_version since the last look
        // is another process's. Then the thread may commit.
        caches.lookNow();
        Atomics.store(this.seen, 0, m.id);
        Atomics.notify(this.seen, 0);
        return;
      case "committed": {
        const batch = this.inFlight;
        if (!batch || batch.id !== m.id) return;
        this.inFlight = null;
        this.store.work.statements += m.work.statements;
        this.store.work.rowsRead += m.work.rowsRead;
        this.store.work.transactions++;
        forgetLatestEventIds(this.store.db, m.conversations);
        this.store.searchIndex.advancedElsewhere(m.indexedSeq);
        this.store.checkpoints?.committed();
        this.stats.batches++;
        this.stats.sends += m.outcomes.length;
        if (!m.verified) {
          this.stats.unverified++;
          caches.clearAll();
        }
        caches.adoptVersion();
        const { promise: certified, resolve } = Promise.withResolvers<void>();
        this.certifying = { id: m.id, resolve };
        this.post({ type: "certify", id: m.id });
        batch.resolve({ outcomes: m.outcomes, eventHead: m.eventHead, certified });
        return;
      }
      case "failed": {
        const batch = this.inFlight;
        if (!batch || batch.id !== m.id) return;
        this.inFlight = null;
        // Nothing of the thread's was committed: data_version moves only for others again.
        caches.resume();
        batch.reject(threadError(m.error));
        return;
      }
      case "certified": {
        const waiting = this.certifying;
        if (!waiting || waiting.id !== m.id) return;
        this.certifying = null;
        if (m.foreign) {
          this.stats.foreign++;
          caches.clearAll();
        }
        caches.resume();
        waiting.resolve();
        return;
      }
    }
  }

  private post(m: ToThread): void {
    this.worker.postMessage(m);
  }

  /** The thread is gone: what it held is not acknowledged, and the server stops. */
  private died(err: Error): void {
    if (this.closing) return;
    this.closing = true;
    this.store.caches.clearAll();
    this.store.caches.resume();
    this.inFlight?.reject(err);
    this.inFlight = null;
    this.certifying?.resolve();
    this.certifying = null;
    this.opts.onFatal(err);
  }

  /** When the server stops, after the write queue is idle: the thread closes its connection, then ends. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.closed = resolve;
    this.post({ type: "close" });
    await Promise.race([promise, new Promise((r) => setTimeout(r, 1000).unref())]);
    this.worker.terminate();
  }

  /** For the tests: the thread ends as a crash would end it. */
  killForTest(): void {
    this.worker.terminate();
  }
}
