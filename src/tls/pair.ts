// A certificate chain and its key, checked before any listener is given them: whichever mode made them
// (files, acme, local), a pair that is not PEM, whose key is another certificate's, or that has ended is
// refused with a message naming where it came from, and the pair in use stays.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { ConfigError } from "../config/config.ts";

export interface TlsPair {
  cert: string;
  key: string;
  /** The server certificate's subject, for the log. */
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/** A pair that cannot be used: at start-up it stops Parley with this message, as a bad setting does. */
export class TlsFileError extends ConfigError {}

/** Checks a pair; `certFrom`/`keyFrom` name the sources in messages (a file's path, "the stored certificate"). */
export function checkPair(cert: string, key: string, certFrom: string, keyFrom: string, now = new Date()): TlsPair {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new TlsFileError(`${certFrom} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsFileError(`${keyFrom} is not a PEM private key (an encrypted key cannot be used)`);
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new TlsFileError(`${keyFrom} is not the key of the certificate in ${certFrom}`);
  const notAfter = new Date(x509.validTo);
  if (notAfter <= now) throw new TlsFileError(`the certificate in ${certFrom} ended on ${notAfter.toISOString()}`);
  return { cert, key, subject: x509.subject.replaceAll("\n", ", "), notBefore: new Date(x509.validFrom), notAfter };
}

/** The names (DNS and IP) a certificate is for, lower-case. */
export function namesOf(cert: string): string[] {
  const san = new X509Certificate(cert).subjectAltName ?? "";
  return san
    .split(", ")
    .map((entry) => entry.replace(/^(DNS|IP Address):/, "").toLowerCase())
    .filter(Boolean);
}

/**
 * Due for renewal once two thirds of its life are gone (Let's Encrypt's advice: 30 days before the end of a
 * 90-day certificate, 2 days before the end of a 6-day one).
 */
export function renewalDue(pair: TlsPair, now = new Date()): boolean {
  const life = pair.notAfter.getTime() - pair.notBefore.getTime();
  return now.getTime() >= pair.notBefore.getTime() + (life * 2) / 3;
}
