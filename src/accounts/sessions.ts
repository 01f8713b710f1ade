import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import { hashSecret, randomToken } from "../lib/ids.ts";
import { DAY } from "../lib/time.ts";
import { prepared } from "../store/prepared.ts";
import { rowCache } from "../store/row-cache.ts";
import type { Db } from "../store/store.ts";
import type { WriteQueue } from "../store/write-queue.ts";
import type { Background } from "../lib/background.ts";
import { sessions, users } from "../store/schema.ts";
import { findUserById, type UserRow } from "./users.ts";

// The session pattern lucia taught (lucia itself is retired): a random token the client keeps, of which
// the server stores only a hash; expiry slides forward with use; revocation is deleting the row.

export type SessionRow = typeof sessions.$inferSelect;
export type { UserRow };

export interface SessionMeta {
  userAgent?: string;
  ip?: string;
}

export function createSession(
  db: Db,
  userId: string,
  ttlDays: number,
  meta: SessionMeta = {},
  now = Date.now(),
): { token: string; session: SessionRow } {
  const id = randomToken(10);
  const secret = randomToken(20); // 160 bits: cannot be guessed
  const session: SessionRow = {
    id,
    secretHash: hashSecret(secret),
    userId,
    userAgent: (meta.userAgent ?? "").slice(0, 300),
    ip: meta.ip ?? "",
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + ttlDays * DAY,
  };
  db.insert(sessions).values(session).run();
  return { token: `${id}.${secret}`, session };
}

const sessionById = prepared((db) =>
  db
    .select()
    .from(sessions)
    .where(eq(sessions.id, sql.placeholder("id")))
    .prepare(),
);

/**
 * Sessions by id, in memory (store/row-cache.ts): every request and every hello checks one. Every write
 * to a session row forgets it right after (all of them when a user's sessions go at once).
 */
const sessionsById = rowCache((db: Db, id: string) => sessionById(db).get({ id }), 50_000);

function forgetSession(db: Db, id: string): void {
  sessionsById.forget(db, id);
}

const sameBytes = (a: string, b: string) => {
  const [x, y] = [new TextEncoder().encode(a), new TextEncoder().encode(b)];
  return x.length === y.length && constantTimeEqual(x, y);
};

/**
 * Secrets already checked against their stored hash, by the cached session row they matched. Hashing a
 * secret (SHA-256 in JavaScript: lib/ids.ts says why not natively) was half the cost of an API request; a
 * secret seen before is compared as it is instead. It lives exactly as long as that row in the sessions
 * cache: a touch, a revocation or another process's write replaces or drops the row, and the next request
 * hashes again. Only ever consulted after the row was found, so a revoked or expired session is refused as
 * before.
 */
const checkedSecrets = new WeakMap<SessionRow, string>();

function secretMatches(row: SessionRow, secret: string): boolean {
  const checked = checkedSecrets.get(row);
  if (checked !== undefined) return sameBytes(secret, checked);
  if (!sameBytes(hashSecret(secret), row.secretHash)) return false;
  checkedSecrets.set(row, secret);
  return true;
}

/**
 * The user behind a token, or null when the token is malformed, unknown, expired, or its user may no
 * longer sign in. A session used in the second half of its life is extended (one write per half-life,
 * not per request); `renewed` tells the caller to refresh the cookie.
 */
/** How a session's new expiry and last use, or its end, reach the database (touchSessionLater: batched, after the request). */
export interface SessionTouch {
  touch(sessionId: string, set: { expiresAt: number; lastUsedAt: number }): void;
  /** An expired session, or one of an account gone or deactivated: its row is deleted. */
  drop(sessionId: string): void;
}

