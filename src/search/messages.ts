// Message search: FTS5 (search/query.ts makes the words literal; search/word-forms.ts adds their forms), only
// in conversations I am a member of now, with filters, ranked by relevance and then recency, with a snippet
// and where its matches are; when nothing is found, a did-you-mean from the words of my conversations.
import { inArray } from "drizzle-orm";
import { toMessageViews } from "../chat/message-reads.ts";
import { type MessageView } from "../chat/views.ts";
import { conversations, messages } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { fold, searchWords, words } from "./query.ts";
import { formsQuery, stem } from "./word-forms.ts";
import { didYouMean } from "./did-you-mean.ts";

export const MAX_RESULTS = 50;

export interface MessageSearch {
  q: string;
  conversationId?: string;
  senderId?: string;
  /** Epoch ms, inclusive / exclusive. */
  from?: number;
  to?: number;
  hasFile?: boolean;
  limit: number;
  offset: number;
}

export interface SearchHit {
  message: MessageView;
  conversation: { id: string; type: "direct" | "group"; title: string | null };
  /** Plain text around the matches ("…" where cut); `highlights` are [start, end) offsets of matched words in it. */
  snippet: string;
  highlights: [number, number][];
}

// Marks around matches in FTS5's snippet: noncharacters, which message text has no reason to contain.
const OPEN = "\uFDD0";
const CLOSE = "\uFDD1";
/** One year of age weighs like one unit of BM25 relevance: among equally good matches, newer first. */
/** How many of the newest matches are ranked; pages reach into them (offset + limit stays below it). */
const WINDOW = 300;
const YEAR_MS = 365 * 24 * 3600_000;

/**
 * BM25's term-frequency part (k1 1.2, b 0.75, against a typical message of 12 words): more occurrences
 * count, with diminishing returns, and short messages beat long ones. Its IDF part is left out on purpose:
 * FTS5 computes it by counting every message that has the word, which for a word in half of a million
 * messages costs 25 ms (docs/performance.md), and every result has every word anyway.
 */
function relevance(text: string, terms: string[], lastIsPrefix: boolean): number {
  const folded = words(text).map(fold);
  const norm = 1.2 * (0.25 + (0.75 * folded.length) / 12);
  let score = 0;
  terms.forEach((t, i) => {
    const root = stem(t);
    const forms = root !== t || /^[a-z]{4,}$/.test(t);
    // The word as typed counts fully; another form of it ("hike" for "hiking") a little less.
    const tf = folded.reduce((n, w) => {
      if (w === t || (lastIsPrefix && i === terms.length - 1 && w.startsWith(t))) return n + 1;
      return forms && w.startsWith(root) ? n + 0.7 : n;
    }, 0);
    score += (tf * 2.2) / (tf + norm);
  });
  return score;
}

