// Unlocking the key backup with a passkey, where the browser and the passkey support WebAuthn's PRF
// extension: the passkey derives a secret from a fixed salt that never leaves the authenticator otherwise,
// and that secret wraps the recovery key. The server keeps the wrapped key (opaque) under the passkey's id;
// only that passkey, asked on this site, can unwrap it. No server round trip proves anything here: the
// secret itself is the proof.
import { fromBase64url } from "./base64.ts";
import { openText, sealText } from "./sealed-text.ts";

const SALT = new TextEncoder().encode("parley key backup prf salt v1");
const PREFIX = "prf:";
const utf8 = new TextEncoder();

async function wrappingKey(prfOutput: ArrayBuffer): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", prfOutput, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: SALT, info: utf8.encode("wraps the recovery key") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

class NoPrfError extends Error {
  constructor() {
    super("This passkey or browser cannot unlock the backup (no PRF support). Use the recovery key.");
  }
}

/** Asks a passkey for its PRF output; which passkey answered, and the output. */
async function askPasskey(allow: string[]): Promise<{ id: string; output: ArrayBuffer }> {
  const credential = (await navigator.credentials.get({
    publicKey: {
      challenge: crypto.getRandomValues(new Uint8Array(32)),
      userVerification: "required",
      allowCredentials: allow.map((id) => ({ type: "public-key" as const, id: fromBase64url(id) })),
      extensions: { prf: { eval: { first: SALT } } } as AuthenticationExtensionsClientInputs,
    },
  })) as PublicKeyCredential | null;
  if (!credential) throw new Error("No passkey was chosen.");
  const results = credential.getClientExtensionResults() as { prf?: { results?: { first?: ArrayBuffer } } };
  const output = results.prf?.results?.first;
  if (!output) throw new NoPrfError();
  return { id: credential.id, output };
}

/** Wraps the recovery key with a passkey the person picks: the entry to keep in the backup's `wrapped`. */
export async function wrapWithPasskey(recovery: string): Promise<[string, string]> {
  const { id, output } = await askPasskey([]);
  return [PREFIX + id, await sealText(await wrappingKey(output), recovery, PREFIX + id)];
}

/** The passkeys that can unlock the backup (their ids), from its `wrapped` entries. */
export function passkeysOf(wrapped: Record<string, string>): string[] {
  return Object.keys(wrapped)
    .filter((k) => k.startsWith(PREFIX))
    .map((k) => k.slice(PREFIX.length));
}

/** The recovery key, unwrapped by one of the passkeys that wrapped it. */
export async function unwrapWithPasskey(wrapped: Record<string, string>): Promise<string> {
  const { id, output } = await askPasskey(passkeysOf(wrapped));
  const entry = wrapped[PREFIX + id];
  if (!entry) throw new Error("That passkey does not unlock your backup.");
  const recovery = await openText(await wrappingKey(output), entry, PREFIX + id);
  if (recovery === null) throw new Error("That passkey does not unlock your backup.");
  return recovery;
}
