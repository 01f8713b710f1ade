// Text sealed with AES-GCM for keeping elsewhere (the key backup's entries, a wrapped recovery key): one
// format, base64 of a fresh IV and the ciphertext.
import { fromBase64, toBase64 } from "./base64.ts";

const utf8 = new TextEncoder();

/** Text sealed with AES-GCM under the key, as base64 of a fresh 12-byte IV and the ciphertext; `bound` (a
 * name, an id) is authenticated with it, so the sealed text does not open anywhere else. */
export async function sealText(key: CryptoKey, text: string, bound = ""): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(bound) }, key, utf8.encode(text)),
  );
  const all = new Uint8Array(12 + data.length);
  all.set(iv);
  all.set(data, 12);
  return toBase64(all);
}

/** The text sealText sealed, or null if it was altered, is bound to something else, or is under another key. */
export async function openText(key: CryptoKey, sealed: string, bound = ""): Promise<string | null> {
  try {
    const all = fromBase64(sealed);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: all.subarray(0, 12), additionalData: utf8.encode(bound) },
      key,
      all.subarray(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
