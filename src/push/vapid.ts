// The server's VAPID key pair, made at first start and kept in the data folder for good: every browser
// subscription is bound to the public key, so a new key silently breaks them all. `parley push
// rotate-keys` is the deliberate way to change it (and forgets the subscriptions it breaks).
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const fileOf = (dataDir: string) => join(dataDir, "vapid.json");

export function loadVapidKeys(dataDir: string): VapidKeys {
  const file = fileOf(dataDir);
  if (existsSync(file)) {
    const keys = JSON.parse(readFileSync(file, "utf8")) as VapidKeys;
    if (typeof keys.publicKey === "string" && typeof keys.privateKey === "string") return keys;
    throw new Error(`${file} is not a VAPID key file; restore it from a backup or run "parley push rotate-keys"`);
  }
  return writeKeys(dataDir);
}

/**
 * A P-256 key pair in the form web-push takes (and generateVAPIDKeys makes): the public key as the 65-byte
 * uncompressed point, the private key as the 32-byte scalar, both base64url. Made here with node:crypto so
 * that starting the server does not load the push library (it loads with the first push: push/sender.ts).
 */
function newKeyPair(): VapidKeys {
  const jwk = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ format: "jwk" });
  const coordinate = (c: string | undefined) => Buffer.from(c!, "base64url");
  const point = Buffer.concat([Buffer.from([4]), coordinate(jwk.x), coordinate(jwk.y)]);
  return { publicKey: point.toString("base64url"), privateKey: coordinate(jwk.d).toString("base64url") };
}

export function writeKeys(dataDir: string): VapidKeys {
  const keys = newKeyPair();
  const file = fileOf(dataDir);
  writeFileSync(file, JSON.stringify(keys, null, 2) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
  return keys;
}

/** Who push services may contact about our traffic: an https URL or a mailto: address. */
export function vapidSubject(contact: string, publicUrl: string): string {
  if (contact) return contact;
  const url = new URL(publicUrl);
  return url.protocol === "https:" ? url.origin : `mailto:parley@${url.hostname}`;
}
