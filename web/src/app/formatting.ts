// The composer's formatting (toolbar and shortcuts): each writes the Markdown Parley renders (markdown.ts)
// around the selection, and says what to select afterwards, so that typing goes on where it makes sense.
// Pure text in, text out: tested without a browser (test/formatting.test.ts).

export type Format = "bold" | "italic" | "code" | "link" | "list" | "quote";

export interface Edit {
  value: string;
  start: number;
  end: number;
}

/** Applies a format to value's selection [start, end). */
export function applyFormat(format: Format, value: string, start: number, end: number): Edit {
  switch (format) {
    case "bold":
      return wrap(value, start, end, "**");
    case "italic":
      return wrap(value, start, end, "_");
    case "code":
      return value.slice(start, end).includes("\n") ? fence(value, start, end) : wrap(value, start, end, "`");
    case "link":
      return link(value, start, end);
    case "list":
      return prefixLines(value, start, end, "- ", /^\s*[-*•]\s+/);
    case "quote":
      return prefixLines(value, start, end, "> ", /^>\s?/);
  }
}

/** Markers around the selection; spaces at its edges stay outside (emphasis must hug its words). */
function wrap(value: string, start: number, end: number, marker: string): Edit {
  while (start < end && /\s/.test(value[start]!)) start++;
  while (end > start && /\s/.test(value[end - 1]!)) end--;
  const inner = value.slice(start, end);
  // Already wrapped: the markers come off.
  if (value.slice(start - marker.length, start) === marker && value.slice(end, end + marker.length) === marker)
    return {
      value: value.slice(0, start - marker.length) + inner + value.slice(end + marker.length),
      start: start - marker.length,
      end: end - marker.length,
    };
  return {
    value: value.slice(0, start) + marker + inner + marker + value.slice(end),
    start: start + marker.length,
    end: end + marker.length,
  };
}

/** A code block on lines of its own. */
function fence(value: string, start: number, end: number): Edit {
  const before = start > 0 && value[start - 1] !== "\n" ? "\n" : "";
  const after = end < value.length && value[end] !== "\n" ? "\n" : "";
  const open = `${before}\`\`\`\n`;
  const inner = value.slice(start, end);
  return {
    value: value.slice(0, start) + open + inner + "\n```" + after + value.slice(end),
    start: start + open.length,
    end: start + open.length + inner.length,
  };
}

/** [words](https://…): the selection becomes the words; the address is selected, ready to be typed or pasted. */
function link(value: string, start: number, end: number): Edit {
  const selected = value.slice(start, end).trim();
  if (/^https?:\/\/\S+$/i.test(selected)) {
    // An address was selected: it is the link; the words are to be typed.
    const text = `[](${selected})`;
    return { value: value.slice(0, start) + text + value.slice(end), start: start + 1, end: start + 1 };
  }
  const words = selected || "link";
  const text = `[${words}](https://)`;
  const at = start + words.length + 3;
  return { value: value.slice(0, start) + text + value.slice(end), start: at, end: at + "https://".length };
}

/** Each line the selection touches starts with the marker; when all already do, the markers come off. */
function prefixLines(value: string, start: number, end: number, marker: string, existing: RegExp): Edit {
  const from = value.lastIndexOf("\n", start - 1) + 1;
  const lineEnd = value.indexOf("\n", end > start && value[end - 1] === "\n" ? end - 1 : end);
  const to = lineEnd === -1 ? value.length : lineEnd;
  const lines = value.slice(from, to).split("\n");
  const all = lines.every((l) => existing.test(l));
  const changed = lines.map((l) => (all ? l.replace(existing, "") : marker + l)).join("\n");
  return { value: value.slice(0, from) + changed + value.slice(to), start: from, end: from + changed.length };
}

/** The keyboard shortcut for a key press, as Slack has them: Ctrl/⌘ + B, I, Shift+C, Shift+U, Shift+8, Shift+9. */
export function formatForKey(
  e: Pick<KeyboardEvent, "ctrlKey" | "metaKey" | "shiftKey" | "altKey" | "code">,
): Format | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const keys: Record<string, Format> = e.shiftKey
    ? { KeyC: "code", KeyU: "link", Digit8: "list", Digit9: "quote" }
    : { KeyB: "bold", KeyI: "italic" };
  return keys[e.code] ?? null;
}