export function validateSessionToken(
  db: Db,
  token: string,
  ttlDays: number,
  touch: SessionTouch,
  now = Date.now(),
): { session: SessionRow; user: UserRow; renewed: boolean } | null {
  const dot = token.indexOf(".");
  if (dot <= 0 || token.length > 200) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  const cached = sessionsById.get(db, id);
  if (!cached || !secretMatches(cached, secret)) return null;
  const user = findUserById(db, cached.userId);
  if (!user) return null;
  // A copy: the renewal below is the caller's until it is written (touch), never the cache's.
  const session = { ...cached };
  if (now >= session.expiresAt || user.deactivatedAt !== null || user.deletedAt !== null) {
    // Refused from here on whether or not its row is gone yet; the delete is tidying, through the queue.
    touch.drop(id);
    return null;
  }
  const ttl = ttlDays * DAY;
  let renewed = false;
  if (session.expiresAt - now < ttl / 2) {
    session.expiresAt = now + ttl;
    renewed = true;
  }
  // last_used_at is for "my sessions"; minute precision is plenty and saves a write on every request.
  if (renewed || now - session.lastUsedAt > 60_000) {
    session.lastUsedAt = now;
    touch.touch(id, { expiresAt: session.expiresAt, lastUsedAt: now });
  }
  return { session, user, renewed };
}

export function deleteSession(db: Db, sessionId: string): void {
  db.delete(sessions).where(eq(sessions.id, sessionId)).run();
  forgetSession(db, sessionId);
}

/** Signs a user out everywhere, or everywhere but the session they are using. */
export function deleteUserSessions(db: Db, userId: string, exceptSessionId?: string): void {
  const where = exceptSessionId
    ? and(eq(sessions.userId, userId), ne(sessions.id, exceptSessionId))
    : eq(sessions.userId, userId);
  db.delete(sessions).where(where).run();
  // Not indexed by user in memory: signing someone out everywhere is rare, so all are forgotten.
  sessionsById.forgetAll(db);
}

export function listUserSessions(db: Db, userId: string, now = Date.now()): SessionRow[] {
  return db
    .select()
    .from(sessions)
    .where(eq(sessions.userId, userId))
    .orderBy(desc(sessions.lastUsedAt))
    .all()
    .filter((s) => s.expiresAt > now);
}

/** Revokes one of the user's own sessions; false when it is not theirs or does not exist. */
export function deleteOwnSession(db: Db, userId: string, sessionId: string): boolean {
  const gone = db
    .delete(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .returning({ id: sessions.id })
    .all();
  forgetSession(db, sessionId);
  return gone.length > 0;
}

/** Which of these sessions still work (not revoked, not expired, account active): open sockets recheck. */
export function listValidSessionIds(db: Db, ids: string[], now = Date.now()): Set<string> {
  if (ids.length === 0) return new Set();
  const rows = db
    .select({
      id: sessions.id,
      expiresAt: sessions.expiresAt,
      deactivatedAt: users.deactivatedAt,
      deletedAt: users.deletedAt,
    })
    .from(sessions)
    .innerJoin(users, eq(sessions.userId, users.id))
    .where(inArray(sessions.id, ids))
    .all();
  return new Set(
    rows.filter((r) => r.expiresAt > now && r.deactivatedAt === null && r.deletedAt === null).map((r) => r.id),
  );
}

/**
 * Session touches through the write queue, after the request or hello that caused them: many sockets that
 * connect at once (a server restart, a network coming back) share one transaction instead of one each.
 * Losing one in a crash costs a "last used" minute, or a renewal that the next request makes again.
 */
// A storm of reconnects writes one of these per socket: compiled once, not built per touch.
const touchQueries = prepared((db) => ({
  touch: db
    .update(sessions)
    .set({ expiresAt: sql`${sql.placeholder("expiresAt")}`, lastUsedAt: sql`${sql.placeholder("lastUsedAt")}` })
    .where(eq(sessions.id, sql.placeholder("id")))
    .prepare(),
}));

export function touchSessionLater(queue: WriteQueue, background: Background): SessionTouch {
  return {
    touch: (id, set) =>
      background.later("touchSessionLater", () =>
        queue.run((tx) => {
          touchQueries(tx).touch.run({ id, ...set });
          forgetSession(tx, id);
        }, "touch"),
      ),
    drop: (id) => background.later("dropSessionLater", () => queue.run((tx) => deleteSession(tx, id), "touch")),
  };
}
