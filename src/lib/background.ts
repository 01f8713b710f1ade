// Work that runs after a commit and that the caller does not wait for (removing files nothing refers to,
// recording last seen, sweeps). Each piece has a name, its failure is logged with that name instead of
// vanishing, and tests await `idle()` instead of sleeping and hoping it is done.
import type { Logger } from "./log.ts";

export class Background {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly log: Logger) {}

  /** Starts work now without waiting for it; `name` ends in "Later" at call sites and names it in the log. */
  later(name: string, work: () => Promise<unknown> | unknown): void {
    const run = Promise.resolve()
      .then(work)
      .catch((err) => this.log.error(`${name} failed`, { err }));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves once everything started so far, and anything it started in turn, has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
