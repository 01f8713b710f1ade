import { and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { randomToken } from "../lib/ids.ts";
import { DAY, toIso } from "../lib/time.ts";
import { invites } from "../store/schema.ts";
import type { Db } from "../store/store.ts";

import type { InviteView } from "../protocol/views.ts";

export type InviteRow = typeof invites.$inferSelect;

export type { InviteView };

/** Invites are single-use and last a week unless the admin asks otherwise (null: no limit). */
export const DEFAULT_INVITE_USES = 1;
export const DEFAULT_INVITE_TTL = 7 * DAY;

export function toInviteView(row: InviteRow, publicUrl: string, now = Date.now()): InviteView {
  return {
    code: row.code,
    url: `${publicUrl}/register?invite=${encodeURIComponent(row.code)}`,
    note: row.note,
    maxUses: row.maxUses,
    uses: row.uses,
    expiresAt: toIso(row.expiresAt),
    revoked: row.revokedAt !== null,
    usable: isUsable(row, now),
    createdBy: row.createdBy,
    createdAt: toIso(row.createdAt)!,
  };
}

function isUsable(row: InviteRow, now: number): boolean {
  return (
    row.revokedAt === null &&
    (row.expiresAt === null || row.expiresAt > now) &&
    (row.maxUses === null || row.uses < row.maxUses)
  );
}

export function createInvite(
  db: Db,
  createdBy: string,
  opts: { maxUses?: number | null; expiresAt?: number | null; note?: string },
  now = Date.now(),
): InviteRow {
  const expiresAt = opts.expiresAt === undefined ? now + DEFAULT_INVITE_TTL : opts.expiresAt;
  if (expiresAt !== null && expiresAt <= now)
    throw new AppError("VALIDATION_FAILED", "The expiry must be in the future.", "expiresAt");
  return db
    .insert(invites)
    .values({
      // 65 random bits, easy to read out loud or type from a phone.
      code: randomToken(8),
      createdBy,
      note: opts.note ?? "",
      maxUses: opts.maxUses === undefined ? DEFAULT_INVITE_USES : opts.maxUses,
      expiresAt,
      createdAt: now,
    })
    .returning()
    .get();
}

export function listInvites(db: Db): InviteRow[] {
  return db.select().from(invites).orderBy(desc(invites.createdAt)).all();
}

export function findInvite(db: Db, code: string): InviteRow | undefined {
  return db.select().from(invites).where(eq(invites.code, code)).get();
}

export function isInviteUsable(db: Db, code: string, now = Date.now()): boolean {
  const row = findInvite(db, code);
  return row !== undefined && isUsable(row, now);
}

/** Takes one use of an invite in a single statement, so two registrations cannot share the last use. */
export function consumeInvite(db: Db, code: string, now = Date.now()): void {
  const res = db
    .update(invites)
    .set({ uses: sql`${invites.uses} + 1` })
    .where(
      and(
        eq(invites.code, code),
        isNull(invites.revokedAt),
        or(isNull(invites.expiresAt), gt(invites.expiresAt, now)),
        or(isNull(invites.maxUses), lt(invites.uses, invites.maxUses)),
      ),
    )
    .returning({ code: invites.code })
    .all();
  if (res.length === 0) throw new AppError("INVALID_INVITE", undefined, "inviteCode");
}

export function revokeInvite(db: Db, code: string, now = Date.now()): InviteRow {
  const row = db
    .update(invites)
    .set({ revokedAt: sql`coalesce(${invites.revokedAt}, ${now})` })
    .where(eq(invites.code, code))
    .returning()
    .get();
  if (!row) throw new AppError("INVITE_NOT_FOUND");
  return row;
}
