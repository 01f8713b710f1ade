import { describe, expect, test } from "bun:test";
import { parseInline, parseMessage, previewText } from "../web/src/app/markdown.ts";
import fc from "fast-check";
import { firstLink } from "../src/protocol/message-text.ts";

describe("message Markdown (web/src/app/markdown.ts)", () => {
  test("bold, italic, inline code and line breaks", () => {
    expect(parseInline("a **b** *c* _d_ `e`\nf")).toEqual([
      { t: "text", v: "a " },
      { t: "b", c: [{ t: "text", v: "b" }] },
      { t: "text", v: " " },
      { t: "i", c: [{ t: "text", v: "c" }] },
      { t: "text", v: " " },
      { t: "i", c: [{ t: "text", v: "d" }] },
      { t: "text", v: " " },
      { t: "code", v: "e" },
      { t: "br" },
      { t: "text", v: "f" },
    ]);
  });

  test("markers that do not hug words, snake_case and lone stars stay as typed", () => {
    for (const text of ["2 * 3 * 4", "snake_case_name", "a ** b **", "price: 5*", "_ spaced _", "`unclosed"]) {
      expect(parseInline(text)).toEqual([{ t: "text", v: text }]);
    }
  });

  test("code keeps everything literal, Markdown and shortcodes included", () => {
    expect(parseInline("`**x** :smile:`")).toEqual([{ t: "code", v: "**x** :smile:" }]);
    expect(parseMessage("```\n**not bold**\n<b>\n```")).toEqual([{ t: "pre", v: "**not bold**\n<b>" }]);
    expect(parseMessage("```\nnever closed")).toEqual([
      { t: "p", c: [{ t: "text", v: "```" }, { t: "br" }, { t: "text", v: "never closed" }] },
    ]);
  });

  test("quotes, and paragraphs split by blank lines", () => {
    expect(parseMessage("> quoted **line**\n> second\nafter\n\nnext")).toEqual([
      {
        t: "quote",
        c: [
          {
            t: "p",
            c: [
              { t: "text", v: "quoted " },
              { t: "b", c: [{ t: "text", v: "line" }] },
              { t: "br" },
              { t: "text", v: "second" },
            ],
          },
        ],
      },
      { t: "p", c: [{ t: "text", v: "after" }] },
      { t: "p", c: [{ t: "text", v: "next" }] },
    ]);
  });

  test("only http(s) and www links become links, without trailing punctuation", () => {
    expect(parseInline("see https://example.com/a?b=1, (www.example.org).")).toEqual([
      { t: "text", v: "see " },
      { t: "link", href: "https://example.com/a?b=1", v: "https://example.com/a?b=1" },
      { t: "text", v: ", (" },
      { t: "link", href: "https://www.example.org", v: "www.example.org" },
      { t: "text", v: ")." },
    ]);
    for (const text of ["javascript:alert(1)", "[x](javascript:alert(1))", "data:text/html,<b>", "ftp://example.com"]) {
      expect(parseInline(text).some((n) => n.t === "link")).toBe(false);
    }
  });

  test("a named link is http(s) only; its words are shown and its address is the link", () => {
    expect(parseInline("read [the plan :tada:](https://example.com/plan?x=1) now")).toEqual([
      { t: "text", v: "read " },
      { t: "link", href: "https://example.com/plan?x=1", v: "the plan 🎉" },
      { t: "text", v: " now" },
    ]);
    for (const text of ["[x](javascript:alert(1))", "[x](data:text/html,hi)", "[x](//evil.example)", "[](https://a.b)"])
      expect(parseInline(text).some((n) => n.t === "link" && n.v === "x")).toBe(false);
  });

  test("lines starting with - or a number make a list, each line an item with its Markdown", () => {
    expect(parseMessage("To buy:\n- **milk**\n* eggs\n\n3. first\n4) second")).toEqual([
      { t: "p", c: [{ t: "text", v: "To buy:" }] },
      { t: "list", start: null, items: [[{ t: "b", c: [{ t: "text", v: "milk" }] }], [{ t: "text", v: "eggs" }]] },
      { t: "list", start: 3, items: [[{ t: "text", v: "first" }], [{ t: "text", v: "second" }]] },
    ]);
    // Not lists: no space after the marker, or emphasis.
    expect(parseMessage("-5 degrees\n*not a list*").every((b) => b.t === "p")).toBe(true);
  });

  test("emoji shortcodes outside code; unknown ones and prototype names stay as typed", () => {
    expect(parseInline(":smile: :+1: :nope: :constructor:")).toEqual([{ t: "text", v: "😄 👍 :nope: :constructor:" }]);
  });

  test("previews drop the markers", () => {
    expect(previewText("**Hi** `there`\n> quoted\n```\ncode\n``` :tada:")).toBe("Hi there quoted code 🎉");
    expect(previewText("- [the plan](https://example.com)\n2. eggs")).toBe("the plan eggs");
  });
});

describe("the link a message is previewed by (src/protocol/message-text.ts firstLink)", () => {
  test("the first http(s) link, bare or named, never one inside code, without trailing punctuation", () => {
    expect(firstLink("see https://example.com/a, and https://example.com/b")).toBe("https://example.com/a");
    expect(firstLink("(www.example.org/path).")).toBe("https://www.example.org/path");
    expect(firstLink("read [the guide](http://example.net/guide) first")).toBe("http://example.net/guide");
    expect(firstLink("`https://in.code/x` then https://after.code/y")).toBe("https://after.code/y");
    expect(firstLink("```\nhttps://in.block/\n``` nothing else")).toBeNull();
    for (const none of ["no link here", "ftp://example.com/file", "javascript:alert(1)", "mailto:a@b.c", "http://"])
      expect(firstLink(none)).toBeNull();
    expect(firstLink(`https://example.com/${"a".repeat(2100)}`)).toBeNull();
  });

  test("whatever the text, it gives an http or https URL that parses, or nothing", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.constantFrom("", "https://", "http://", "www.", "[x](http://"),
        (t, pre) => {
          const link = firstLink(pre + t);
          if (link === null) return;
          expect(/^https?:\/\//i.test(link)).toBe(true);
          expect(() => new URL(link)).not.toThrow();
        },
      ),
      { numRuns: 500 },
    );
  });
});
