// One ordered stream on every node. Event ids are given inside the primary's write transactions, which it
// runs one at a time, so ids are in commit order cluster-wide and an id seen committed means every smaller
// one is committed too. Each node hands events to its sockets strictly in id order, each once: its own
// commits and those the bus brings go through here; an id that goes missing (the bus dropped it, or Redis
// was down) is read from the store after a short grace, and the head of the stream is checked every second
// and after the bus comes back. Replays and the head a fresh client is told stop at what this node has
// handed out (`delivered`), so a client never gets an event both from a replay and live.
import type { EventView } from "../chat/events.ts";
import type { Logger } from "../lib/log.ts";

export type Change = { join?: string[]; leave?: string[]; only?: string[] };

export interface StoredEvents {
  /** The newest event id in the store (read from the primary). */
  head(): number;
  /** Events after `since` up to `until`, in id order, as clients see them, with what they change. */
  after(since: number, until: number, limit: number): { event: EventView; change: Change }[];
}

/** How long a missing id may be on its way over the bus before it is read from the store. */
const GRACE_MS = 100;
const FILL_PAGE = 500;

export class Sequencer {
  /** The newest id handed to this node's sockets: everything up to it has been, once. */
  private delivered: number;
  private readonly waiting = new Map<number, { event: EventView; change: Change }>();
  private fillTimer: Timer | null = null;
  readonly stats = { filled: 0, duplicates: 0, fills: 0, fillFailures: 0 };

  constructor(
    private readonly stored: StoredEvents,
    private readonly deliver: (event: EventView, change: Change) => void,
    private readonly log: Logger,
    start: number,
  ) {
    this.delivered = start;
  }

  /** The newest id handed out: replays and a fresh client's head stop here. */
  get head(): number {
    return this.delivered;
  }

  /** An event committed (here or on another node): handed out now if it is next, else once its turn comes. */
  offer(event: EventView, change: Change): void {
    const id = Number(event.id);
    if (id <= this.delivered || this.waiting.has(id)) {
      this.stats.duplicates++;
      return;
    }
    this.waiting.set(id, { event, change });
    this.drain();
    if (this.waiting.size > 0) this.fillLater();
  }

  private drain(): void {
    for (let next = this.waiting.get(this.delivered + 1); next; next = this.waiting.get(this.delivered + 1)) {
      this.waiting.delete(this.delivered + 1);
      this.delivered++;
      this.hand(next.event, next.change);
    }
  }

  private hand(event: EventView, change: Change): void {
    try {
      this.deliver(event, change);
    } catch (err) {
      this.log.error("delivering an event to this node's sockets failed", { eventId: event.id, err });
    }
  }

  private fillLater(): void {
    if (this.fillTimer) return;
    this.fillTimer = setTimeout(() => {
      this.fillTimer = null;
      this.fillLater_();
    }, GRACE_MS);
    this.fillTimer.unref();
  }

  /**
   * Named for the log: reads from the store everything after what was handed out, up to the newest waiting
   * id (or `upTo`), in one go. Not only up to the first waiting id: when two nodes' events alternate and the
   * bus lost a stretch, every other id is missing, and filling one gap per grace would fall behind for good.
   */
  private fillLater_(upTo?: number): void {
    const lastWaiting = this.waiting.size > 0 ? Math.max(...this.waiting.keys()) : this.delivered;
    const until = Math.max(lastWaiting, upTo ?? this.delivered);
    if (until <= this.delivered) return this.drain();
    this.stats.fills++;
    try {
      while (this.delivered < until) {
        const page = this.stored.after(this.delivered, until, FILL_PAGE);
        for (const { event, change } of page) {
          const id = Number(event.id);
          if (id <= this.delivered) continue;
          this.waiting.delete(id);
          this.delivered = id;
          this.stats.filled++;
          this.hand(event, change);
        }
        // Ids the store does not have up to `until` (a page short of the limit) were never committed or are gone.
        if (page.length < FILL_PAGE) this.delivered = until;
      }
      // What waited up to here came from the store instead.
      for (const id of this.waiting.keys()) if (id <= this.delivered) this.waiting.delete(id);
    } catch (err) {
      this.stats.fillFailures++;
      this.log.warn("filling a gap in the event stream failed; trying again", { from: this.delivered, until, err });
      this.fillLater();
      return;
    }
    this.drain();
    if (this.waiting.size > 0) this.fillLater();
  }

  /** Every second, and after the bus came back: anything committed and not yet here is read from the store. */
  checkHead(): void {
    let head: number;
    try {
      head = this.stored.head();
    } catch {
      return; // the store is unreachable: the next check tries again
    }
    if (head > this.delivered) this.fillLater_(head);
  }

  stop(): void {
    if (this.fillTimer) clearTimeout(this.fillTimer);
  }
}
