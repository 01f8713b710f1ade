// What a message's text means beyond its characters, where both sides need the same answer: its plain
// preview (the conversation list, reply quotes, push notifications). Pure, with no imports but the
// shortcode table.
import { emojiFor } from "./emoji.ts";

/** Plain text of a message for previews (list, notifications, reply quotes): no markers. */
export function previewText(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, (m) => m.slice(3, -3).trim())
    .replace(/^>\s?/gm, "")
    .replace(/^\s*(?:[-*•]|\d{1,6}[.)])\s+/gm, "")
    .replace(/\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()<>"']+)\)/gi, "$1")
    .replace(/\*\*(\S(?:[^*]*\S)?)\*\*/g, "$1")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/:([a-z0-9_+-]{1,32}):/g, (whole, name: string) => emojiFor(name) ?? whole)
    .replace(/\s+/g, " ")
    .trim();
}

/** Links longer than this are not previewed (nor are they real pages people share). */
const MAX_LINK = 2000;

/**
 * The first http(s) link in a message, as the server previews it: bare (a leading "www." means https) or
 * [named](https://…), never inside `code`; trailing punctuation is not part of it. Null when there is none.
 */
export function firstLink(text: string): string | null {
  const words = text.replace(/```[\s\S]*?```/g, " ").replace(/`[^`\n]*`/g, " ");
  const m = /\[[^\]\n]{1,200}\]\((https?:\/\/[^\s()<>"']+)\)|(?:^|[\s(\[])((?:https?:\/\/|www\.)[^\s<>"']+)/i.exec(
    words,
  );
  if (!m) return null;
  const raw = m[1] ?? m[2]!.replace(/[.,;:!?)\]}'"]+$/, "");
  const link = /^www\./i.test(raw) ? `https://${raw}` : raw;
  if (link.length > MAX_LINK || !URL.canParse(link)) return null;
  return /^https?:$/.test(new URL(link).protocol) ? link : null;
}
