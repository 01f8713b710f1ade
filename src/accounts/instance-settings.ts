import { eq } from "drizzle-orm";
import { z } from "zod";
import { humanText } from "../lib/text-policy.ts";
import { isFileKey } from "../files/file-store.ts";
import { instanceSettings } from "../store/schema.ts";
import type { Db } from "../store/store.ts";

export const registrationModes = ["open", "invite", "closed"] as const;
export type RegistrationMode = (typeof registrationModes)[number];

/** What an admin may change; every field optional so a PATCH names only what changes. */
export const instanceSettingsPatch = z
  .object({
    registrationMode: z.enum(registrationModes),
    instanceName: humanText("The server name", { min: 1, max: 64 }),
  })
  .partial()
  .strict();
export type InstanceSettings = Required<z.infer<typeof instanceSettingsPatch>>;

// A new install is invite-only: nobody can walk in before the admin decides who may.
const defaults: InstanceSettings = { registrationMode: "invite", instanceName: "Parley" };

export function getInstanceSettings(db: Db): InstanceSettings {
  const rows = db.select().from(instanceSettings).all();
  const raw: Record<string, unknown> = {};
  for (const row of rows) raw[row.key] = JSON.parse(row.value);
  const out: InstanceSettings = { ...defaults };
  // A value another build wrote that this one cannot read falls back to its default.
  for (const key of Object.keys(defaults) as (keyof InstanceSettings)[]) {
    const parsed = instanceSettingsPatch.shape[key].safeParse(raw[key]);
    if (parsed.success && parsed.data !== undefined) (out as Record<string, unknown>)[key] = parsed.data;
  }
  return out;
}

function writeSetting(db: Db, key: string, value: unknown, now: number): void {
  const json = JSON.stringify(value);
  db.insert(instanceSettings)
    .values({ key, value: json, updatedAt: now })
    .onConflictDoUpdate({ target: instanceSettings.key, set: { value: json, updatedAt: now } })
    .run();
}

export function updateInstanceSettings(db: Db, patch: Partial<InstanceSettings>, now = Date.now()): InstanceSettings {
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) writeSetting(db, key, value, now);
  return getInstanceSettings(db);
}

// The instance's logo is set by upload only (PUT /api/v1/admin/logo), never by PATCH: a key a client could
// choose would let it publish any stored file through the public logo URL.
const LOGO = "logoKey";

export function getLogoKey(db: Db): string | null {
  const row = db.select().from(instanceSettings).where(eq(instanceSettings.key, LOGO)).get();
  const value = row ? JSON.parse(row.value) : null;
  return typeof value === "string" && isFileKey(value) ? value : null;
}

export function setLogoKey(db: Db, key: string | null, now = Date.now()): void {
  writeSetting(db, LOGO, key, now);
}

/** Public, and named by the picture's hash so it caches for good. */
export const logoUrl = (key: string | null): string | null => (key ? `/api/v1/instance/logo/${key}` : null);
