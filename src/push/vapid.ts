// The server's VAPID key pair, made at first start and kept in the data folder for good: every browser
// subscription is bound to the public key, so a new key silently breaks them all. `parley push
// rotate-keys` is the deliberate way to change it (and forgets the subscriptions it breaks).
//
// Several nodes (PARLEY_DATABASE_URL) share one pair, kept in the database beside the instance settings:
// a subscription made through one node is pushed to by whichever node committed the message.
import { generateKeyPairSync } from "node:crypto";
import { eq } from "drizzle-orm";
import { instanceSettings } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
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

/** The instance_settings row that holds a cluster's pair (instance-settings.ts reads only its own keys). */
const SHARED_KEY = "vapidKeys";

const isKeys = (v: unknown): v is VapidKeys =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as VapidKeys).publicKey === "string" &&
  typeof (v as VapidKeys).privateKey === "string";

/**
 * The cluster's pair, from the database. The first node to start stores one — the pair of its data folder
 * when it has one (a single node moving to a cluster keeps its browsers' subscriptions), else a new one —
 * and nodes starting together all read back the one that was stored first.
 */
export function loadSharedVapidKeys(db: Db, dataDir: string): VapidKeys {
  const read = () => {
    const row = db.select().from(instanceSettings).where(eq(instanceSettings.key, SHARED_KEY)).get();
    if (!row) return null;
    const keys: unknown = JSON.parse(row.value);
    if (!isKeys(keys)) throw new Error(`the database's VAPID keys are damaged; run "parley push rotate-keys"`);
    return keys;
  };
  const stored = read();
  if (stored) return stored;
  const candidate = existsSync(fileOf(dataDir)) ? loadVapidKeys(dataDir) : newKeyPair();
  db.insert(instanceSettings)
    .values({ key: SHARED_KEY, value: JSON.stringify(candidate), updatedAt: Date.now() })
    .onConflictDoNothing()
    .run();
  return read()!;
}

/** A new pair for the whole cluster (`parley push rotate-keys` with PARLEY_DATABASE_URL). */
export function writeSharedKeys(db: Db): VapidKeys {
  const keys = newKeyPair();
  const value = JSON.stringify(keys);
  db.insert(instanceSettings)
    .values({ key: SHARED_KEY, value, updatedAt: Date.now() })
    .onConflictDoUpdate({ target: instanceSettings.key, set: { value, updatedAt: Date.now() } })
    .run();
  return keys;
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
