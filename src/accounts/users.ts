import { and, asc, count, eq, isNull, ne, sql } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import { users } from "../store/schema.ts";
import { prepared } from "../store/prepared.ts";
import { rowCache } from "../store/row-cache.ts";
import type { Db } from "../store/store.ts";
import type { WriteQueue } from "../store/write-queue.ts";
import type { AccountView, AdminAccountView, PublicUser } from "../protocol/views.ts";

export type UserRow = typeof users.$inferSelect;

// What people look like on the wire is the contract's (src/protocol/views.ts).
export type { AccountView, PublicUser };

/** Pictures are stored under their hash, so the URL changes with the picture and caches for good. */
export const avatarUrl = (key: string | null): string | null => (key ? `/api/v1/avatars/${key}` : null);

export function toPublicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    avatarUrl: avatarUrl(u.avatarKey),
    bio: u.bio,
    deleted: u.deletedAt !== null,
    timeZone: u.shareLocalTime ? u.timeZone : null,
  };
}

export function toAccountView(u: UserRow): AccountView {
  return {
    ...toPublicUser(u),
    email: u.email,
    emailVerified: u.email !== null && u.emailVerifiedAt !== null,
    role: u.role,
    hasPassword: u.passwordHash !== null,
    deactivated: u.deactivatedAt !== null,
    hideLastSeen: u.hideLastSeen,
    sendReadReceipts: u.sendReadReceipts,
    discoverable: u.discoverable,
    // My own zone, shared or not.
    timeZone: u.timeZone,
    shareLocalTime: u.shareLocalTime,
    createdAt: toIso(u.createdAt)!,
  };
}

/** An account in the admins' list: with when it was last active (admins see it even when hidden from others). */
export function toAdminAccountView(u: UserRow): AdminAccountView {
  return { ...toAccountView(u), lastSeenAt: toIso(u.lastSeenAt) };
}

const userById = prepared((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .prepare(),
);

/**
 * Users by id, in memory (store/row-cache.ts): every send reads its sender. Every write to a user's row
 * goes through forgetUser right after it; a user created later is found because misses are not kept.
 */
const usersById = rowCache((db: Db, id: string) => userById(db).get({ id }), 50_000);

export function findUserById(db: Db, id: string): UserRow | undefined {
  return usersById.get(db, id);
}

let profiles = 0;

/**
 * Right after any write to a user's row. `private` when nothing others see changed (last seen, password):
 * otherwise what others see of people (name, picture, bio) may have changed, and views built from them
 * (history pages: chat/history-pages.ts) are stale.
 */
export function forgetUser(db: Db, id: string, what: "profile" | "private" = "profile"): void {
  usersById.forget(db, id);
  if (what === "profile") profiles++;
}

/** Changes whenever what others see of anyone may have changed (forgetUser with "profile"). */
export function profilesVersion(): number {
  return profiles;
}

/** What is held now, without loading: for the test that compares the cache with the database. */
export function peekUser(db: Db, id: string): UserRow | undefined {
  return usersById.peek(db, id);
}

export function requireUser(db: Db, id: string): UserRow {
  const user = findUserById(db, id);
  if (!user || user.deletedAt !== null) throw new AppError("USER_NOT_FOUND");
  return user;
}

export function findUserByUsername(db: Db, username: string): UserRow | undefined {
  return db
    .select()
    .from(users)
    .where(sql`lower(${users.username}) = lower(${username})`)
    .get();
}

export function findUserByEmail(db: Db, email: string): UserRow | undefined {
  return db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = lower(${email})`)
    .get();
}

export function countUsers(db: Db): number {
  return db.select({ n: count() }).from(users).get()?.n ?? 0;
}

export function listUsers(db: Db): UserRow[] {
  return db.select().from(users).where(isNull(users.deletedAt)).orderBy(asc(users.createdAt)).all();
}

export interface NewUser {
  id: string;
  username: string;
  displayName: string;
  /** Null: no password yet (an account made from the command line sets one through a reset link). */
  passwordHash: string | null;
  role: "admin" | "member";
  invitedWith?: string | null;
}

/** Inserts a user; usernames are unique without regard to case. Call inside a transaction. */
export function insertUser(db: Db, input: NewUser, now = Date.now()): UserRow {
  if (findUserByUsername(db, input.username)) throw new AppError("USERNAME_TAKEN", undefined, "username");
  try {
    return db
      .insert(users)
      .values({ ...input, invitedWith: input.invitedWith ?? null, createdAt: now, updatedAt: now })
      .returning()
      .get();
  } catch (err) {
    // Another node may have taken the name between the check and the insert.
    if (isUniqueViolation(err, "users_username_lower_unique"))
      throw new AppError("USERNAME_TAKEN", undefined, "username");
    throw err;
  }
}

export function updateProfile(
  db: Db,
  userId: string,
  patch: {
    displayName?: string;
    bio?: string;
    email?: string | null;
    hideLastSeen?: boolean;
    sendReadReceipts?: boolean;
    discoverable?: boolean;
    timeZone?: string | null;
    shareLocalTime?: boolean;
  },
  now = Date.now(),
): UserRow {
  if (patch.email) {
    const other = findUserByEmail(db, patch.email);
    if (other && other.id !== userId) throw new AppError("EMAIL_TAKEN", undefined, "email");
  }
  // Another address (or none) is unconfirmed until its own link is opened (accounts/email-verification.ts).
  const current = patch.email !== undefined ? findUserById(db, userId)?.email : undefined;
  const changed = patch.email !== undefined && (patch.email ?? "").toLowerCase() !== (current ?? "").toLowerCase();
  try {
    const row = db
      .update(users)
      .set({ ...patch, ...(changed ? { emailVerifiedAt: null } : {}), updatedAt: now })
      .where(eq(users.id, userId))
      .returning()
      .get();
    forgetUser(db, userId);
    if (!row) throw new AppError("USER_NOT_FOUND");
    return row;
  } catch (err) {
    if (isUniqueViolation(err, "users_email_lower_unique")) throw new AppError("EMAIL_TAKEN", undefined, "email");
    throw err;
  }
}

export function setPasswordHash(db: Db, userId: string, passwordHash: string | null, now = Date.now()): void {
  db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)).run();
  forgetUser(db, userId, "private");
}

/** Active admins other than this user: the server must always keep one. */
export function countOtherActiveAdmins(db: Db, userId: string): number {
  return (
    db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, "admin"), ne(users.id, userId), isNull(users.deactivatedAt), isNull(users.deletedAt)))
      .get()?.n ?? 0
  );
}

export function isUniqueViolation(err: unknown, index: string): boolean {
  // drizzle may wrap the driver's error: look down the cause chain.
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes("UNIQUE constraint failed") && e.message.includes(index)) return true;
  }
  return false;
}

/** Records when someone was last seen; presence calls it when they leave, and now and then while they stay. */
// Written as each person comes online (at most once a minute) and goes offline: compiled once.
const lastSeenQueries = prepared((db) => ({
  record: db
    .update(users)
    .set({ lastSeenAt: sql`${sql.placeholder("at")}` })
    .where(eq(users.id, sql.placeholder("userId")))
    .prepare(),
}));

export function recordLastSeen(queue: WriteQueue, userId: string, at: number): Promise<void> {
  return queue.run((tx) => {
    lastSeenQueries(tx).record.run({ userId, at });
    forgetUser(tx, userId, "private");
  });
}
