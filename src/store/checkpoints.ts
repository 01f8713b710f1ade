// Checkpoints off the event loop. In WAL mode every commit appends pages to the log, and a checkpoint copies
// them back into the database file and syncs it. SQLite's default runs one inside whichever commit pushes
// the log past 1000 pages: on the event loop, with two fsyncs, so every socket, request and timer waits
// (about 40 ms on an SD card, each few thousand messages). Here the event loop's connection never
// checkpoints (`wal_autocheckpoint = 0`); a thread of its own (store/checkpoint-worker.ts), with its own
// connection, runs a PASSIVE checkpoint a moment after commits, which never blocks a writer or a reader.
//
// Nothing about durability changes: a commit is on disk once the log is synced (store/durability.ts), and
// a checkpoint only moves synced or newly synced pages into the file, crash-safe by SQLite's design. If the
// thread dies, checkpoints go back to the commits on the event loop (logged), as before this existed.
import type { Database } from "bun:sqlite";
import { checkpointWorkerPath } from "../lib/resources.ts";

/** What the event loop asks the checkpoint thread: one PASSIVE checkpoint of the file at path. */
export interface CheckpointRequest {
  id: number;
  path: string;
}

export type CheckpointReply =
  { id: number; ok: true; busy: boolean; log: number; checkpointed: number } | { id: number; ok: false; error: string };

export interface CheckpointStats {
  /** Checkpoints the thread ran. */
  runs: number;
  /** Pages it copied into the file, over all runs. */
  pagesCopied: number;
  /** Runs that failed (logged); the next commit asks again. */
  failures: number;
  /** True once the thread has died and commits checkpoint on the event loop again. */
  handedBack: boolean;
  /** Threads started: one with the first commit, and again after each went away for being idle. */
  threadsStarted: number;
}

/** SQLite's own threshold, used again when the thread is gone. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

export class Checkpoints {
  private worker: Worker | null = null;
  private timer: Timer | null = null;
  private idleTimer: Timer | null = null;
  private inFlight: Promise<void> | null = null;
  private nextId = 0;
  private pending = new Map<number, (reply: CheckpointReply) => void>();
  /** Commits since the last checkpoint began. */
  private wanted = false;
  private closed = false;
  readonly stats: CheckpointStats = { runs: 0, pagesCopied: 0, failures: 0, handedBack: false, threadsStarted: 0 };

  constructor(
    private readonly dbPath: string,
    private readonly sqlite: Database,
    private readonly onError: (msg: string, err: unknown) => void,
    /** How long after a commit the checkpoint runs: commits meanwhile share it. */
    private readonly delayMs = 1000,
    /**
     * A thread with nothing to do goes after this long, and the next commit starts another: an idle
     * server does not keep a second JavaScript VM (about 2 MB) for nothing.
     */
    private readonly idleThreadMs = 10_000,
  ) {
    // From here on the event loop's commits never checkpoint (made once the schema is migrated: openStore).
    this.sqlite.run("PRAGMA wal_autocheckpoint = 0");
  }

  /** The thread, started with the first commit that needs it. */
  private thread(): Worker | null {
    if (this.worker || this.closed || this.stats.handedBack) return this.worker;
    const worker = new Worker(checkpointWorkerPath);
    worker.addEventListener("message", (e: MessageEvent<CheckpointReply>) => {
      const settle = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      settle?.(e.data);
    });
    worker.addEventListener("error", (e) => {
      if (this.worker === worker) this.handBack(e.message || "the checkpoint thread failed");
    });
    worker.addEventListener("close", () => {
      // Stopped on purpose (idle, or the store closing) is not a death: this.worker no longer names it.
      if (this.worker === worker) this.handBack("the checkpoint thread stopped");
    });
    // The thread must not keep a stopping process alive.
    (worker as unknown as { unref(): void }).unref();
    this.stats.threadsStarted++;
    this.worker = worker;
    return worker;
  }

  /** After every commit: a checkpoint follows within delayMs (checkpointLater). */
  committed(): void {
    this.wanted = true;
    if (this.closed || this.stats.handedBack || this.timer || this.inFlight) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.timer = setTimeout(() => void this.checkpointLater(), this.delayMs);
    this.timer.unref();
  }

  /** Runs a checkpoint now (or joins the one running); resolves when it has ended, failed or not. */
  checkpointLater(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight) return this.inFlight;
    const worker = this.thread();
    if (!worker) return Promise.resolve();
    this.wanted = false;
    const id = ++this.nextId;
    const { promise, resolve } = Promise.withResolvers<CheckpointReply>();
    this.pending.set(id, resolve);
    worker.postMessage({ id, path: this.dbPath } satisfies CheckpointRequest);
    this.inFlight = promise.then((reply) => {
      this.inFlight = null;
      if (reply.ok) {
        this.stats.runs++;
        this.stats.pagesCopied += Math.max(0, reply.checkpointed);
      } else if (!this.closed) {
        this.stats.failures++;
        this.onError("checkpointLater failed", new Error(reply.error));
      }
      // Commits that came while it ran wait for the next one; with none, the thread goes after a while.
      if (this.wanted) this.committed();
      else this.stopWhenIdle();
    });
    return this.inFlight;
  }

  private stopWhenIdle(): void {
    if (this.idleTimer || !this.worker) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.timer || this.inFlight) return;
      const worker = this.worker;
      this.worker = null;
      worker?.terminate();
    }, this.idleThreadMs);
    this.idleTimer.unref();
  }

  /** Resolves once no checkpoint is waiting or running (tests; shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.inFlight) await this.checkpointLater();
  }

  /** The thread died: checkpoints go back to commits on the event loop, and anyone waiting is released. */
  private handBack(reason: string): void {
    this.worker = null;
    this.stats.handedBack = true;
    this.release(reason);
    try {
      this.sqlite.run(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    } catch {
      // The connection is closing: nothing left to checkpoint from here.
    }
    this.onError("the checkpoint thread is gone; commits checkpoint on the event loop again", new Error(reason));
  }

  /** When the store closes: the thread goes, without handing back (the connection closes next). */
  close(): void {
    const worker = this.worker;
    this.worker = null;
    this.closed = true;
    this.release("the store closed");
    worker?.terminate();
  }

  /** No thread to ask any more: nothing is scheduled, and whoever waits on a checkpoint is answered. */
  private release(reason: string): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.timer = this.idleTimer = null;
    for (const [id, settle] of this.pending) settle({ id, ok: false, error: reason });
    this.pending.clear();
  }

  /** For the tests: whether a thread is running now, and a way to kill it as a crash would. */
  hasThread(): boolean {
    return this.worker !== null;
  }

  killThreadForTest(): void {
    this.worker?.terminate();
  }
}
