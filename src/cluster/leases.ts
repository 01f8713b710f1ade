// One of each background job in the whole cluster (file sweeps, scheduled backups): the node holding the
// "jobs" lease runs them, the others skip them. The lease is a row on the primary (cluster-schema.ts) with
// a holder and an end time; its holder renews it every RENEW_MS, and any node takes it over once it has
// ended without renewal (its holder was killed or cut off), so jobs stop for at most LEASE_MS. A node that
// stops gives it up at once.
//
// Push needs no lease: each event's pushes are decided and sent by the node that committed it (the
// others only deliver it to sockets), so every device gets one push however many nodes there are.
import type { Logger } from "../lib/log.ts";
import type { RemoteStore } from "../store/remote/remote-store.ts";

export const JOBS_LEASE = "jobs";
/** How long a lease lasts without renewal. */
export const LEASE_MS = 6000;
export const RENEW_MS = 2000;

export class Lease {
  /** Until when this node holds it (as far as it knows: its clock, the primary's row). */
  private heldUntil = 0;
  private lastTry = -Infinity;
  readonly stats = { taken: 0, lost: 0 };

  constructor(
    private readonly store: RemoteStore,
    private readonly name: string,
    private readonly holder: string,
    private readonly log: Logger,
  ) {}

  /** True while this node holds the lease (renewed with a margin before it ends). */
  get held(): boolean {
    return Date.now() < this.heldUntil - RENEW_MS;
  }

  /** Takes or renews the lease when due (every RENEW_MS); called every second. */
  tick(now = Date.now()): void {
    if (now - this.lastTry < RENEW_MS) return;
    this.lastTry = now;
    const had = this.held;
    let got = false;
    try {
      got = takeLease(this.store, this.name, this.holder, now) === this.holder;
    } catch (err) {
      // The primary is unreachable: the lease runs out here as it does everywhere else.
      if (had) this.log.warn("cluster lease not renewed", { lease: this.name, err: String(err) });
    }
    if (got) this.heldUntil = now + LEASE_MS;
    if (got && !had) {
      this.stats.taken++;
      this.log.info("cluster lease taken: this node runs the cluster's background jobs", { lease: this.name });
    } else if (!got && had) {
      this.stats.lost++;
      this.heldUntil = 0;
      this.log.warn("cluster lease lost", { lease: this.name });
    }
  }

  /** Stopping: another node may take it now. */
  release(): void {
    if (this.heldUntil === 0) return;
    this.heldUntil = 0;
    releaseLease(this.store, this.name, this.holder);
  }
}

/**
 * Takes a lease, or renews one held, for LEASE_MS from now; answers who holds it afterwards. One statement
 * takes it when nobody has it, it is already ours, or its holder let it end.
 */
export function takeLease(store: RemoteStore, name: string, holder: string, now = Date.now()): string {
  const took = store.readPrimary(
    `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE leases.holder = excluded.holder OR leases.expires_at < ?
     RETURNING holder`,
    [name, holder, now + LEASE_MS, now],
  );
  if (took.length > 0) return holder;
  return (store.readPrimary("SELECT holder FROM leases WHERE name = ?", [name])[0]?.holder as string) ?? holder;
}

/** Gives a lease up, if still ours (another node may take it at once); an unreachable primary lets it end. */
export function releaseLease(store: RemoteStore, name: string, holder: string): void {
  try {
    store.readPrimary("DELETE FROM leases WHERE name = ? AND holder = ? RETURNING name", [name, holder]);
  } catch {
    // It ends by itself.
  }
}
