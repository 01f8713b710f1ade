// Bytes as base64 and back, the one way every encryption module writes them (keys, ciphertexts, wrapped keys).
// No imports: the small modules loaded with the app (files.ts) use it as well as the MLS chunk.

export function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** base64url without padding (WebAuthn's credential ids), as bytes. */
export function fromBase64url(s: string): Uint8Array<ArrayBuffer> {
  return fromBase64(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
}
