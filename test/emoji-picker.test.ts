// The emoji picker's rules (web/src/app/emoji-picker.ts): every emoji it offers, with every skin tone, is one
// the server takes as a reaction; search by name and shortcode; skin tones where they apply.
import { describe, expect, test } from "bun:test";
import { isEmoji } from "../src/chat/reactions.ts";
import { EMOJI_GROUPS, searchEmoji, SKIN_TONES, withSkinTone } from "../web/src/app/emoji-picker.ts";

describe("the emoji picker's table", () => {
  test("holds the Unicode groups in order, each with emoji", () => {
    expect(EMOJI_GROUPS.map((g) => g.name)).toEqual([
      "Smileys & Emotion",
      "People & Body",
      "Animals & Nature",
      "Food & Drink",
      "Travel & Places",
      "Activities",
      "Objects",
      "Symbols",
      "Flags",
    ]);
    for (const g of EMOJI_GROUPS) expect(g.emojis.length).toBeGreaterThan(50);
  });

  test("every emoji it offers, in every skin tone, is one the server accepts as a reaction", () => {
    const refused: string[] = [];
    for (const g of EMOJI_GROUPS)
      for (const e of g.emojis)
        for (const tone of SKIN_TONES) {
          const emoji = withSkinTone(e.emoji, tone);
          if (!isEmoji(emoji)) refused.push(`${emoji} (${e.name})`);
        }
    expect(refused).toEqual([]);
  });

  test("skin tones go on emoji that take them, after the first character; others stay as they are", () => {
    expect(withSkinTone("👍", "\u{1F3FD}")).toBe("👍🏽");
    expect(withSkinTone("🧑‍💻", "\u{1F3FE}")).toBe("🧑🏾‍💻");
    expect(withSkinTone("☝️", "\u{1F3FB}")).toBe("☝🏻");
    expect(withSkinTone("🎉", "\u{1F3FD}")).toBe("🎉");
    expect(withSkinTone("👍", "")).toBe("👍");
  });

  test("search finds by the words of a name or a shortcode, names that start with it first", () => {
    expect(searchEmoji("thumbs up")[0]!.emoji).toBe("👍");
    expect(searchEmoji("tada").map((e) => e.emoji)).toContain("🎉");
    expect(searchEmoji("red heart")[0]!.emoji).toBe("❤️");
    expect(searchEmoji(":rocket:")[0]!.emoji).toBe("🚀");
    expect(searchEmoji("HEART").length).toBeGreaterThan(10);
    expect(searchEmoji("zzqx")).toEqual([]);
    expect(searchEmoji("   ")).toEqual([]);
    expect(searchEmoji("a").length).toBeLessThanOrEqual(120);
  });
});