function splitSnippet(marked: string): { snippet: string; highlights: [number, number][] } {
  let snippet = "";
  const highlights: [number, number][] = [];
  let start = -1;
  for (const ch of marked) {
    if (ch === OPEN) start = snippet.length;
    else if (ch === CLOSE) {
      if (start >= 0 && snippet.length > start) highlights.push([start, snippet.length]);
      start = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
}

/**
 * Whole words first: that is cheap even for a word in half of all messages. Only when they find nothing is
 * the last word taken as a prefix (someone still typing it): prefixes of common words cost more, as FTS5
 * merges every word that starts with them (its prefix indexes cover 2 and 3 letters).
 */
export function searchMessages(
  db: Db,
  userId: string,
  s: MessageSearch,
): { results: SearchHit[]; more: boolean; encryptedLeftOut?: number; didYouMean?: string } {
  let found: { results: SearchHit[]; more: boolean; didYouMean?: string } = searchText(db, userId, s);
  if (found.results.length === 0 && s.offset === 0) {
    const finds = (q: string) => searchText(db, userId, { ...s, q, limit: 1 }).results.length > 0;
    const suggestion = didYouMean(db, searchWords(s.q), finds);
    if (suggestion) found = { ...found, didYouMean: suggestion };
  }
  // End-to-end encrypted conversations have no words here (their messages' text is empty): say how many
  // were left out, so a client knows to search them on the device.
  const leftOut = encryptedConversationCount(db, userId, s.conversationId);
  return leftOut > 0 ? { ...found, encryptedLeftOut: leftOut } : found;
}

function encryptedConversationCount(db: Db, userId: string, only: string | undefined): number {
  return db.$client
    .query<{ n: number }, [string, string | null]>(
      `SELECT count(*) AS n FROM members m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.user_id = ?1 AND c.encrypted_at IS NOT NULL AND (?2 IS NULL OR c.id = ?2)`,
    )
    .get(userId, only ?? null)!.n;
}

function searchText(db: Db, userId: string, s: MessageSearch): { results: SearchHit[]; more: boolean } {
  const typed = searchWords(s.q);
  const forms = formsQuery(typed);
  if (!forms) return { results: [], more: false };
  // My conversations, named inside the FTS query: the index intersects the words with them.
  const mine = s.conversationId
    ? [s.conversationId]
    : db.$client
        .query<{ id: string }, [string]>("SELECT conversation_id AS id FROM members WHERE user_id = ?")
        .all(userId)
        .map((r) => r.id);
  if (mine.length === 0) return { results: [], more: false };
  const scope = `conversation_id : (${mine.map((id) => `"${id.replaceAll('"', '""')}"`).join(" OR ")})`;
  const found = runSearch(db, userId, s, `text : (${forms}) AND ${scope}`, false);
  if (found.results.length > 0) return found;
  return runSearch(db, userId, s, `text : (${formsQuery(typed, true)}) AND ${scope}`, true);
}

function runSearch(
  db: Db,
  userId: string,
  s: MessageSearch,
  match: string,
  prefix: boolean,
): { results: SearchHit[]; more: boolean } {
  const where: string[] = [];
  const params: (string | number)[] = [match, userId];
  if (s.conversationId) (where.push("AND m.conversation_id = ?"), params.push(s.conversationId));
  if (s.senderId) (where.push("AND m.sender_id = ?"), params.push(s.senderId));
  if (s.from !== undefined) (where.push("AND m.created_at >= ?"), params.push(s.from));
  if (s.to !== undefined) (where.push("AND m.created_at < ?"), params.push(s.to));
  if (s.hasFile) where.push("AND EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)");
  // Membership now, not then: someone removed from a conversation finds nothing of it any more.
  // The newest WINDOW matches are found by walking the index newest first (cheap even for a word in half of
  // all messages), then ranked by relevance and age; snippets are made for the page shown only.
  const window = db.$client
    .query<{ seq: number; created: number; text: string }, (string | number)[]>(
      `SELECT m.seq AS seq, m.created_at AS created, m.text AS text
         FROM messages_fts
         JOIN messages m ON m.seq = messages_fts.rowid
         JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = ?2
        WHERE messages_fts MATCH ?1 AND m.deleted_at IS NULL ${where.join(" ")}
        ORDER BY messages_fts.rowid DESC
        LIMIT ${WINDOW}`,
    )
    .all(...params);
  const now = Date.now();
  const terms = searchWords(s.q).map(fold);
  const rows = window
    .map((r) => ({ seq: r.seq, rank: (now - r.created) / YEAR_MS - relevance(r.text, terms, prefix) }))
    .sort((a, b) => a.rank - b.rank || b.seq - a.seq)
    .slice(s.offset, s.offset + s.limit + 1);
  const more = rows.length > s.limit;
  const shown = rows.slice(0, s.limit);
  if (shown.length === 0) return { results: [], more: false };
  const snippets = new Map(
    db.$client
      .query<{ seq: number; marked: string }, (string | number)[]>(
        `SELECT rowid AS seq, snippet(messages_fts, 0, '${OPEN}', '${CLOSE}', '…', 16) AS marked FROM messages_fts WHERE messages_fts MATCH ? AND rowid IN (${shown.map(() => "?").join(",")})`,
      )
      .all(match, ...shown.map((r) => r.seq))
      .map((r) => [r.seq, r.marked]),
  );
  const loaded = db
    .select()
    .from(messages)
    .where(
      inArray(
        messages.seq,
        shown.map((r) => r.seq),
      ),
    )
    .all();
  const views = new Map(toMessageViews(db, loaded).map((v) => [v.id, v]));
  const seqToId = new Map(loaded.map((m) => [m.seq, m.id]));
  const convs = new Map(
    db
      .select({ id: conversations.id, type: conversations.type, title: conversations.title })
      .from(conversations)
      .where(inArray(conversations.id, [...new Set(loaded.map((m) => m.conversationId))]))
      .all()
      .map((c) => [c.id, c]),
  );
  const results = shown.map((r) => {
    const message = views.get(seqToId.get(r.seq)!)!;
    return {
      message,
      conversation: convs.get(message.conversationId)!,
      ...splitSnippet(snippets.get(r.seq) ?? message.text),
    };
  });
  return { results, more };
}
