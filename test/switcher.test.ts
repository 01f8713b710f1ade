// The quick switcher's matching (web/src/app/switcher.ts): what a few hurried letters mean.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { fold, matchScore, rankConversations } from "../web/src/app/switcher.ts";

const c = (title: string, activity: string, unread = false) => ({ id: title, title, activity, unread });

describe("matching a conversation's name", () => {
  test("case, accents, word order and the starts of words are forgiven; letters in no word are not", () => {
    expect(matchScore("zoe", "Zoë Ward")).toBe(4);
    expect(matchScore("ward zo", "Zoë Ward")).toBe(3);
    expect(matchScore("fam ch", "Family chat")).toBe(3);
    expect(matchScore("mily", "Family chat")).toBe(2);
    expect(matchScore("ÅSA", "asa lindqvist")).toBe(4);
    expect(matchScore("qqq", "Family chat")).toBe(0);
    expect(matchScore("fam x", "Family chat")).toBe(0);
  });

  test("any name is found by itself and by the start of its first word, whatever it holds", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (title) => {
        fc.pre(fold(title).trim() !== "");
        expect(matchScore(title, title)).toBeGreaterThan(0);
        expect(matchScore(fold(title).trim().slice(0, 1), title)).toBeGreaterThan(0);
      }),
    );
  });

  test("best match first, then unread, then the most recent; nothing typed keeps them all by those", () => {
    const all = [
      c("Allotment", "2026-01-02"),
      c("Family chat", "2026-01-03"),
      c("Fam reunion", "2026-01-01", true),
      c("Old family", "2026-01-04"),
    ];
    expect(rankConversations("fam", all).map((x) => x.title)).toEqual(["Fam reunion", "Family chat", "Old family"]);
    expect(rankConversations("", all).map((x) => x.title)).toEqual([
      "Fam reunion",
      "Old family",
      "Family chat",
      "Allotment",
    ]);
    expect(rankConversations("", all, 2)).toHaveLength(2);
  });
});
