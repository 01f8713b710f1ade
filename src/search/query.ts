// What people type into a search box, made into an FTS5 query that means exactly "these words": every word
// becomes a quoted string, so quotes, `*`, `NEAR(`, `AND`, `OR`, `NOT`, `:` and parentheses are plain text
// that can neither raise a syntax error nor change the query's meaning.

/** Words are runs of letters, digits and marks in any script; everything else separates them. */
export function words(text: string): string[] {
  return text.normalize("NFC").match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

/** The words of a query: at most `max`, each at most 64 characters. */
export function searchWords(input: string, max = 16): string[] {
  return words(input)
    .slice(0, max)
    .map((w) => w.slice(0, 64));
}

/** Lower case without accents, as the indexes compare (unicode61 and trigram with remove_diacritics). */
export const fold = (s: string): string => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

const quoted = (word: string) => `"${word.replaceAll('"', '""')}"`;

/**
 * All the words, in any order; with `prefix`, the last one also as the start of a longer word (people
 * search while typing). Null when the input has no words at all.
 */
export function ftsQuery(input: string, prefix = false): string | null {
  const words = searchWords(input);
  if (words.length === 0) return null;
  return words.map((w, i) => (prefix && i === words.length - 1 ? `${quoted(w)}*` : quoted(w))).join(" ");
}
