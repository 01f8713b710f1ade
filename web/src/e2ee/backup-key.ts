// The key backup's key: a recovery key people write down (32 random bytes as 13 groups of 4 letters and
// digits), from which the browser derives the AES key that seals backup entries and a check value the
// server keeps to tell a mistyped key from the right one. The server never sees either key.
import { toBase64 } from "./base64.ts";
import { openText, sealText } from "./sealed-text.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const utf8 = new TextEncoder();

/** A new recovery key, as people see it ("ABCD EFGH …"). */
export function newRecoveryKey(): string {
  return formatRecoveryKey(crypto.getRandomValues(new Uint8Array(32)));
}

function formatRecoveryKey(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join(" ");
}

/** The bytes of a recovery key as typed (any case, spaces or dashes), or null if it cannot be one. */
export function parseRecoveryKey(typed: string): Uint8Array<ArrayBuffer> | null {
  const s = typed.toUpperCase().replace(/[\s-]/g, "");
  if (s.length !== 52 || /[^A-Z2-7]/.test(s)) return null;
  const out = new Uint8Array(32);
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of s) {
    value = (value << 5) | ALPHABET.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      if (i < 32) out[i++] = (value >>> (bits - 8)) & 255;
      bits -= 8;
    }
  }
  return out;
}

export interface BackupKey {
  key: CryptoKey;
  /** What the server keeps to tell the right key (base64). */
  check: string;
}

/** The backup's AES key (non-extractable) and its check value, derived from the recovery key's bytes. */
export async function deriveBackupKey(recovery: Uint8Array<ArrayBuffer>): Promise<BackupKey> {
  const base = await crypto.subtle.importKey("raw", recovery, "HKDF", false, ["deriveKey", "deriveBits"]);
  const params = (info: string) => ({
    name: "HKDF",
    hash: "SHA-256",
    salt: utf8.encode("parley key backup"),
    info: utf8.encode(info),
  });
  const key = await crypto.subtle.deriveKey(params("backup key"), base, { name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  const check = new Uint8Array(await crypto.subtle.deriveBits(params("backup check"), base, 256));
  return { key, check: toBase64(check) };
}

/** One message's content sealed for the backup; the message id is bound in. */
export function sealEntry(k: BackupKey, messageId: string, content: string): Promise<string> {
  return sealText(k.key, content, messageId);
}

/** An entry's content, or null if it is not this message's or not under this key. */
export function openEntry(k: BackupKey, messageId: string, data: string): Promise<string | null> {
  return openText(k.key, data, messageId);
}
