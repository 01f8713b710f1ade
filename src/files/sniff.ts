// What a file really is, judged by its first bytes, never by its name or the type the client claimed.
import { stripHiddenCharacters } from "../lib/text-policy.ts";

const ascii = (b: Uint8Array, at: number, s: string) => [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** Types that browsers may show inline from our origin without any risk: plain raster images. */
export const SAFE_INLINE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

export function sniffType(head: Uint8Array): string {
  const b = head;
  if (b[0] === 0x89 && ascii(b, 1, "PNG\r\n")) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return "image/gif";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return "image/webp";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WAVE")) return "audio/wav";
  if (ascii(b, 0, "%PDF-")) return "application/pdf";
  if (ascii(b, 0, "PK\x03\x04")) return "application/zip";
  if (ascii(b, 4, "ftyp"))
    return ascii(b, 8, "M4A ") ? "audio/mp4" : ascii(b, 8, "qt  ") ? "video/quicktime" : "video/mp4";
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return webmType(b);
  if (ascii(b, 0, "OggS")) return "audio/ogg";
  if (ascii(b, 0, "ID3") || (b[0] === 0xff && (b[1]! & 0xe0) === 0xe0)) return "audio/mpeg";
  if (ascii(b, 0, "fLaC")) return "audio/flac";
  // Text: markup that a browser would run is named for what it is, so it is never served inline.
  const text = new TextDecoder("utf-8", { fatal: false })
    .decode(b.slice(0, 1024))
    .replace(/^\uFEFF/, "")
    .trimStart()
    .toLowerCase();
  if (/^<\?xml[^>]*>\s*(<!--[\s\S]*?-->\s*)*<svg\b/.test(text) || text.startsWith("<svg")) return "image/svg+xml";
  if (/^(<!--[\s\S]*?-->\s*)*<(!doctype html|html|head|body|script)\b/.test(text)) return "text/html";
  if (isText(b)) return "text/plain";
  return "application/octet-stream";
}

/**
 * WebM (Matroska): audio alone (a voice note as browsers record it) when its tracks, described near the
 * start, name only audio codecs (A_OPUS, A_VORBIS); video otherwise.
 */
function webmType(b: Uint8Array): string {
  const head = new TextDecoder("latin1").decode(b);
  return /A_(?:OPUS|VORBIS)/.test(head) && !/V_[A-Z0-9]/.test(head) ? "audio/webm" : "video/webm";
}

function isText(b: Uint8Array): boolean {
  if (b.includes(0)) return false;
  // The sample may end inside a character: drop up to three trailing bytes before judging.
  for (let cut = 0; cut < 4 && cut <= b.length; cut++) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(b.slice(0, b.length - cut));
      return true;
    } catch {}
  }
  return false;
}
/**
 * A file name that is safe to store and to hand back: no path, no control characters, no leading dots,
 * at most 200 characters; "file" when nothing is left.
 */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  // Bidi overrides and zero-width characters go too: "invoice\u202Efdp.exe" must not read as a PDF.
  const clean = stripHiddenCharacters(base.normalize("NFC"))
    .replace(/["<>:|?*]/g, "")
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  // By code point, so a cut never leaves half a surrogate pair.
  return [...clean].slice(0, 200).join("") || "file";
}
