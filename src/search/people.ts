// People search (starting a chat, adding members) and contact matching. Substrings and typos are found
// through the trigram FTS5 index on usernames and display names (migration 0008): candidates share a
// trigram with the query (or, for queries under three characters, start with it), then an edit distance
// ranks them: the exact username first, then names starting with the query, then short names that sound the
// same ("anna" for "Ana"), then the closest.
// Someone who is not discoverable is found only by their exact username.
import { inArray } from "drizzle-orm";
import { toPublicUser, type PublicUser } from "../accounts/users.ts";
import { users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { fold } from "./query.ts";
import { distance } from "./distance.ts";

export const MAX_PEOPLE = 20;
const CANDIDATES = 300;

/** A LIKE pattern that matches `text` literally: `%`, `_` and `\` stand for themselves. */
const literal = (text: string) => text.replace(/[\\%_]/g, (ch) => "\\" + ch);

/** How far the query is from the nearest part of a name: a whole word, or the start of one. */
function closeness(q: string, name: string): number {
  const parts = [name, ...name.split(/[\s._-]+/)].filter(Boolean);
  const max = Math.max(1, Math.floor(q.length / 3));
  let best = max + 1;
  for (const p of parts) {
    best = Math.min(best, distance(q, p, max), p.length > q.length ? distance(q, p.slice(0, q.length), max) : max + 1);
  }
  return best;
}

type Row = typeof users.$inferSelect;

/**
 * How a short name sounds, roughly: doubled letters once, "ph" as "f", an "h" after a consonant gone. "Anna"
 * and "Ana", "Jon" and "John", "Stefan" and "Stephan" are each one name; spelling differences in names this
 * short are too few letters for the edit distance to forgive.
 */
export function nameSkeleton(word: string): string {
  return word
    .replace(/ph/g, "f")
    .replace(/([^aeiouh\s])h/g, "$1")
    .replace(/(.)\1+/g, "$1");
}

/** Queries up to this long are short names: candidates also come by their first letter. */
const SHORT_NAME = 7;

function rank(q: string, typed: string, u: Row): number | null {
  const name = fold(u.displayName);
  const username = u.username.toLowerCase();
  // Exact means exactly what was typed: "zoë" does not name the non-discoverable "zoe".
  if (username === typed) return 0;
  if (!u.discoverable) return null;
  if (username.startsWith(q) || name.startsWith(q) || name.split(/\s+/).some((w) => w.startsWith(q))) return 1;
  if (q.length <= SHORT_NAME && !q.includes(" ")) {
    const sound = nameSkeleton(q);
    if ([username, ...name.split(/\s+/)].some((w) => nameSkeleton(w) === sound)) return 1.5;
  }
  if (username.includes(q) || name.includes(q)) return 2;
  const d = Math.min(closeness(q, username), closeness(q, name));
  return d <= Math.max(1, Math.floor(q.length / 3)) ? 3 + d : null;
}

export function searchPeople(db: Db, query: string, limit = MAX_PEOPLE): PublicUser[] {
  // Usernames have '.', '_' and '-' in them: the query is taken as it is, literally (LIKE escapes, quoted trigrams).
  const q = fold(query).replace(/\s+/g, " ").trim().slice(0, 100);
  const typed = query.trim().toLowerCase();
  if (!q) return [];
  const ids = new Set<string>();
  const chars = [...q];
  const grams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) {
    const g = chars.slice(i, i + 3).join("");
    if (!g.includes(" ")) grams.add(g);
  }
  if (grams.size > 0) {
    // Any shared trigram makes a candidate; the ranking below decides.
    const match = [...grams].map((g) => `"${g.replaceAll('"', '""')}"`).join(" OR ");
    for (const r of db.$client
      .query<{ id: string }, [string, number]>(
        "SELECT user_id AS id FROM users_fts WHERE users_fts MATCH ? ORDER BY rank LIMIT ?",
      )
      .all(match, CANDIDATES))
      ids.add(r.id);
  }
  // Short names (rank's nameSkeleton): everyone with a name or username starting with the same letter.
  if (chars.length <= SHORT_NAME && !q.includes(" ")) {
    const first = `${literal(chars[0]!)}%`;
    for (const r of db.$client
      .query<{ id: string }, [string, string]>(
        `SELECT id FROM users WHERE lower(username) LIKE ?1 ESCAPE '\\' OR lower(display_name) LIKE ?1 ESCAPE '\\'
            OR lower(display_name) LIKE ?2 ESCAPE '\\' LIMIT ${CANDIDATES}`,
      )
      .all(first, `% ${first}`))
      ids.add(r.id);
  }
  // Short queries, and the exact username, by prefix.
  const prefix = `${literal(q)}%`;
  for (const r of db.$client
    .query<{ id: string }, [string, string, string]>(
      "SELECT id FROM users WHERE lower(username) LIKE ?1 ESCAPE '\\' OR lower(display_name) LIKE ?2 ESCAPE '\\' OR lower(username) = ?3 LIMIT 100",
    )
    .all(prefix, prefix, typed))
    ids.add(r.id);
  if (ids.size === 0) return [];
  const rows = db
    .select()
    .from(users)
    .where(inArray(users.id, [...ids]))
    .all();
  return rows
    .filter((u) => u.deletedAt === null && u.deactivatedAt === null)
    .map((u) => ({ u, r: rank(q, typed, u) }))
    .filter((x): x is { u: Row; r: number } => x.r !== null)
    .sort(
      (a, b) => a.r - b.r || a.u.displayName.localeCompare(b.u.displayName) || a.u.username.localeCompare(b.u.username),
    )
    .slice(0, limit)
    .map((x) => toPublicUser(x.u));
}

/**
 * Contact matching: which of these identifiers (usernames, or SHA-256 hex of lower-cased emails, hashed
 * on the client) are people here. Only discoverable, active accounts answer; the others look like strangers.
 */
export function matchContacts(
  db: Db,
  input: { usernames: string[]; emailHashes: string[] },
): { identifier: string; user: PublicUser }[] {
  const out: { identifier: string; user: PublicUser }[] = [];
  const usable = (u: Row) => u.discoverable && u.deletedAt === null && u.deactivatedAt === null;
  if (input.usernames.length > 0) {
    const wanted = new Map(input.usernames.map((n) => [n.toLowerCase(), n]));
    const rows = db.$client
      .query<{ id: string }, string[]>(
        `SELECT id FROM users WHERE lower(username) IN (${[...wanted.keys()].map(() => "?").join(",")})`,
      )
      .all(...wanted.keys());
    for (const u of db
      .select()
      .from(users)
      .where(
        inArray(
          users.id,
          rows.map((r) => r.id),
        ),
      )
      .all()) {
      if (usable(u)) out.push({ identifier: wanted.get(u.username.toLowerCase())!, user: toPublicUser(u) });
    }
  }
  if (input.emailHashes.length > 0) {
    const wanted = new Set(input.emailHashes.map((h) => h.toLowerCase()));
    // Hashed here rather than stored: an instance has hundreds of people, not millions.
    for (const u of db.select().from(users).all()) {
      if (!u.email || !usable(u)) continue;
      const hash = new Bun.CryptoHasher("sha256").update(u.email.trim().toLowerCase()).digest("hex");
      if (wanted.has(hash)) out.push({ identifier: hash, user: toPublicUser(u) });
    }
  }
  return out;
}
