// Group commits made durable off the event loop. The write queue commits with synchronous=NORMAL (in WAL
// mode: the commit writes the WAL but does not fsync it) and then syncs the WAL file on Bun's thread pool;
// its jobs are answered, and what they cause is published, only once a sync that began after their commit
// has finished. So an ack still means "on disk" (invariant 1), while a slow disk's fsync (5–20 ms on an SD
// card) no longer stalls every socket, request and timer of the server.
//
// What a commit not yet synced may not do is be seen: a power cut could take it back. Readers wait:
// - HTTP responses wait for `barrier()`: every commit made before the response was ready is synced;
// - a replay on /ws reads the stream only up to `durableHead`, the newest event known to be on disk; what
//   is newer is published to the socket live, after its sync, as it subscribes in the same turn.
// In the server every other commit is synced the same way (openStore's syncOffLoop): a transaction outside
// the queue runs what it causes after its sync, and a write outside any transaction (a session made at
// sign-in) is noticed by the connection and held behind the barrier like the others. Short-lived commands
// keep synchronous=FULL: their commit syncs the WAL, and with it everything before.
import { open, type FileHandle } from "node:fs/promises";

export class Durability {
  /** The newest event id whose commit is on disk. */
  private head: number;
  /** Deferred commits so far, and how many of them a finished sync covers. */
  private committed = 0;
  private synced = 0;
  /** The event head of each deferred commit not yet synced, by commit number. */
  private readonly heads = new Map<number, number>();
  private syncing = false;
  private waiters: { upTo: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private failed: unknown = null;
  private wal: FileHandle | null = null;
  private commitComing: () => boolean = () => false;
  /** Commits another thread is making (beginExternal), and readers waiting for them to be registered. */
  private external = 0;
  private externalWaiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private closed = false;
  /** The event head of the newest commit registered: an autocommit leaves it where it was. */
  private newestHead: number;

  constructor(
    /** The WAL to sync; null when a commit is durable once made (a libSQL server's: store/remote/). */
    private readonly walPath: string | null,
    initialHead: number,
    /** A sync that failed leaves the disk's state unknown: the server must stop (see app wiring). */
    private readonly onSyncFailed: (err: unknown) => void,
  ) {
    this.head = initialHead;
    this.newestHead = initialHead;
  }

  /**
   * The newest event a replay may send: the newest on disk while commits wait for their sync (their events
   * reach the socket live, after it), otherwise no bound.
   */
  replayBound(): number {
    return Math.min(this.pending() ? this.head : Number.MAX_SAFE_INTEGER, this.visible());
  }

  /**
   * What else bounds what may be shown: on a node of a cluster, the newest event it has handed to its
   * sockets (cluster/sequencer.ts), since what is newer reaches them live.
   */
  private visible: () => number = () => Number.MAX_SAFE_INTEGER;

  limitVisibleTo(bound: () => number): void {
    this.visible = bound;
  }

  /** True when the event is on disk (every event up to the newest synced one is). */
  isDurable(eventId: number): boolean {
    return !this.pending() || eventId <= this.head;
  }

  /** The stream's head as a client may be told it: the newest event on disk. */
  durableHead(latest: () => number): number {
    return Math.min(this.pending() ? this.head : latest(), this.visible());
  }

  /** True while some commit waits for its sync, or one is being made by another thread (beginExternal). */
  pending(): boolean {
    return this.committed > this.synced || this.external > 0;
  }

  /**
   * Another connection of this process (the send thread: chat/send-thread.ts) is about to commit: until
   * endExternal registers that commit, readers stop at what is on disk and the barrier waits for it, since
   * its rows may become visible to this connection before this side hears of them.
   */
  beginExternal(): void {
    this.external++;
  }

  /** That commit has happened, with this newest event: synced like the others; resolves once on disk. */
  endExternal(eventHead: number): Promise<void> {
    this.external--;
    const durable = this.deferredCommit(eventHead);
    this.releaseExternalWaiters();
    return durable;
  }

  /** It did not commit after all (it failed): nothing to sync. */
  abortExternal(): void {
    this.external--;
    this.releaseExternalWaiters();
  }

  private releaseExternalWaiters(): void {
    if (this.external > 0) return;
    const waiting = this.externalWaiters;
    this.externalWaiters = [];
    for (const w of waiting) this.barrier().then(w.resolve, w.reject);
  }

  /** After a commit made with synchronous=NORMAL: resolves once it is on disk. */
  deferredCommit(eventHead: number): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const n = ++this.committed;
    this.heads.set(n, eventHead);
    this.newestHead = Math.max(this.newestHead, eventHead);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.waiters.push({ upTo: n, resolve, reject });
    this.startSync();
    return promise;
  }

