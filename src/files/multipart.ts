// Reads one file out of a multipart/form-data body as it streams in, without holding the body in
// memory: the file's bytes go to `sink` chunk by chunk, and the reader stops (and says so) as soon as
// the file passes `maxBytes`. Other fields are skipped.
import { AppError } from "../lib/errors.ts";
import { formatSize } from "../protocol/sizes.ts";

export interface FilePart {
  field: string;
  /** The file name the client gave (unsanitized: see safeFileName). */
  filename: string;
  /** The type the client claimed; the server detects the real one from the bytes. */
  claimedType: string;
  size: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The boundary from a Content-Type header, or a 415/400 error. */
export function boundaryOf(contentType: string | undefined): string {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType))
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as multipart/form-data.");
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  if (!m) throw new AppError("BAD_REQUEST", "The multipart body has no boundary.");
  return (m[1] ?? m[2])!;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  outer: for (
    let i = hay.indexOf(first!, from);
    i !== -1 && i <= hay.length - needle.length;
    i = hay.indexOf(first!, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Streams the part named `field` (a file) into `sink`. Throws PAYLOAD_TOO_LARGE once it passes
 * maxBytes, BAD_REQUEST when the body ends early or has no such part. The caller cleans up on throw.
 */
export async function readFilePart(
  body: ReadableStream<Uint8Array>,
  boundary: string,
  field: string,
  maxBytes: number,
  sink: (chunk: Uint8Array) => void | Promise<void>,
): Promise<FilePart> {
  const delimiter = enc.encode(`\r\n--${boundary}`);
  const reader = body.getReader();
  // A leading CRLF makes the first boundary look like all the others.
  let buf: Uint8Array = enc.encode("\r\n");
  let state: "preamble" | "headers" | "body" | "skip" = "preamble";
  let part: FilePart | null = null;
  let done = false;
  const more = async (): Promise<boolean> => {
    if (done) return false;
    const r = await reader.read();
    if (r.done) return !(done = true);
    buf = concat(buf, r.value);
    return true;
  };
  try {
    for (;;) {
      if (state === "preamble" || state === "skip") {
        const at = indexOf(buf, delimiter);
        if (at === -1) {
          // Keep what could be the start of a delimiter split across chunks.
          buf = buf.slice(Math.max(0, buf.length - delimiter.length));
          if (!(await more())) throw new AppError("BAD_REQUEST", `The body has no "${field}" file.`);
          continue;
        }
        // After a delimiter: "--" ends the body, CRLF starts a part's headers.
        while (buf.length < at + delimiter.length + 2)
          if (!(await more())) throw new AppError("BAD_REQUEST", "The multipart body ends early.");
        const tail = dec.decode(buf.slice(at + delimiter.length, at + delimiter.length + 2));
        if (tail === "--") throw new AppError("BAD_REQUEST", `The body has no "${field}" file.`);
        buf = buf.slice(at + delimiter.length + 2);
        state = "headers";
      } else if (state === "headers") {
        const end = indexOf(buf, enc.encode("\r\n\r\n"));
        if (end === -1) {
          if (buf.length > 16 * 1024) throw new AppError("BAD_REQUEST", "A part's headers are too long.");
          if (!(await more())) throw new AppError("BAD_REQUEST", "The multipart body ends early.");
          continue;
        }
        const headers = dec.decode(buf.slice(0, end));
        buf = buf.slice(end + 4);
        const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers)?.[1] ?? "";
        const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
        const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
        if (name === field && filename !== undefined) {
          part = {
            field,
            filename,
            claimedType: /^content-type:\s*([^\r\n;]+)/im.exec(headers)?.[1]?.trim() ?? "application/octet-stream",
            size: 0,
          };
          state = "body";
        } else state = "skip";
      } else {
        const at = indexOf(buf, delimiter);
        const safe = at === -1 ? Math.max(0, buf.length - delimiter.length) : at;
        if (safe > 0) {
          part!.size += safe;
          if (part!.size > maxBytes)
            throw new AppError("PAYLOAD_TOO_LARGE", `Files may be at most ${formatSize(maxBytes)}.`);
          await sink(buf.slice(0, safe));
          buf = buf.slice(safe);
        }
        if (at !== -1) return part!;
        if (!(await more())) throw new AppError("BAD_REQUEST", "The upload ended before the file did.");
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
