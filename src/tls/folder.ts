// The data folder's `tls/` holds what Parley makes itself: the ACME account key and certificates, the local
// certificate authority and its server certificate. Everything in it is private to Parley's user (0600 in a
// 0700 folder), written whole (a file beside, then renamed: a crash never leaves half a key), and goes into
// backups (ops/backup.ts).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkPair, type TlsPair } from "./pair.ts";

export function tlsFolder(dataDir: string): string {
  const dir = join(dataDir, "tls");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function writePrivate(path: string, text: string): void {
  const part = `${path}.part`;
  writeFileSync(part, text, { mode: 0o600 });
  chmodSync(part, 0o600);
  renameSync(part, path);
}

export function readIfThere(path: string): string | null {
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** A pair kept in the folder: null when either file is not there; a TlsFileError when they cannot be used. */
export function readStoredPair(certPath: string, keyPath: string): TlsPair | null {
  const cert = readIfThere(certPath);
  const key = readIfThere(keyPath);
  return cert && key ? checkPair(cert, key, certPath, keyPath) : null;
}

/** The names of the files a backup carries from the folder (and a restore accepts). */
export const TLS_BACKUP_NAME = /^tls\/[a-z0-9.-]+\.(pem|crt|key)$/;
