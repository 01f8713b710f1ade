// What people type into a search box, as words: runs of letters, digits and marks, so quotes, `*`, `NEAR(`,
// `AND`, `OR`, `NOT`, `:` and parentheses are never part of one (search/word-forms.ts quotes each word in the
// FTS5 query it makes: they can neither raise a syntax error nor change the query's meaning).

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
