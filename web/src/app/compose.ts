// The rules of writing a message, as pure functions the composer uses and tests check without a browser:
// which @mention or :emoji is being typed, what it may mean, what picking one does to the text, and whether
// what is in the box can be sent.
import { emojiShortcodes } from "../../../src/protocol/emoji.ts";

/** Messages are at most this many bytes of UTF-8 (the server's limit too). */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export interface MentionQuery {
  /** What follows the "@", lower-cased. */
  query: string;
  /** Where the "@" is in the text. */
  start: number;
}

/** The mention being typed just before the caret ("hi @an|"), or null. */
export function mentionAt(textBeforeCaret: string): MentionQuery | null {
  const m = /(^|\s)@([\w.-]{0,32})$/.exec(textBeforeCaret);
  return m ? { query: m[2]!.toLowerCase(), start: textBeforeCaret.length - m[2]!.length - 1 } : null;
}

export interface Mentionable {
  username: string;
  displayName: string;
}

/** Who a mention may mean: @everyone when allowed, then members by username prefix or name; six at most. */
export function mentionSuggestions(query: string, people: Mentionable[], mayMentionEveryone: boolean): Mentionable[] {
  const everyone =
    mayMentionEveryone && "everyone".startsWith(query)
      ? [{ username: "everyone", displayName: "Everyone in this group" }]
      : [];
  const matching = people.filter(
    (u) => u.username.toLowerCase().startsWith(query) || u.displayName.toLowerCase().includes(query),
  );
  return [...everyone, ...matching].slice(0, 6);
}

/** The text with the mention at `start` replaced by "@username ", and where the caret goes after it. */
export function insertMention(
  text: string,
  mention: MentionQuery,
  caret: number,
  username: string,
): { text: string; caret: number } {
  return {
    text: `${text.slice(0, mention.start)}@${username} ${text.slice(caret)}`,
    caret: mention.start + username.length + 2,
  };
}

/** ":smi" just before the caret (two letters at least, after a space or at the start): an emoji being named. */
export function emojiAt(textBeforeCaret: string): MentionQuery | null {
  const m = /(^|\s):([a-z0-9_+-]{2,32})$/.exec(textBeforeCaret);
  return m ? { query: m[2]!, start: textBeforeCaret.length - m[2]!.length - 1 } : null;
}

/** Emoji whose shortcode starts with the query, then those that contain it; six at most. */
export function emojiSuggestions(query: string): { name: string; emoji: string }[] {
  const all = emojiShortcodes();
  const starting = all.filter(([name]) => name.startsWith(query));
  const containing = all.filter(([name]) => !name.startsWith(query) && name.includes(query));
  // One line per emoji: the first name for it (":thinking:" and ":thinking_face:" are one).
  const seen = new Set<string>();
  return [...starting, ...containing]
    .filter(([, emoji]) => !seen.has(emoji) && Boolean(seen.add(emoji)))
    .slice(0, 6)
    .map(([name, emoji]) => ({ name, emoji }));
}

/** The text with ":query" at `start` replaced by the emoji and a space, and where the caret goes after it. */
export function insertEmoji(
  text: string,
  at: MentionQuery,
  caret: number,
  emoji: string,
): { text: string; caret: number } {
  return { text: `${text.slice(0, at.start)}${emoji} ${text.slice(caret)}`, caret: at.start + emoji.length + 1 };
}

export type SendCheck = { ok: true; text: string } | { ok: false; error: string | null };

/**
 * Whether the box can be sent: words (not only spaces) or finished files, within the size limit, and no
 * file still uploading. `error: null` means there is simply nothing to send.
 */
export function checkSend(
  text: string,
  state: { editing: boolean; uploading: boolean; filesReady: boolean },
): SendCheck {
  const value = text.trim() ? text : "";
  if (!state.editing && state.uploading)
    return { ok: false, error: "Wait until the files are uploaded, or cancel them." };
  if (!value && (state.editing || !state.filesReady)) return { ok: false, error: null };
  if (new TextEncoder().encode(value).length > MAX_MESSAGE_BYTES)
    return { ok: false, error: "This message is too long (at most 16 KB). Split it in parts." };
  return { ok: true, text: value };
}
