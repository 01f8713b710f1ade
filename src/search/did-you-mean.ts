// "Did you mean lunch?": when a message search finds nothing, each word that is not in the index is
// replaced by the closest word that is (a typo or two away, the commonest first), and the corrected search
// is offered only if it finds something in the asker's own conversations. The index holds every
// conversation's words: a suggestion checked that way never tells anyone a word of a conversation they are
// not in.
import type { Db } from "../store/store.ts";
import { distance } from "./distance.ts";
import { fold } from "./query.ts";

/** How many of the index's words starting with the same letter are weighed for one typed word. */
const MAX_CANDIDATES = 20_000;

/** Typos allowed: one in a short word, two from eight letters on. */
const allowed = (word: string) => (word.length >= 8 ? 2 : 1);

/** The closest word of the index to one typed word, or null when it is there already or nothing is close. */
function closestWord(db: Db, typed: string): string | null {
  const word = fold(typed);
  if (word.length < 3) return null;
  const vocab = db.$client;
  if (vocab.query("SELECT 1 FROM messages_fts_vocab WHERE term = ?").get(word)) return null;
  const first = String.fromCodePoint(word.codePointAt(0)!);
  const next = String.fromCodePoint(word.codePointAt(0)! + 1);
  const max = allowed(word);
  let best: { term: string; d: number; docs: number } | null = null;
  const candidates = vocab
    .query<{ term: string; doc: number }, [string, string, number, number, number]>(
      `SELECT term, doc FROM messages_fts_vocab
        WHERE term >= ?1 AND term < ?2 AND length(term) BETWEEN ?3 AND ?4 LIMIT ?5`,
    )
    .all(first, next, word.length - max, word.length + max, MAX_CANDIDATES);
  for (const { term, doc } of candidates) {
    const d = distance(word, term, max);
    if (d > max) continue;
    if (!best || d < best.d || (d === best.d && doc > best.docs)) best = { term, d, docs: doc };
  }
  return best?.term ?? null;
}

/**
 * The query with its unknown words corrected, if that finds something for the asker (`finds`), else null.
 */
export function didYouMean(db: Db, words: string[], finds: (query: string) => boolean): string | null {
  let changed = false;
  const corrected = words.map((w) => {
    const better = closestWord(db, w);
    if (!better) return w;
    changed = true;
    return better;
  });
  if (!changed) return null;
  const query = corrected.join(" ");
  return finds(query) ? query : null;
}
