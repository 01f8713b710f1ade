// Free space on the disk that holds the data folder. A full disk must not look like a healthy server:
// below the floor (PARLEY_MIN_FREE_BYTES) readiness goes false and uploads are refused, which keeps the
// last space for messages; a warning comes first, at twice the floor. All of it follows the disk as it is
// now, so freeing space recovers without a restart.
import { statfsSync } from "node:fs";
import type { Logger } from "../lib/log.ts";

export type SpaceState = "ok" | "low" | "below-floor";

const CHECK_EVERY_MS = 5_000;

export class DiskSpace {
  private free = Number.POSITIVE_INFINITY;
  private state: SpaceState = "ok";
  private readonly timer: Timer;

  constructor(
    private readonly dir: string,
    readonly minFreeBytes: number,
    private readonly log: Logger,
  ) {
    this.check();
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  /** Reads the disk now; logs when the state changes. */
  check(): SpaceState {
    try {
      const s = statfsSync(this.dir);
      this.free = s.bavail * s.bsize;
    } catch (err) {
      this.log.warn("cannot read the free space of the data folder's disk", { err });
      return this.state;
    }
    const next: SpaceState =
      this.minFreeBytes === 0
        ? "ok"
        : this.free < this.minFreeBytes
          ? "below-floor"
          : this.free < 2 * this.minFreeBytes
            ? "low"
            : "ok";
    if (next !== this.state) {
      const fields = { freeBytes: this.free, minFreeBytes: this.minFreeBytes, dir: this.dir };
      if (next === "below-floor")
        this.log.error("disk almost full: not ready, uploads refused until space is freed", fields);
      else if (next === "low") this.log.warn("disk space low: below twice PARLEY_MIN_FREE_BYTES", fields);
      else this.log.info("disk space recovered", fields);
      this.state = next;
    }
    return next;
  }

  freeBytes(): number {
    return this.free;
  }

  /** 0 ok, 1 low, 2 below the floor: for the metric. */
  level(): number {
    return this.state === "ok" ? 0 : this.state === "low" ? 1 : 2;
  }

  isBelowFloor(): boolean {
    return this.check() === "below-floor";
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
