import { and, isNull, or, sql } from "drizzle-orm";
import { toPublicUser, type PublicUser } from "../accounts/users.ts";
import { users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";

export const MAX_PEOPLE = 20;

/** A LIKE pattern that matches `text` literally: `%`, `_` and `\` stand for themselves. */
const literal = (text: string) => text.replace(/[\\%_]/g, (ch) => "\\" + ch);

/**
 * People to start a chat with or add to a group: active accounts whose username or display name
 * contains the query, without regard to case. An exact username comes first, then names that start
 * with the query, then the rest alphabetically.
 */
export function searchPeople(db: Db, query: string, limit = MAX_PEOPLE): PublicUser[] {
  const q = query.trim().toLowerCase();
  const contains = `%${literal(q)}%`;
  const startsWith = `${literal(q)}%`;
  const username = sql`lower(${users.username})`;
  const name = sql`lower(${users.displayName})`;
  return db
    .select()
    .from(users)
    .where(
      and(
        isNull(users.deletedAt),
        isNull(users.deactivatedAt),
        or(sql`${username} LIKE ${contains} ESCAPE '\\'`, sql`${name} LIKE ${contains} ESCAPE '\\'`),
      ),
    )
    .orderBy(
      sql`CASE WHEN ${username} = ${q} THEN 0 WHEN ${username} LIKE ${startsWith} ESCAPE '\\' OR ${name} LIKE ${startsWith} ESCAPE '\\' THEN 1 ELSE 2 END`,
      name,
      username,
    )
    .limit(limit)
    .all()
    .map(toPublicUser);
}
