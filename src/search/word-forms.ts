// Word forms for message search: "hiking" finds "hike", "hikes" and "hiked"; "lunch" finds "lunches". Each
// word of a query also matches as its stem followed by anything (an FTS5 prefix query), the stem being the
// word without a common English ending. Words in other scripts, and short ones, are matched as typed: a
// wrong stem in a language this does not know would find less, never more, than the word itself.

/** Endings taken off, longest first; `e` last, so "hike" and "hiking" meet at "hik". */
const ENDINGS = ["ingly", "edly", "ings", "ing", "ies", "ied", "ers", "est", "es", "ed", "er", "ly", "s", "e"];

/** The shortest stem used: shorter ones match too many words to help. */
const MIN_STEM = 3;

/** The stem a word's forms share (lower case), or the word itself when it has no ending to take off. */
export function stem(word: string): string {
  const w = word.toLowerCase();
  if (!/^[a-z]{4,}$/.test(w)) return w;
  for (const ending of ENDINGS) {
    if (!w.endsWith(ending) || w.length - ending.length < MIN_STEM) continue;
    let s = w.slice(0, -ending.length);
    // "running" → "runn" → "run"; "hoped" → "hop" (and "hope" → "hop" by its e).
    if (/([bdfglmnprt])\1$/.test(s)) s = s.slice(0, -1);
    if (s.endsWith("e") && s.length > MIN_STEM) s = s.slice(0, -1);
    return s;
  }
  return w;
}

const quoted = (word: string) => `"${word.replaceAll('"', '""')}"`;

/**
 * An FTS5 query for the words with their forms: each word as typed, or its stem followed by anything (stems
 * of Latin-letter words of four letters or more); with `prefix`, the last word also as the start of a
 * longer word. Every word must match (AND). Null when there are no words.
 */
export function formsQuery(words: string[], prefix = false): string | null {
  if (words.length === 0) return null;
  return (
    words
      .map((w, i) => {
        const options = new Set([quoted(w)]);
        const s = stem(w);
        if (s !== w.toLowerCase() || /^[a-z]{4,}$/i.test(w)) options.add(`${quoted(s)}*`);
        if (prefix && i === words.length - 1) options.add(`${quoted(w)}*`);
        return options.size === 1 ? [...options][0] : `(${[...options].join(" OR ")})`;
      })
      // Explicit: FTS5 does not join a parenthesised group to its neighbour by juxtaposition.
      .join(" AND ")
  );
}
