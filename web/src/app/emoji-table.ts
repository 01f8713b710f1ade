// The emoji picker's table, made when the web app is bundled (a Bun macro: imported `with { type: "macro" }`,
// it runs at build time and only its result ships): the Unicode groups in order, each emoji with its name and
// whether it takes a skin tone, up to Emoji 15.0 (what Noto Color Emoji and current systems draw).
import groups from "unicode-emoji-json/data-by-group.json";

/** [group name, [emoji, name, takes a skin tone (1) or not (0)][]][] */
export type EmojiTable = [string, [string, string, 0 | 1][]][];

const NEWEST = 15.0;

export function emojiTable(): EmojiTable {
  return groups.map((g) => [
    g.name,
    g.emojis
      .filter((e) => Number(e.emoji_version) <= NEWEST)
      .map((e) => [e.emoji, e.name, e.skin_tone_support ? 1 : 0] as [string, string, 0 | 1]),
  ]);
}
