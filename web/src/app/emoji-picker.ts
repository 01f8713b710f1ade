// What the emoji picker knows: the emoji by group (web/src/app/emoji-table.ts, made at build time), finding
// them by name or shortcode, skin tones, and the ones this person used lately (kept in this browser).
import { emojiTable } from "./emoji-table.ts" with { type: "macro" };
import { emojiShortcodes } from "../../../src/protocol/emoji.ts";

export interface EmojiEntry {
  emoji: string;
  name: string;
  skinTones: boolean;
}

export interface EmojiGroup {
  name: string;
  /** The tab's picture. */
  icon: string;
  emojis: EmojiEntry[];
}

const ICONS: Record<string, string> = {
  "Smileys & Emotion": "😀",
  "People & Body": "👋",
  "Animals & Nature": "🐻",
  "Food & Drink": "🍎",
  "Travel & Places": "✈️",
  Activities: "⚽",
  Objects: "💡",
  Symbols: "❤️",
  Flags: "🏁",
};

export const EMOJI_GROUPS: EmojiGroup[] = emojiTable().map(([name, list]) => ({
  name,
  icon: ICONS[name] ?? list[0]?.[0] ?? "•",
  emojis: list.map(([emoji, n, skin]) => ({ emoji, name: n, skinTones: skin === 1 })),
}));

const ALL = EMOJI_GROUPS.flatMap((g) => g.emojis);
const BY_EMOJI = new Map(ALL.map((e) => [e.emoji, e]));
/** Shortcodes people know (":tada:"), as more names for the emoji they stand for. */
const SHORTCODES = new Map<string, string[]>();
for (const [code, emoji] of emojiShortcodes()) SHORTCODES.set(emoji, [...(SHORTCODES.get(emoji) ?? []), code]);

/** Skin tones: none, then light to dark (the Fitzpatrick modifiers). */
export const SKIN_TONES = ["", "\u{1F3FB}", "\u{1F3FC}", "\u{1F3FD}", "\u{1F3FE}", "\u{1F3FF}"] as const;
export type SkinTone = (typeof SKIN_TONES)[number];

/**
 * The emoji with a skin tone, when it takes one: the modifier follows the one person in it (a variation
 * selector there goes, as the modifier makes it an emoji already), so 👍 → 👍🏽 and 🧑‍💻 → 🧑🏽‍💻. Sequences of
 * several people (families, 🧑‍🤝‍🧑) stay as they are: a tone on one of them would break the sequence apart.
 */
export function withSkinTone(emoji: string, tone: SkinTone): string {
  if (!tone || !BY_EMOJI.get(emoji)?.skinTones) return emoji;
  const chars = [...emoji];
  const bases = chars.flatMap((c, i) => (/\p{Emoji_Modifier_Base}/u.test(c) ? [i] : []));
  if (bases.length !== 1) return emoji;
  const at = bases[0]!;
  const rest = chars.slice(at + 1);
  if (rest[0] === "\uFE0F") rest.shift();
  return [...chars.slice(0, at + 1), tone, ...rest].join("");
}

/**
 * Emoji whose name or shortcode has a word starting with every word typed ("thumbs up", "tada", "red
 * heart"), those whose name starts with it first. At most `limit`.
 */
export function searchEmoji(query: string, limit = 120): EmojiEntry[] {
  const words = query.toLowerCase().replace(/[:_]/g, " ").split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const scored: [number, number, EmojiEntry][] = [];
  ALL.forEach((e, i) => {
    const names = [e.name, ...(SHORTCODES.get(e.emoji) ?? []).map((c) => c.replace(/_/g, " "))];
    let best = -1;
    for (const n of names) {
      const parts = n.toLowerCase().split(/[\s-]+/);
      if (!words.every((w) => parts.some((p) => p.startsWith(w)))) continue;
      best = Math.max(best, n.toLowerCase().startsWith(words.join(" ")) ? 2 : 1);
    }
    if (best > 0) scored.push([best, i, e]);
  });
  return scored
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, limit)
    .map(([, , e]) => e);
}

const RECENT_KEY = "parley:emoji:recent";
const TONE_KEY = "parley:emoji:tone";
const MAX_RECENT = 24;

/** The emoji this browser used lately, the latest first (as picked, skin tone included). */
export function recentEmoji(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(list) ? list.filter((e): e is string => typeof e === "string").slice(0, MAX_RECENT) : [];
  } catch {
    return [];
  }
}

export function rememberEmoji(emoji: string): void {
  const list = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, MAX_RECENT);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {}
}

export function savedSkinTone(): SkinTone {
  const t = localStorage.getItem(TONE_KEY) ?? "";
  return (SKIN_TONES as readonly string[]).includes(t) ? (t as SkinTone) : "";
}

export function saveSkinTone(tone: SkinTone): void {
  try {
    localStorage.setItem(TONE_KEY, tone);
  } catch {}
}
