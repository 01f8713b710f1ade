import { Hono } from "hono";
import { z } from "zod";
import { humanText } from "../../lib/text-policy.ts";
import { parseWith } from "../../lib/parse.ts";
import {
  addKeyPackages,
  listDevicesOf,
  listMyDevices,
  MAX_KEY_PACKAGES,
  registerDevice,
  removeDevice,
} from "../../e2ee/devices.ts";
import { acceptCommit, claimForGroup, encryptConversation, groupView, listGroupLog } from "../../e2ee/groups.ts";
import {
  addBackupEntries,
  getKeyBackup,
  listBackupEntries,
  MAX_BACKUP_ENTRIES,
  setKeyBackup,
} from "../../e2ee/backup.ts";
import { MAX_HANDSHAKE_BYTES, MAX_KEY_PACKAGE_BYTES } from "../../e2ee/mls-wire.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/session.ts";
import { readJson } from "../validate.ts";

const id = z.string().min(1).max(100);
/** Base64 of at most `bytes` bytes (the MLS layer decodes and checks what it says). */
const base64 = (bytes: number) =>
  z
    .string()
    .min(4)
    .max(Math.ceil(bytes / 3) * 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");
const keyPackageList = z.array(base64(MAX_KEY_PACKAGE_BYTES)).min(1).max(MAX_KEY_PACKAGES);
/** An Ed25519 public key: 32 bytes. */
const signatureKey = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, "must be a 32-byte key in base64");
/** Opaque strings the browser encrypted (key backup): bounded, printable. */
const sealed = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII");

const newDevice = z
  .object({
    // Chosen by the device (its KeyPackages name it): 128 random bits in hex.
    id: z.string().regex(/^[0-9a-f]{32}$/, "must be 32 hexadecimal digits"),
    name: humanText("The device name", { min: 1, max: 100 }),
    signatureKey,
    keyPackages: keyPackageList,
  })
  .strict();
const commitInput = z
  .object({
    deviceId: id,
    epoch: z.number().int().min(0),
    commit: base64(MAX_HANDSHAKE_BYTES),
    welcome: base64(MAX_HANDSHAKE_BYTES).nullish(),
    added: z.array(id).max(1000).default([]),
    removed: z.array(id).max(1000).default([]),
  })
  .strict();
const logQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
const backupInput = z
  .object({ check: sealed(200), wrapped: z.record(sealed(200), sealed(1000)).default({}) })
  .strict()
  .refine((b) => Object.keys(b.wrapped).length <= 20, { message: "at most 20 wrapped keys", path: ["wrapped"] });
const backupEntries = z
  .object({
    entries: z
      .array(z.object({ messageId: id, data: sealed(64 * 1024) }).strict())
      .min(1)
      .max(MAX_BACKUP_ENTRIES),
  })
  .strict();
const backupQuery = z.object({
  conversationId: id,
  before: id.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

/** Mounted at /api/v1/e2ee: my devices, others' devices, my key backup. */
export const e2eeRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/devices", (c) => c.json({ devices: listMyDevices(c.get("deps").store.db, authOf(c).user) }))
  .post("/devices", async (c) => {
    const body = await readJson(c, newDevice);
    return c.json({ device: await registerDevice(c.get("deps").chat, authOf(c).user, body) }, 201);
  })
  .delete("/devices/:deviceId", async (c) => {
    await removeDevice(c.get("deps").chat, authOf(c).user, c.req.param("deviceId"));
    return c.body(null, 204);
  })
  .post("/devices/:deviceId/key-packages", async (c) => {
    const { keyPackages } = await readJson(c, z.object({ keyPackages: keyPackageList }).strict());
    const count = await addKeyPackages(c.get("deps").chat, authOf(c).user, c.req.param("deviceId"), keyPackages);
    return c.json({ keyPackages: count });
  })
  // Someone's devices (people I share a conversation with): ?userIds=a,b
  .get("/people-devices", (c) => {
    const { userIds } = parseWith(
      z.object({
        userIds: z
          .string()
          .max(2000)
          .transform((s) => s.split(",").filter(Boolean)),
      }),
      c.req.query(),
    );
    return c.json({ devices: listDevicesOf(c.get("deps").store.db, authOf(c).user, [...new Set(userIds)]) });
  })
  .get("/backup", (c) => c.json({ backup: getKeyBackup(c.get("deps").store.db, authOf(c).user) }))
  .put("/backup", async (c) => {
    const body = await readJson(c, backupInput);
    return c.json({ backup: await setKeyBackup(c.get("deps").chat, authOf(c).user, body) });
  })
  .post("/backup/entries", async (c) => {
    const { entries } = await readJson(c, backupEntries);
    return c.json(await addBackupEntries(c.get("deps").chat, authOf(c).user, entries));
  })
  .get("/backup/entries", (c) => {
    const q = parseWith(backupQuery, c.req.query());
    return c.json(listBackupEntries(c.get("deps").store.db, authOf(c).user, q.conversationId, q));
  });

/** Mounted at /api/v1/conversations/:id/mls: the conversation's encrypted group. */
export const groupRoutes = new Hono<AppEnv>()
  .use(requireAuth)
  .get("/", (c) => c.json({ group: groupView(c.get("deps").store.db, authOf(c).user, c.req.param("id")!) }))
  // Turns encryption on, for good.
  .post("/enable", async (c) => {
    await encryptConversation(c.get("deps").chat, authOf(c).user, c.req.param("id")!);
    return c.json({ group: groupView(c.get("deps").store.db, authOf(c).user, c.req.param("id")!) });
  })
  .post("/claim", async (c) => {
    const body = await readJson(c, z.object({ deviceId: id, deviceIds: z.array(id).min(1).max(1000) }).strict());
    return c.json(await claimForGroup(c.get("deps").chat, authOf(c).user, c.req.param("id")!, body));
  })
  .post("/commits", async (c) => {
    const body = await readJson(c, commitInput);
    return c.json(await acceptCommit(c.get("deps").chat, authOf(c).user, c.req.param("id")!, body), 201);
  })
  .get("/log", (c) => {
    const q = parseWith(logQuery, c.req.query());
    return c.json(listGroupLog(c.get("deps").store.db, authOf(c).user, c.req.param("id")!, q.after, q.limit));
  });
