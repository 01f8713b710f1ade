// The key backup's key: a recovery key people write down (32 random bytes as 13 groups of 4 letters and
// digits), from which the browser derives the AES key that seals backup entries and a check value the
// server keeps to tell a mistyped key from the right one. The server never sees either key.
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
  return { key, check: btoa(String.fromCharCode(...check)) };
}

/** One message's content sealed for the backup; the message id is bound in. */
export async function sealEntry(k: BackupKey, messageId: string, content: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8.encode(messageId) },
      k.key,
      utf8.encode(content),
    ),
  );
  const all = new Uint8Array(12 + data.length);
  all.set(iv);
  all.set(data, 12);
  let s = "";
  for (let i = 0; i < all.length; i += 0x8000) s += String.fromCharCode(...all.subarray(i, i + 0x8000));
  return btoa(s);
}

/** An entry's content, or null if it is not this message's or not under this key. */
export async function openEntry(k: BackupKey, messageId: string, data: string): Promise<string | null> {
  try {
    const bin = atob(data);
    const all = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) all[i] = bin.charCodeAt(i);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: all.subarray(0, 12), additionalData: utf8.encode(messageId) },
      k.key,
      all.subarray(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
