// The server's VAPID key pair, made at first start and kept in the data folder for good: every browser
// subscription is bound to the public key, so a new key silently breaks them all. `parley push
// rotate-keys` is the deliberate way to change it (and forgets the subscriptions it breaks).
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import webpush from "web-push";

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

export function writeKeys(dataDir: string): VapidKeys {
  const keys = webpush.generateVAPIDKeys();
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
