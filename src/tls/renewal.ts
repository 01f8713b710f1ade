// A certificate source for what Parley obtains itself (acme, local): the certificate is looked at every
// PARLEY_TLS_CHECK_SECONDS, renewed once due, and on failure tried again after the check interval, then twice
// as long each time up to 6 hours, while the certificate in use keeps serving. Every attempt is logged, and
// every failure with its cause and when the next try is.
import type { Logger } from "../lib/log.ts";
import { renewalDue, type TlsPair } from "./pair.ts";
import type { CertificateSource } from "./source.ts";

const MAX_BACKOFF_MS = 6 * 3600_000;

export function renewedSource(opts: {
  /** "ACME" or "local CA", for the log. */
  what: string;
  initial: TlsPair;
  /** Due even if young (the acme start's stand-in certificate, names that changed). */
  dueAnyway: (current: TlsPair) => boolean;
  renew: () => Promise<TlsPair>;
  checkSeconds: number;
  log: Logger;
  answerPlain: CertificateSource["answerPlain"];
}): CertificateSource {
  const { log, what } = opts;
  let current = opts.initial;
  let failures = 0;
  let retryAt = 0;
  let running: Promise<void> | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;

  const renewLater = async (onChange: (pair: TlsPair) => void) => {
    try {
      log.info("TLS certificate: asking for a new one", { from: what });
      current = await opts.renew();
      failures = 0;
      onChange(current);
      log.info("TLS certificate renewed and served to new connections", {
        from: what,
        subject: current.subject,
        notAfter: current.notAfter.toISOString(),
      });
    } catch (err) {
      failures++;
      const waitMs = Math.min(opts.checkSeconds * 1000 * 2 ** (failures - 1), MAX_BACKOFF_MS);
      retryAt = Date.now() + waitMs;
      log.error("TLS certificate could not be renewed; the one in use keeps serving", {
        from: what,
        err: (err as Error).message,
        failures,
        nextAttemptSeconds: Math.round(waitMs / 1000),
        inUseUntil: current.notAfter.toISOString(),
      });
    }
  };

  return {
    initial: opts.initial,
    start(onChange) {
      const check = () => {
        if (running || Date.now() < retryAt) return;
        if (!(opts.dueAnyway(current) || renewalDue(current))) return;
        running = renewLater(onChange).finally(() => (running = null));
      };
      timer = setInterval(check, opts.checkSeconds * 1000);
      timer.unref();
      // A stand-in certificate is replaced at once, not after the first interval.
      queueMicrotask(check);
    },
    stop: () => clearInterval(timer),
    idle: async () => {
      while (running) await running;
    },
    answerPlain: opts.answerPlain,
  };
}
