// A person's devices for end-to-end encryption and the KeyPackages others add them with. Parley holds only
// public keys: a device's signature key and its KeyPackages' public parts (docs/e2ee.md).
import { and, count, eq, inArray, isNull, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { toPublicUser } from "../accounts/users.ts";
import { toIso } from "../lib/time.ts";
import type { DeviceView } from "../protocol/views.ts";
import { conversations, members } from "../store/schema.ts";
import { devices, keyPackages } from "../store/e2ee-schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "../chat/context.ts";
import { appendEvent, toEventView } from "../chat/events.ts";
import { listContactIds } from "../chat/conversations.ts";
import { readKeyPackage } from "./mls-wire.ts";

export type DeviceRow = typeof devices.$inferSelect;

/** KeyPackages a device may have waiting: enough for many groups to add it while it is away. */
export const MAX_KEY_PACKAGES = 100;
/** Devices one person may have at once (each browser, each phone). */
export const MAX_DEVICES = 20;

function toDeviceView(d: DeviceRow, keyPackageCount?: number): DeviceView {
  return {
    id: d.id,
    userId: d.userId,
    name: d.name,
    signatureKey: d.signatureKey,
    createdAt: toIso(d.createdAt)!,
    ...(keyPackageCount === undefined ? {} : { keyPackages: keyPackageCount }),
  };
}

/** A device of mine that is not removed, or DEVICE_NOT_FOUND (the same answer for anyone else's). */
export function requireMyDevice(db: Db, me: UserRow, deviceId: string): DeviceRow {
  const d = db.select().from(devices).where(eq(devices.id, deviceId)).get();
  if (!d || d.userId !== me.id || d.removedAt !== null) throw new AppError("DEVICE_NOT_FOUND");
  return d;
}

function keyPackageCount(db: Db, deviceId: string): number {
  return db.select({ n: count() }).from(keyPackages).where(eq(keyPackages.deviceId, deviceId)).get()!.n;
}

/** Checks each KeyPackage against the device before anything is written (signatures are verified off the queue). */
async function checkKeyPackages(device: Pick<DeviceRow, "id" | "userId" | "signatureKey">, packages: string[]) {
  for (const [i, p] of packages.entries()) await readKeyPackage(p, device, `keyPackages.${i}`);
}

/**
 * Tells everyone who shares an encrypted conversation with the person that their devices changed, so the
 * group's devices add or remove the device: `mls.devices` (shown as a warning, until people compare safety
 * numbers again) when a person who had devices adds or removes one, `mls.pending` (not shown) for a first.
 */
function announceDevices(
  tx: Db,
  afterCommit: (cb: () => void) => void,
  chat: Chat,
  user: UserRow,
  now: number,
  type: "mls.devices" | "mls.pending",
) {
  const userId = user.id;
  const encrypted = tx
    .select({ id: members.conversationId })
    .from(members)
    .innerJoin(conversations, eq(conversations.id, members.conversationId))
    .where(and(eq(members.userId, userId), sql`${conversations.encryptedAt} IS NOT NULL`))
    .all();
  for (const { id } of encrypted) {
    const event = appendEvent(tx, { type, conversationId: id, actorId: userId, subjectUserId: userId }, now);
    afterCommit(() => chat.publisher.publish(toEventView(event, { user: toPublicUser(user) })));
  }
}

/** Registers this browser as one of my devices, with its first KeyPackages. */
export async function registerDevice(
  chat: Chat,
  me: UserRow,
  input: { id: string; name: string; signatureKey: string; keyPackages: string[] },
): Promise<DeviceView> {
  const { id } = input;
  await checkKeyPackages({ id, userId: me.id, signatureKey: input.signatureKey }, input.keyPackages);
  return chat.queue.run((tx, afterCommit) => {
    const active = tx
      .select({ n: count() })
      .from(devices)
      .where(and(eq(devices.userId, me.id), isNull(devices.removedAt)))
      .get()!.n;
    if (active >= MAX_DEVICES)
      throw new AppError("TOO_MANY_DEVICES", `Remove one of your ${MAX_DEVICES} devices first.`);
    if (tx.select({ id: devices.id }).from(devices).where(eq(devices.id, id)).get())
      throw new AppError("VALIDATION_FAILED", "That device id is taken; make another.", "id");
    const now = Date.now();
    const row = tx
      .insert(devices)
      .values({ id, userId: me.id, name: input.name, signatureKey: input.signatureKey, createdAt: now })
      .returning()
      .get();
    tx.insert(keyPackages)
      .values(input.keyPackages.map((data) => ({ deviceId: id, data, createdAt: now })))
      .run();
    announceDevices(tx, afterCommit, chat, me, now, active === 0 ? "mls.pending" : "mls.devices");
    return toDeviceView(row, input.keyPackages.length);
  });
}

/** More KeyPackages for one of my devices (the web app keeps some waiting); answers how many there are now. */
export async function addKeyPackages(chat: Chat, me: UserRow, deviceId: string, packages: string[]): Promise<number> {
  const device = requireMyDevice(chat.store.db, me, deviceId);
  await checkKeyPackages(device, packages);
  return chat.queue.run((tx) => {
    requireMyDevice(tx, me, deviceId);
    const have = keyPackageCount(tx, deviceId);
    if (have + packages.length > MAX_KEY_PACKAGES)
      throw new AppError("VALIDATION_FAILED", `A device may have at most ${MAX_KEY_PACKAGES} KeyPackages waiting.`);
    const now = Date.now();
    tx.insert(keyPackages)
      .values(packages.map((data) => ({ deviceId, data, createdAt: now })))
      .run();
    return have + packages.length;
  });
}

/** My devices, with how many KeyPackages each has waiting. */
export function listMyDevices(db: Db, me: UserRow): DeviceView[] {
  return db
    .select()
    .from(devices)
    .where(and(eq(devices.userId, me.id), isNull(devices.removedAt)))
    .orderBy(devices.createdAt)
    .all()
    .map((d) => toDeviceView(d, keyPackageCount(db, d.id)));
}

/**
 * Someone's devices, for comparing safety numbers and checking MLS credentials: for people I share a
 * conversation with (and myself), the same USER_NOT_FOUND for anyone else.
 */
export function listDevicesOf(db: Db, me: UserRow, userIds: string[]): DeviceView[] {
  if (userIds.length === 0) return [];
  const reachable = new Set([me.id, ...listContactIds(db, me.id)]);
  if (userIds.some((id) => !reachable.has(id))) throw new AppError("USER_NOT_FOUND", undefined, "userIds");
  return db
    .select()
    .from(devices)
    .where(and(inArray(devices.userId, userIds), isNull(devices.removedAt)))
    .orderBy(devices.createdAt)
    .all()
    .map((d) => toDeviceView(d));
}

/**
 * Removes one of my devices: its KeyPackages go, and every encrypted group it is in is told (mls.devices), so
 * a remaining device commits its removal; until then nobody may send there (chat/e2ee sends refuse).
 */
export function removeDevice(chat: Chat, me: UserRow, deviceId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    requireMyDevice(tx, me, deviceId);
    const now = Date.now();
    tx.update(devices).set({ removedAt: now }).where(eq(devices.id, deviceId)).run();
    tx.delete(keyPackages).where(eq(keyPackages.deviceId, deviceId)).run();
    announceDevices(tx, afterCommit, chat, me, now, "mls.devices");
  });
}

/**
 * Hands out one KeyPackage per device asked for, each only once (deleted as it is handed out). For devices
 * waiting to join a group the caller's device is in; a device with none left is listed in `missing`.
 */
export function claimKeyPackages(
  tx: Db,
  deviceIds: string[],
): { keyPackages: { deviceId: string; keyPackage: string }[]; missing: string[] } {
  const out: { deviceId: string; keyPackage: string }[] = [];
  const missing: string[] = [];
  for (const deviceId of deviceIds) {
    const kp = tx
      .select()
      .from(keyPackages)
      .where(eq(keyPackages.deviceId, deviceId))
      .orderBy(keyPackages.id)
      .limit(1)
      .get();
    if (!kp) {
      missing.push(deviceId);
      continue;
    }
    tx.delete(keyPackages).where(eq(keyPackages.id, kp.id)).run();
    out.push({ deviceId, keyPackage: kp.data });
  }
  return { keyPackages: out, missing };
}
