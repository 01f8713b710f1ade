// What the server and the web app must agree on for end-to-end encryption: plain data with no imports, read
// by the server's checks (e2ee/mls-wire.ts) and the app's MLS code (web/src/e2ee/mls.ts).

/**
 * The one cipher suite Parley's groups use (RFC 9420 §17.1, suite 1): X25519, AES-128-GCM, SHA-256, Ed25519,
 * all in the browser's Web Crypto, so the web app loads no extra primitives. Why not a post-quantum suite:
 * ML-KEM adds ~1 KB per KeyPackage and a second library; revisit when browsers ship it natively.
 */
export const CIPHER_SUITE = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";

/** The MLS credential identity of a device: who it belongs to, and which of theirs it is. */
export function deviceIdentity(userId: string, deviceId: string): string {
  return `${userId}/${deviceId}`;
}
