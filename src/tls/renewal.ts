// Keeps a certificate Parley obtains itself (acme, local) renewed: looked at every PARLEY_TLS_CHECK_SECONDS,
// renewed once due, and on failure tried again after the check interval, then twice as long each time up
// to 6 hours, while the certificate in use keeps serving. Every failure is logged with when the next try is.
import type { Logger } from "../lib/log.ts";
import { renewalDue, type TlsPair } from "./pair.ts";

const MAX_BACKOFF_MS = 6 * 3600_000;

export interface Renewal {
  stop(): void;
  /** Settles once no renewal is running (tests). */
  idle(): Promise<void>;
}

export function keepRenewed(opts: {
  /** "ACME" or "local CA", for the log. */
  what: string;
  current: () => TlsPair;
  /** Due even if young (the acme start's stand-in certificate, names that changed). */
  dueAnyway?: () => boolean;
  renew: () => Promise<TlsPair>;
  onRenewed: (pair: TlsPair) => void;
  checkSeconds: number;
  log: Logger;
}): Renewal {
  const { log, what } = opts;
  let failures = 0;
  let retryAt = 0;
  let running: Promise<void> | null = null;
  const renewLater = async () => {
    try {
      log.info("TLS certificate: asking for a new one", { from: what });
      const pair = await opts.renew();
      failures = 0;
      opts.onRenewed(pair);
      log.info("TLS certificate renewed and served to new connections", {
        from: what,
        subject: pair.subject,
        notAfter: pair.notAfter.toISOString(),
      });
    } catch (err) {
      failures++;
      const waitMs = Math.min(opts.checkSeconds * 1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
      retryAt = Date.now() + waitMs;
      const inUse = opts.current();
      log.error("TLS certificate could not be renewed; the one in use keeps serving", {
        from: what,
        err: (err as Error).message,
        failures,
        nextAttemptSeconds: Math.round(waitMs / 1000),
        inUseUntil: inUse.notAfter.toISOString(),
      });
    }
  };
  const check = () => {
    if (running || Date.now() < retryAt) return;
    if (!(opts.dueAnyway?.() || renewalDue(opts.current()))) return;
    running = renewLater().finally(() => (running = null));
  };
  const timer = setInterval(check, opts.checkSeconds * 1000);
  timer.unref();
  // A stand-in certificate is replaced at once, not after the first interval.
  queueMicrotask(check);
  return {
    stop: () => clearInterval(timer),
    idle: async () => {
      while (running) await running;
    },
  };
}
