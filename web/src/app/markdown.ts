// The small, safe Markdown of chat messages: **bold**, *italic* or _italic_, `code`, ``` code blocks ```,
// > quotes, "- " and "1. " lists, bare links and [named](https://…) ones (http and https only), and :emoji:
// shortcodes. It produces a tree of plain data that the UI renders as
// elements with text children: no HTML string is ever built, so no message can inject markup.
import { emojiFor } from "../../../src/protocol/emoji.ts";

// Previews are the server's too (push notifications): one definition, in the contract.
export { previewText } from "../../../src/protocol/message-text.ts";

export type Inline =
  | { t: "text"; v: string }
  | { t: "b" | "i"; c: Inline[] }
  | { t: "code"; v: string }
  | { t: "link"; href: string; v: string }
  | { t: "br" };

export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "pre"; v: string }
  | { t: "quote"; c: Block[] }
  /** A list: `start` is the first number of a numbered one, null for bullets. */
  | { t: "list"; start: number | null; items: Inline[][] };

const BULLET = /^\s*[-*•]\s+/;
const NUMBERED = /^\s*(\d{1,6})[.)]\s+/;

export function parseMessage(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let para: string[] = [];
  const endPara = () => {
    if (para.length > 0) blocks.push({ t: "p", c: parseInline(para.join("\n")) });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith("```")) {
      endPara();
      const code: string[] = [];
      let j = i + 1;
      while (j < lines.length && !lines[j]!.trimStart().startsWith("```")) code.push(lines[j++]!);
      // An unclosed fence is just text, as people type it.
      if (j === lines.length) {
        para.push(line);
        continue;
      }
      blocks.push({ t: "pre", v: code.join("\n") });
      i = j;
    } else if (/^>\s?/.test(line)) {
      endPara();
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i]!)) quoted.push(lines[i++]!.replace(/^>\s?/, ""));
      i--;
      blocks.push({ t: "quote", c: parseMessage(quoted.join("\n")) });
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      endPara();
      const marker = BULLET.test(line) ? BULLET : NUMBERED;
      const start = marker === NUMBERED ? Number(NUMBERED.exec(line)![1]) : null;
      const items: Inline[][] = [];
      while (i < lines.length && marker.test(lines[i]!)) items.push(parseInline(lines[i++]!.replace(marker, "")));
      i--;
      blocks.push({ t: "list", start, items });
    } else if (line.trim() === "") endPara();
    else para.push(line);
  }
  endPara();
  return blocks;
}

const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"']+/giy;
/** [words](https://…): only http and https addresses; anything else stays as typed. */
const NAMED_LINK = /\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()<>"']+)\)/iy;
const TRAILING = /[.,;:!?)\]}'"]+$/;

export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  let plain = "";
  const pushText = () => {
    if (!plain) return;
    const parts = plain.split("\n");
    parts.forEach((p, i) => {
      if (i > 0) out.push({ t: "br" });
      if (p) out.push({ t: "text", v: withEmoji(p) });
    });
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "`") {
      const end = text.indexOf("`", i + 1);
      if (end > i + 1) {
        pushText();
        out.push({ t: "code", v: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }
    if ((ch === "*" && text[i + 1] === "*") || ((ch === "*" || ch === "_") && text[i + 1] !== ch)) {
      const marker = ch === "*" && text[i + 1] === "*" ? "**" : ch;
      const end = findClosing(text, i + marker.length, marker);
      // Emphasis must hug its words ("a * b" is not italic) and, for _, stand apart from them (snake_case).
      if (end !== -1 && wordBoundary(text, i, end + marker.length, marker)) {
        pushText();
        out.push({ t: marker === "**" ? "b" : "i", c: parseInline(text.slice(i + marker.length, end)) });
        i = end + marker.length;
        continue;
      }
    }
    if (ch === "[") {
      NAMED_LINK.lastIndex = i;
      const m = NAMED_LINK.exec(text);
      if (m) {
        pushText();
        out.push({ t: "link", href: m[2]!, v: withEmoji(m[1]!) });
        i += m[0].length;
        continue;
      }
    }
    if ((ch === "h" || ch === "H" || ch === "w" || ch === "W") && (i === 0 || /[\s(\[]/.test(text[i - 1]!))) {
      LINK.lastIndex = i;
      const m = LINK.exec(text);
      if (m) {
        const raw = m[0].replace(TRAILING, "");
        pushText();
        out.push({ t: "link", href: /^www\./i.test(raw) ? `https://${raw}` : raw, v: raw });
        i += raw.length;
        continue;
      }
    }
    plain += ch;
    i++;
  }
  pushText();
  return out;
}

function findClosing(text: string, from: number, marker: string): number {
  if (from >= text.length || /\s/.test(text[from]!)) return -1;
  let j = text.indexOf(marker, from);
  while (j !== -1) {
    if (j > from && !/\s/.test(text[j - 1]!) && !text.slice(from, j).includes("\n\n")) return j;
    j = text.indexOf(marker, j + 1);
  }
  return -1;
}

function wordBoundary(text: string, start: number, end: number, marker: string): boolean {
  if (marker !== "_") return true;
  const before = start === 0 ? " " : text[start - 1]!;
  const after = end >= text.length ? " " : text[end]!;
  return !/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after);
}

/** A message that is nothing but one to three emoji (shortcodes too): shown large, as chat apps do. */
export function isOnlyEmoji(text: string): boolean {
  const bare = withEmoji(text.trim()).replace(/\s+/g, "");
  if (!bare || bare.length > 48) return false;
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(bare)];
  return (
    graphemes.length <= 3 && graphemes.every((g) => /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(g.segment))
  );
}

function withEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]{1,32}):/g, (whole, name: string) => emojiFor(name) ?? whole);
}
