// One policy for every name and title a person shows to others: display names, bios, group titles and
// descriptions, file names, device and passkey labels, the server's name. Text that is not what it looks
// like is how people get fooled: a bidi override makes "invoice\u202Efdp.exe" read "invoiceexe.pdf", a
// zero-width space makes two names look alike, a Hangul filler makes a name that looks blank.
import { z } from "zod";

/**
 * What is refused: controls (Cc) except newlines where text may span lines; format characters (Cf:
 * bidi embeddings, overrides and isolates, zero-width spaces and joiners, the BOM, tag characters);
 * line and paragraph separators; and fillers that render as nothing (Hangul fillers, braille blank,
 * Mongolian vowel separator, combining grapheme joiner, Khmer inherent vowels).
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180E\u2800\u3164\uFFA0]/gu;
const ZWJ = "\u200D";
/** Emoji that a zero-width joiner may stand between (👩‍💻, 🏳️‍🌈): there it draws one picture, not hides text. */
const EMOJI_PART = /[\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F]/u;
/** A name must show something: a letter, digit, punctuation or symbol. */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** The first hidden character in text, or null. Newlines pass when multiline. */
export function findHiddenCharacter(text: string, multiline = false): string | null {
  for (const m of text.matchAll(HIDDEN)) {
    const ch = m[0];
    if (multiline && (ch === "\n" || ch === "\r" || ch === "\t")) continue;
    if (ch === ZWJ && isBetweenEmoji(text, m.index)) continue;
    return ch;
  }
  return null;
}

function isBetweenEmoji(text: string, at: number): boolean {
  // A low surrogate before it ends a code point that starts one unit earlier.
  const start = /[\uDC00-\uDFFF]/.test(text[at - 1] ?? "") ? at - 2 : at - 1;
  const prev = start >= 0 ? String.fromCodePoint(text.codePointAt(start)!) : "";
  const next = at + 1 < text.length ? String.fromCodePoint(text.codePointAt(at + 1)!) : "";
  return EMOJI_PART.test(prev) && EMOJI_PART.test(next);
}

const describe = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * A field of human-visible text, trimmed and NFC-normalized (so the same name is stored the same way
 * whatever keyboard typed it). `label` names it in errors ("The display name").
 */
export function humanText(label: string, opts: { max: number; min?: number; multiline?: boolean }) {
  return z
    .string()
    .transform((s) => s.normalize("NFC").trim())
    .superRefine((s, ctx) => {
      const hidden = findHiddenCharacter(s, opts.multiline);
      if (hidden)
        ctx.addIssue({
          code: "custom",
          message: `${label} contains an invisible or control character (${describe(hidden)}).`,
        });
      else if ((opts.min ?? 0) > 0 && !VISIBLE.test(s))
        ctx.addIssue({ code: "custom", message: `${label} cannot be empty or look empty.` });
      else if ([...s].length > opts.max)
        ctx.addIssue({ code: "custom", message: `${label} has at most ${opts.max} characters.` });
    });
}

/** For text that arrives from a device rather than typed for us (a file's name): hidden characters are removed, not refused. */
export function stripHiddenCharacters(text: string): string {
  return text.replace(HIDDEN, "");
}
