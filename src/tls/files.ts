// PARLEY_TLS=files: a certificate and key kept by something else (certbot, a company CA, a script), read from
// their files, checked before use, and looked at again every PARLEY_TLS_CHECK_SECONDS. A changed pair that is
// valid is handed over (server.ts serves it to new connections without a restart); one that is not — a key
// of another certificate, a half-written file, an expired certificate — is logged and the pair in use stays.
import { readFileSync, statSync } from "node:fs";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import type { CertificateSource } from "./source.ts";
import { checkPair, TlsFileError, type TlsPair } from "./pair.ts";

/** Reads and checks a pair: PEM, the key matches the first certificate, and it has not ended. */
export function readTlsPair(certPath: string, keyPath: string, now = new Date()): TlsPair {
  const cert = readTlsFile(certPath, "certificate");
  return checkPair(cert, readTlsFile(keyPath, "key"), certPath, keyPath, now);
}

/** A file a TLS setting names; one that cannot be read stops the start with a message naming it. */
export function readTlsFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new TlsFileError(`the ${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

/** Looks at the files every `everySeconds`; a valid changed pair goes to `onChange`. */
export function watchTlsPair(
  certPath: string,
  keyPath: string,
  everySeconds: number,
  log: Logger,
  onChange: (pair: TlsPair) => void,
): () => void {
  const stamp = () => {
    try {
      return [certPath, keyPath].map((p) => `${statSync(p).mtimeMs}:${statSync(p).size}`).join("|");
    } catch {
      return "missing";
    }
  };
  let seen = stamp();
  const timer = setInterval(() => {
    const now = stamp();
    if (now === seen) return;
    seen = now;
    try {
      const pair = readTlsPair(certPath, keyPath);
      onChange(pair);
      log.info("TLS certificate taken up", { subject: pair.subject, notAfter: pair.notAfter.toISOString() });
    } catch (err) {
      // A renewal half-written is seen again once it is whole (its stamp changes again).
      log.error("TLS certificate files changed but cannot be used; keeping the certificate in use", {
        err: (err as Error).message,
      });
    }
  }, everySeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}

export function openFiles(config: Config, log: Logger): CertificateSource {
  let stop = () => {};
  return {
    initial: readTlsPair(config.tlsCert, config.tlsKey),
    start(onChange) {
      stop = watchTlsPair(config.tlsCert, config.tlsKey, config.tlsCheckSeconds, log, onChange);
    },
    stop: () => stop(),
    idle: async () => {},
    answerPlain: () => null,
  };
}
