import { describe, expect, test } from "bun:test";
import { boundaryOf, readFilePart } from "../src/files/multipart.ts";
import { safeFileName, sniffType } from "../src/files/sniff.ts";
import { AppError } from "../src/lib/errors.ts";

const enc = new TextEncoder();
const B = "----parleyBoundary7MA4YWxk";

/** A multipart body as a browser sends it, split into chunks of `size` bytes; `pulled` counts what was read. */
function body(
  parts: { name: string; filename?: string; type?: string; data: Uint8Array | string }[],
  size: number,
  opts: { truncate?: number } = {},
) {
  const pieces: Uint8Array[] = [];
  for (const p of parts) {
    const disp = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ""}`;
    pieces.push(
      enc.encode(`--${B}\r\nContent-Disposition: ${disp}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`),
    );
    pieces.push(typeof p.data === "string" ? enc.encode(p.data) : p.data);
    pieces.push(enc.encode("\r\n"));
  }
  pieces.push(enc.encode(`--${B}--\r\n`));
  let all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    all.set(p, at);
    at += p.length;
  }
  if (opts.truncate) all = all.slice(0, opts.truncate);
  const state = { pulled: 0, total: all.length };
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (state.pulled >= all.length) return c.close();
      const chunk = all.slice(state.pulled, state.pulled + size);
      state.pulled += chunk.length;
      c.enqueue(chunk);
    },
  });
  return { stream, state };
}

async function read(stream: ReadableStream<Uint8Array>, max = 1 << 20) {
  const got: number[] = [];
  const part = await readFilePart(stream, B, "file", max, (c) => void got.push(...c));
  return { part, bytes: new Uint8Array(got) };
}

describe("reading a file from a streamed multipart body", () => {
  // Content that looks like a boundary in places: CRLFs, dashes, the boundary's own start.
  const tricky = enc.encode(`line one\r\n--${B.slice(0, 10)}\r\n\r\n--\r\nbinary:\u0000\u00ff end`);

  for (const size of [1, 3, 7, 64, 100_000]) {
    test(`gets exactly the file's bytes, skipping other fields, in chunks of ${size}`, async () => {
      const { stream } = body(
        [
          { name: "note", data: "not the file" },
          { name: "file", filename: "a.bin", type: "application/octet-stream", data: tricky },
          { name: "after", data: "ignored" },
        ],
        size,
      );
      const { part, bytes } = await read(stream);
      expect(part).toEqual({
        field: "file",
        filename: "a.bin",
        claimedType: "application/octet-stream",
        size: tricky.length,
      });
      expect(bytes).toEqual(tricky);
    });
  }

  test("stops as soon as the file passes the limit, long before the body is read", async () => {
    const big = new Uint8Array(2_000_000).fill(120);
    const { stream, state } = body([{ name: "file", filename: "big.txt", data: big }], 16 * 1024);
    const err = await read(stream, 100_000).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe("PAYLOAD_TOO_LARGE");
    expect(state.pulled).toBeLessThan(200_000);
  });

  test("a body that ends inside the file, or has no file, is refused", async () => {
    const full = body([{ name: "file", filename: "x", data: "0123456789" }], 5);
    const cut = body([{ name: "file", filename: "x", data: "0123456789" }], 5, { truncate: full.state.total - 20 });
    expect((await read(cut.stream).catch((e) => e)).code).toBe("BAD_REQUEST");
    expect((await read(body([{ name: "other", data: "x" }], 5).stream).catch((e) => e)).code).toBe("BAD_REQUEST");
    expect((await read(body([{ name: "file", data: "no filename: a field" }], 5).stream).catch((e) => e)).code).toBe(
      "BAD_REQUEST",
    );
  });

  test("the boundary comes from the Content-Type", () => {
    expect(boundaryOf(`multipart/form-data; boundary=${B}`)).toBe(B);
    expect(boundaryOf('multipart/form-data; boundary="quoted b"')).toBe("quoted b");
    expect(() => boundaryOf("application/json")).toThrow(AppError);
    expect(() => boundaryOf(undefined)).toThrow(AppError);
    expect(() => boundaryOf("multipart/form-data")).toThrow(/boundary/);
  });
});

describe("what a file is, by its bytes", () => {
  const bytes = (...parts: (string | number[])[]) =>
    new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...enc.encode(p)] : p)));
  test.each([
    [bytes([0x89], "PNG\r\n\x1a\n"), "image/png"],
    [bytes([0xff, 0xd8, 0xff, 0xe0]), "image/jpeg"],
    [bytes("GIF89a"), "image/gif"],
    [bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "), "image/webp"],
    [bytes("%PDF-1.7"), "application/pdf"],
    [bytes("PK", [3, 4]), "application/zip"],
    [bytes([0, 0, 0, 24], "ftypisom"), "video/mp4"],
    [bytes("OggS"), "audio/ogg"],
    [bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'), "image/svg+xml"],
    [bytes("  <SVG onload=alert(1)>"), "image/svg+xml"],
    [bytes("<!DOCTYPE html><script>alert(1)</script>"), "text/html"],
    [bytes("<!-- hi --><html>"), "text/html"],
    [bytes("Just some notes, ünïcode too."), "text/plain"],
    [bytes([0, 1, 2, 3, 250]), "application/octet-stream"],
  ])("%p is %s", (head, type) => {
    expect(sniffType(head)).toBe(type);
  });
});

describe("file names", () => {
  test.each([
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\ana\\photo.jpg", "photo.jpg"],
    ["\u0000evil\u0007.txt", "evil.txt"],
    ["...", "file"],
    [".hidden", "hidden"],
    ["", "file"],
    ['a"b<c>.png', "abc.png"],
    ["x".repeat(300), "x".repeat(200)],
    ["Café menu.pdf", "Café menu.pdf"],
  ])("%p becomes %p", (input, out) => {
    expect(safeFileName(input)).toBe(out);
  });
});
