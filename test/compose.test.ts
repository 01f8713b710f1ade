// The composer's rules without a browser: which mention is being typed, who it may mean, what picking one
// does, and whether the box can be sent.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  checkSend,
  emojiAt,
  emojiSuggestions,
  insertEmoji,
  insertMention,
  MAX_MESSAGE_BYTES,
  mentionAt,
  mentionSuggestions,
} from "../web/src/app/compose.ts";
import { isOnlyEmoji } from "../web/src/app/markdown.ts";

const people = [
  { username: "ana", displayName: "Ana Admin" },
  { username: "anders", displayName: "Anders" },
  { username: "ben", displayName: "Benjamin Ana-Lover" },
];

describe("writing a message", () => {
  test("a mention is the word after an @ at the start or after a space, right before the caret", () => {
    expect(mentionAt("hi @An")).toEqual({ query: "an", start: 3 });
    expect(mentionAt("@")).toEqual({ query: "", start: 0 });
    expect(mentionAt("mail me at ana@example")).toBeNull();
    expect(mentionAt("hi @ana ")).toBeNull();
  });

  test("suggestions: @everyone only when allowed, then usernames by prefix and names by part; six at most", () => {
    expect(mentionSuggestions("an", people, false).map((p) => p.username)).toEqual(["ana", "anders", "ben"]);
    expect(mentionSuggestions("ev", people, true).map((p) => p.username)).toEqual(["everyone"]);
    expect(mentionSuggestions("ev", people, false)).toEqual([]);
    const many = Array.from({ length: 10 }, (_, i) => ({ username: `a${i}`, displayName: `A ${i}` }));
    expect(mentionSuggestions("a", many, true)).toHaveLength(6);
  });

  test("picking a suggestion puts @username and a space where the mention was, keeping what follows, caret after it", () => {
    const text = "hi @an and more";
    expect(insertMention(text, { query: "an", start: 3 }, 6, "anders")).toEqual({
      text: "hi @anders  and more",
      caret: 11,
    });
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.stringMatching(/^[a-z]{0,8}$/),
        fc.string({ maxLength: 20 }),
        fc.stringMatching(/^[a-z][a-z0-9._-]{1,15}$/),
        (before, typed, after, name) => {
          const head = `${before} @${typed}`;
          const mention = mentionAt(head)!;
          const out = insertMention(head + after, mention, head.length, name);
          return out.text === `${before} @${name} ${after}` && out.text.slice(0, out.caret) === `${before} @${name} `;
        },
      ),
    );
  });

  test("an emoji is named by ':' and two letters or more after a space or at the start; not in times or links", () => {
    expect(emojiAt(":ta")).toEqual({ query: "ta", start: 0 });
    expect(emojiAt("well :thumbs")).toEqual({ query: "thumbs", start: 5 });
    for (const text of [":t", "at 10:30", "https://x.example:80", "a:tada", "::"]) expect(emojiAt(text)).toBeNull();
  });

  test("emoji suggestions: shortcodes starting with it, then containing it, one line per emoji, six at most", () => {
    expect(emojiSuggestions("tad")).toEqual([{ name: "tada", emoji: "🎉" }]);
    const think = emojiSuggestions("think");
    expect(think.map((s) => s.emoji)).toEqual(["🤔"]);
    expect(emojiSuggestions("s").length).toBeLessThanOrEqual(6);
    expect(emojiSuggestions("zzzz")).toEqual([]);
    expect(insertEmoji("yay :ta later", { query: "ta", start: 4 }, 7, "🎉")).toEqual({
      text: "yay 🎉  later",
      caret: 4 + "🎉".length + 1,
    });
  });

  test("one to three emoji alone are shown large; with words, or more of them, they are not", () => {
    for (const text of ["🎉", " 👍🏽 ", "🇩🇪", ":tada: :rose:", "❤️🔥🎉"]) expect(isOnlyEmoji(text)).toBe(true);
    for (const text of ["", "hi 🎉", "🎉🎉🎉🎉", "123", ":nope:", "**🎉**"]) expect(isOnlyEmoji(text)).toBe(false);
  });

  test("what can be sent: words or finished files, within 16 KB, never while a file is still uploading", () => {
    const idle = { editing: false, uploading: false, filesReady: false };
    expect(checkSend("  hello ", idle)).toEqual({ ok: true, text: "  hello " });
    expect(checkSend("   ", idle)).toEqual({ ok: false, error: null });
    expect(checkSend("", { ...idle, filesReady: true })).toEqual({ ok: true, text: "" });
    expect(checkSend("", { ...idle, editing: true, filesReady: true })).toEqual({ ok: false, error: null });
    expect(checkSend("hi", { ...idle, uploading: true })).toMatchObject({
      ok: false,
      error: expect.stringContaining("uploaded"),
    });
    expect(checkSend("é".repeat(MAX_MESSAGE_BYTES / 2), idle).ok).toBe(true);
    expect(checkSend("é".repeat(MAX_MESSAGE_BYTES / 2 + 1), idle)).toMatchObject({
      ok: false,
      error: expect.stringContaining("too long"),
    });
  });
});
