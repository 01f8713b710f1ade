// PARLEY_TLS=files: a certificate and key kept by something else (certbot, a company CA, a script), read from
// their files, checked before use, and looked at again every PARLEY_TLS_CHECK_SECONDS. A changed pair that is
// valid is handed over (server.ts serves it to new connections without a restart); one that is not — a key
// of another certificate, a half-written file, an expired certificate — is logged and the pair in use stays.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";

export interface TlsPair {
  cert: string;
  key: string;
  /** The server certificate's subject and end, for the log. */
  subject: string;
  notAfter: Date;
}

/** A pair that cannot be used: at start-up it stops Parley with this message, as a bad setting does. */
export class TlsFileError extends ConfigError {}

/** Reads and checks a pair: PEM, the key matches the first certificate, and it has not ended. */
export function readTlsPair(certPath: string, keyPath: string, now = new Date()): TlsPair {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (err) {
      throw new TlsFileError(`the ${what} ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
    }
  };
  const cert = read(certPath, "certificate");
  const key = read(keyPath, "key");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new TlsFileError(`${certPath} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsFileError(`${keyPath} is not a PEM private key (an encrypted key cannot be used)`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new TlsFileError(`${keyPath} is not the key of the certificate in ${certPath}`);
  const notAfter = new Date(x509.validTo);
  if (notAfter <= now) throw new TlsFileError(`the certificate in ${certPath} ended on ${notAfter.toISOString()}`);
  return { cert, key, subject: x509.subject.replaceAll("\n", ", "), notAfter };
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
