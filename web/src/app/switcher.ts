// The quick switcher's matching (Ctrl/Cmd+K): which conversations a few typed letters mean, best first. It
// forgives what people get wrong in a hurry: case, accents ("zoe" finds "Zoë"), word order, and a name typed
// only by the start of its words ("fam ch" finds "Family chat"). Nothing here talks to the server.

/** Lower case without accents, for comparing what was typed with a name. */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

/**
 * How well `query` names `title`: 0 when it does not. Every typed word must start a word of the title (or,
 * failing that, appear inside it); a title that starts with the whole query ranks first, then one whose words
 * all start with the typed ones, then one that merely contains them.
 */
export function matchScore(query: string, title: string): number {
  const q = fold(query).trim();
  if (!q) return 1;
  const t = fold(title);
  if (t.startsWith(q)) return 4;
  const words = t.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const typed = q.split(/\s+/);
  if (typed.every((w) => words.some((word) => word.startsWith(w)))) return 3;
  if (typed.every((w) => t.includes(w))) return 2;
  return 0;
}

export interface Switchable {
  id: string;
  title: string;
  /** Unread messages (or marked unread): such conversations come first among equals. */
  unread: boolean;
  /** Last activity, ISO: the most recent first among equals. */
  activity: string;
}

/** The conversations `query` names, best match first, then unread, then the most recent; at most `limit`. */
export function rankConversations<T extends Switchable>(query: string, all: T[], limit = 8): T[] {
  return all
    .map((c) => ({ c, score: matchScore(query, c.title) }))
    .filter((x) => x.score > 0)
    .sort(
      (a, b) =>
        b.score - a.score || Number(b.c.unread) - Number(a.c.unread) || b.c.activity.localeCompare(a.c.activity),
    )
    .slice(0, limit)
    .map((x) => x.c);
}
