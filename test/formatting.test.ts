// The composer's formatting (web/src/app/formatting.ts): what each button and shortcut writes, and that what
// it writes is what the message then shows (markdown.ts).
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { applyFormat, formatForKey, type Format } from "../web/src/app/formatting.ts";
import { parseMessage } from "../web/src/app/markdown.ts";

/** "a [b] c": the selection between the brackets. */
function apply(format: Format, marked: string): string {
  const start = marked.indexOf("[");
  const end = marked.indexOf("]") - 1;
  const r = applyFormat(format, marked.replace("[", "").replace("]", ""), start, end);
  return `${r.value.slice(0, r.start)}[${r.value.slice(r.start, r.end)}]${r.value.slice(r.end)}`;
}

describe("formatting the selection", () => {
  test("bold, italic and code wrap the words (spaces at the edges stay out), and again unwrap them", () => {
    expect(apply("bold", "say [hello ]now")).toBe("say **[hello]** now");
    expect(apply("bold", "say **[hello]** now")).toBe("say [hello] now");
    expect(apply("italic", "[]")).toBe("_[]_");
    expect(apply("code", "run [npm test] first")).toBe("run `[npm test]` first");
    expect(apply("code", "see:[a\nb]")).toBe("see:\n```\n[a\nb]\n```");
  });

  test("a link takes the words and selects the address to type; a selected address becomes the link", () => {
    expect(apply("link", "read [the plan]")).toBe("read [the plan]([https://])");
    expect(apply("link", "[https://example.com/x]")).toBe("[[]](https://example.com/x)");
    expect(apply("link", "[]")).toBe("[link]([https://])");
  });

  test("a list and a quote mark every line the selection touches, and unmark them when all are marked", () => {
    expect(apply("list", "To buy:\nmi[lk\neg]gs")).toBe("To buy:\n[- milk\n- eggs]");
    expect(apply("list", "[- milk\n- eggs]")).toBe("[milk\neggs]");
    expect(apply("quote", "he said[]")).toBe("[> he said]");
  });

  test("what bold writes shows bold, whatever the words", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z ]{0,20}[a-z]$/), (words) => {
        const r = applyFormat("bold", words, 0, words.length);
        const [p] = parseMessage(r.value);
        expect(p).toEqual({ t: "p", c: [{ t: "b", c: [{ t: "text", v: words }] }] });
      }),
    );
  });

  test("the shortcuts are Slack's; other keys are left alone", () => {
    const key = (code: string, shiftKey = false, mod: "ctrlKey" | "metaKey" = "ctrlKey") =>
      formatForKey({ ctrlKey: false, metaKey: false, altKey: false, shiftKey, code, [mod]: true });
    expect([key("KeyB"), key("KeyI", false, "metaKey"), key("KeyC", true), key("KeyU", true)]).toEqual([
      "bold",
      "italic",
      "code",
      "link",
    ]);
    expect([key("Digit8", true), key("Digit9", true)]).toEqual(["list", "quote"]);
    expect([key("KeyK"), key("KeyC"), key("KeyV")]).toEqual([null, null, null]);
    expect(formatForKey({ ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, code: "KeyB" })).toBeNull();
  });
});