  /**
   * After a write that committed by itself (no transaction) with synchronous=NORMAL: the barrier, and so the
   * answers that may show it, wait for its sync. It appends no event (only transactions do).
   */
  autocommitted(): void {
    if (this.failed) return;
    this.heads.set(++this.committed, this.newestHead);
    this.startSyncUnlessCommitComing();
  }

  /**
   * The write queue says when it is about to commit (a batch scheduled, none waiting for its sync): a sync
   * for other commits then waits for that batch and covers it too, instead of going first and making the
   * batch wait for a second sync (on an SD card, 20 ms each: a third of the sends' rate with one person
   * saving their profile in a loop; docs/performance.md "A slow disk").
   */
  setCommitComing(commitComing: () => boolean): void {
    this.commitComing = commitComing;
  }

  /** The queue did not commit after all (nothing to do, or the commit failed): sync what waits. */
  resume(): void {
    if (this.pending()) this.startSync();
  }

  private startSyncUnlessCommitComing(): void {
    if (!this.commitComing()) this.startSync();
  }

  /** After a commit made with synchronous=FULL: it synced the WAL, and every commit before it with it. */
  fullCommit(eventHead: number): void {
    this.newestHead = Math.max(this.newestHead, eventHead);
    this.covered(this.committed, eventHead);
  }

  /** Resolves once every commit made so far is on disk. */
  barrier(): Promise<void> {
    if (!this.pending()) return Promise.resolve();
    if (this.failed) return Promise.reject(this.failed);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    if (this.external > 0) {
      // What that commit will be is not known yet: ask again once it is registered.
      this.externalWaiters.push({ resolve, reject });
      return promise;
    }
    this.waiters.push({ upTo: this.committed, resolve, reject });
    return promise;
  }

  private startSync(): void {
    if (this.closed || this.committed <= this.synced) return;
    if (this.syncing) return; // the sync in flight began before this commit: another follows it
    this.syncing = true;
    const upTo = this.committed;
    this.syncWal().then(
      () => {
        this.syncing = false;
        this.covered(upTo, this.heads.get(upTo) ?? this.head);
        // In a later turn: the write queue hears of this sync (its batch answered) and schedules its next
        // batch first, so the next sync covers that batch as well as what is waiting now.
        if (this.pending()) setImmediate(() => this.startSyncUnlessCommitComing());
      },
      (err) => {
        this.syncing = false;
        this.failed = err;
        for (const w of this.waiters.splice(0)) w.reject(err);
        this.onSyncFailed(err);
      },
    );
  }

  private covered(upTo: number, eventHead: number): void {
    if (upTo > this.synced) this.synced = upTo;
    if (eventHead > this.head) this.head = eventHead;
    for (const n of [...this.heads.keys()]) if (n <= upTo) this.heads.delete(n);
    // In commit order: a batch's effects never run before those of an earlier batch.
    const done = this.waiters.filter((w) => w.upTo <= this.synced);
    this.waiters = this.waiters.filter((w) => w.upTo > this.synced);
    for (const w of done) w.resolve();
  }

  /**
   * fdatasync of the WAL on Bun's thread pool: the event loop carries on meanwhile. The file is opened once
   * (after the first commit creates it) and kept: SQLite reuses the same file for as long as the database
   * is open, restarting it from the top after a checkpoint, never replacing it.
   */
  private async syncWal(): Promise<void> {
    if (this.walPath === null) return;
    this.wal ??= await open(this.walPath, "r");
    await this.wal.datasync();
  }

  /** When the store closes. */
  async close(): Promise<void> {
    this.closed = true;
    const wal = this.wal;
    this.wal = null;
    await wal?.close();
  }
}
