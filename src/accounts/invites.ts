import { and, desc, eq, gt, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { randomToken } from "../lib/ids.ts";
import { DAY, toIso } from "../lib/time.ts";
import { invites, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";

import type { InvitedUser, InviteView } from "../protocol/views.ts";

export type InviteRow = typeof invites.$inferSelect;

export type { InviteView };

/** Invites are single-use and last a week unless the admin asks otherwise (null: no limit). */
export const DEFAULT_INVITE_USES = 1;
export const DEFAULT_INVITE_TTL = 7 * DAY;

export function toInviteView(
  row: InviteRow,
  publicUrl: string,
  usedBy: InvitedUser[] = [],
  now = Date.now(),
): InviteView {
  return {
    code: row.code,
    url: `${publicUrl}/register?invite=${encodeURIComponent(row.code)}`,
    note: row.note,
    maxUses: row.maxUses,
    uses: row.uses,
    usedBy,
    expiresAt: toIso(row.expiresAt),
    revoked: row.revokedAt !== null,
    usable: inviteRefusal(row, now) === null,
    createdBy: row.createdBy,
    createdAt: toIso(row.createdAt)!,
  };
}

/** What server and group invites have in common: enough to say whether one still works. */
interface Limits {
  revokedAt: number | null;
  expiresAt: number | null;
  maxUses: number | null;
  uses: number;
}

/** Why an invite no longer works, in the order a person would want to hear it; null while it works. */
export function inviteRefusal(row: Limits, now: number): AppError | null {
  if (row.revokedAt !== null) return new AppError("INVITE_REVOKED");
  if (row.expiresAt !== null && row.expiresAt <= now) return new AppError("INVITE_EXPIRED");
  if (row.maxUses !== null && row.uses >= row.maxUses) return new AppError("INVITE_EXHAUSTED");
  return null;
}

/**
 * Whether an invite link still works, asked by the registration screen as it opens, so nobody fills in the
 * form for a link that was used up. Says when it runs out and nothing else about it.
 */
export function checkInvite(db: Db, code: string, now = Date.now()): { expiresAt: string | null } {
  const row = findInvite(db, code);
  if (!row) throw new AppError("INVITE_NOT_FOUND");
  const refused = inviteRefusal(row, now);
  if (refused) throw refused;
  return { expiresAt: toIso(row.expiresAt) };
}

/** Who registered with each invite, oldest first (the admins' list of invites). */
export function inviteUses(db: Db): Map<string, InvitedUser[]> {
  const rows = db
    .select({ code: users.invitedWith, id: users.id, username: users.username, displayName: users.displayName })
    .from(users)
    .where(isNotNull(users.invitedWith))
    .orderBy(users.createdAt)
    .all();
  const byCode = new Map<string, InvitedUser[]>();
  for (const { code, ...person } of rows) {
    const list = byCode.get(code!) ?? [];
    list.push(person);
    byCode.set(code!, list);
  }
  return byCode;
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
  return row !== undefined && inviteRefusal(row, now) === null;
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
