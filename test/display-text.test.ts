// How the web app writes sizes, initials, "last seen" and links for others, without a browser.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatSize } from "../src/protocol/sizes.ts";
import { callDuration, callLine, lastSeenText } from "../web/src/app/format.ts";
import { initials } from "../web/src/ui/avatar.tsx";
import { addresses, chosenOrigin, shareable, shareOrigin } from "../web/src/app/share-links.ts";

describe("sizes", () => {
  test.each([
    [0, "0 bytes"],
    [1, "1 byte"],
    [1023, "1023 bytes"],
    [1024, "1 KB"],
    [1536, "1.5 KB"],
    [100 * 1024 * 1024, "100 MB"],
    [104857600, "100 MB"],
    [2 * 1024 ** 3, "2 GB"],
    [1024 * 1024 - 1, "1 MB"],
    [5 * 1024 ** 4, "5 TB"],
  ])("%d bytes read as %s", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test("never more than three digits before the unit, and never a trailing .0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
        const text = formatSize(n);
        expect(text).toMatch(/^(\d{1,4} bytes?|\d{1,3}(\.\d)? [KMGT]B|\d+ TB)$/);
        expect(text).not.toContain(".0 ");
      }),
    );
  });
});

describe("initials", () => {
  test.each([
    ["Ana Admin", "AA"],
    ["Cleo", "C"],
    ["Mary Ann van der Berg", "MB"],
    ["🎉 Party crew", "PC"],
    ["🎉Party", "P"],
    ["Weekend trip 🏕️", "WT"],
    ["🎉🎉", "🎉"],
    ["   ", "?"],
    ["élodie Ünal", "ÉÜ"],
  ])("%s → %s", (name, expected) => {
    expect(initials(name)).toBe(expected);
  });
});

describe("last seen", () => {
  const now = new Date(2026, 11, 1, 15, 0);
  test("today, yesterday, a weekday, then a date", () => {
    expect(lastSeenText(new Date(2026, 11, 1, 9, 14).toISOString(), now)).toMatch(/^today at /);
    expect(lastSeenText(new Date(2026, 10, 30, 22, 3).toISOString(), now)).toMatch(/^yesterday at /);
    expect(lastSeenText(new Date(2026, 10, 27, 8, 0).toISOString(), now)).toMatch(/ at /);
    expect(lastSeenText(new Date(2026, 9, 2, 8, 0).toISOString(), now)).not.toContain(" at ");
  });
});

describe("links for others", () => {
  test("a link that names this machine by loopback takes the page's address when that one is not loopback", () => {
    expect(shareOrigin("http://localhost:8080", "http://192.0.2.20:8080")).toBe("http://192.0.2.20:8080");
    expect(shareOrigin("http://localhost:8080", "https://chat.example.com")).toBe("https://chat.example.com");
  });

  test("a public URL is kept as it is, whatever the page's address", () => {
    expect(shareOrigin("https://chat.example.com", "http://localhost:8080")).toBe("https://chat.example.com");
  });

  test("opened on this machine, links take the admin's pick of its addresses, else the first", () => {
    addresses.value = {
      publicUrl: "http://localhost:8080",
      publicUrlConfigured: false,
      localOnly: false,
      hostname: "pi",
      origins: ["http://192.0.2.20:8080", "http://198.51.100.7:8080"],
    };
    expect(shareOrigin("http://localhost:8080", "http://127.0.0.1:8080")).toBe("http://192.0.2.20:8080");
    chosenOrigin.value = "http://198.51.100.7:8080";
    expect(shareOrigin("http://localhost:8080", "http://[::1]:8080")).toBe("http://198.51.100.7:8080");
    chosenOrigin.value = null;
    addresses.value = null;
    // With nothing better known, the link stays as the server made it.
    expect(shareOrigin("http://localhost:8080", "http://localhost:8080")).toBe("http://localhost:8080");
  });

  test("only the origin changes: path, query and fragment stay", () => {
    expect(shareable("http://localhost:8080/register?invite=abc#x", "http://192.0.2.20:8080")).toBe(
      "http://192.0.2.20:8080/register?invite=abc#x",
    );
  });
});

describe("calls in the history", () => {
  const at = (min: number) => new Date(Date.UTC(2026, 11, 1, 10, min)).toISOString();
  const call = (over: object = {}) => ({
    media: "audio" as const,
    startedBy: "ana",
    startedAt: at(0),
    endedAt: at(12),
    answered: true,
    participants: 3,
    ...over,
  });
  test("an answered call says how long and, in a group, how many", () => {
    expect(callLine(call(), { myId: "ben", direct: false })).toBe("Call · 12 min · 3 people");
    expect(callLine(call({ media: "video", endedAt: at(0) }), { myId: "ben", direct: true })).toBe(
      "Video call · less than a minute",
    );
    expect(callDuration(65 * 60_000)).toBe("1 h 5 min");
    expect(callDuration(120 * 60_000)).toBe("2 h");
  });
  test("one nobody answered is missed for the others and not answered for the caller", () => {
    expect(callLine(call({ answered: false }), { myId: "ben", direct: true })).toBe("Missed call");
    expect(callLine(call({ answered: false, media: "video" }), { myId: "ana", direct: true })).toBe(
      "Video call not answered",
    );
  });
});
