// The device's vault in IndexedDB: every value sealed with AES-GCM under a key the browser made
// non-extractable, so the keys and messages kept here cannot be read from the stored bytes alone, and the
// wrapping key itself can be used by this origin's code but never exported. (ts-mls needs the MLS private
// keys as bytes, so they cannot be non-extractable themselves: they are kept wrapped instead.)
import { idbGet, idbKeys, idbPut, idbPutAll, idbDelete } from "../app/idb.ts";
import type { Vault } from "./device.ts";

interface Sealed {
  iv: Uint8Array<ArrayBuffer>;
  data: ArrayBuffer;
}

const KEY_NAME = "wrapping-key";
let wrapping: Promise<CryptoKey> | undefined;

function wrappingKey(): Promise<CryptoKey> {
  wrapping ??= (async () => {
    const kept = await idbGet<CryptoKey>("e2ee", KEY_NAME);
    if (kept) return kept;
    const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
    await idbPut("e2ee", key, KEY_NAME);
    return key;
  })();
  return wrapping;
}

/** The store was cleared (signing out): the next use makes a new wrapping key. */
export function forgetWrappingKey(): void {
  wrapping = undefined;
}

const utf8 = new TextEncoder();

async function seal(key: CryptoKey, name: string, value: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  // The entry's name is bound in: a value moved under another name does not open.
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(name) },
    key,
    utf8.encode(value),
  );
  return { iv, data };
}

export const idbVault: Vault = {
  async get(name) {
    const sealed = await idbGet<Sealed>("e2ee", `v:${name}`);
    if (!sealed) return undefined;
    const key = await wrappingKey();
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.iv, additionalData: utf8.encode(name) },
      key,
      sealed.data,
    );
    return new TextDecoder().decode(plain);
  },
  async set(entries) {
    const key = await wrappingKey();
    const sealed = await Promise.all(
      Object.entries(entries).map(
        async ([name, value]) => [`v:${name}`, await seal(key, name, value)] as [string, Sealed],
      ),
    );
    await idbPutAll("e2ee", sealed);
  },
  async delete(name) {
    await idbDelete("e2ee", `v:${name}`);
  },
  async list(prefix) {
    const names = (await idbKeys("e2ee")).filter((k) => k.startsWith(`v:${prefix}`)).map((k) => k.slice(2));
    const out: [string, string][] = [];
    for (const name of names) {
      const value = await idbVault.get(name);
      if (value !== undefined) out.push([name, value]);
    }
    return out;
  },
};
