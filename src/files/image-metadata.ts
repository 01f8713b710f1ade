// Reading an image's size and orientation from its header, and removing the metadata a photo carries
// about where it was taken, without decoding or re-encoding it: the pixels stay byte for byte.
// Everything but orientation goes (EXIF with its GPS block, XMP, IPTC, comments): camera details and
// timestamps are as personal as the place. Orientation is written back so the photo stays upright.

export interface ImageHeader {
  /** As stored, before orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1–8; 1 is upright. */
  orientation: number;
}

const ascii = (b: Uint8Array, at: number, s: string) => [...s].every((ch, i) => b[at + i] === ch.charCodeAt(0));
const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32be = (b: Uint8Array, at: number) =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32le = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** Width and height as displayed, with orientations 5–8 (quarter turns) swapping them. */
export function displaySize(h: ImageHeader): { width: number; height: number } {
  return h.orientation >= 5 ? { width: h.height, height: h.width } : { width: h.width, height: h.height };
}

/** The orientation in an EXIF (TIFF) block, 1 when absent or unreadable. */
export function exifOrientation(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const le = ascii(tiff, 0, "II");
  if (!le && !ascii(tiff, 0, "MM")) return 1;
  const r16 = (at: number) => (le ? u16le(tiff, at) : u16be(tiff, at));
  const r32 = (at: number) => (le ? u32le(tiff, at) : u32be(tiff, at));
  const ifd = r32(4);
  if (ifd + 2 > tiff.length) return 1;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    if (r16(entry) === 0x0112) {
      const value = r16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** A TIFF block holding nothing but the orientation. */
function orientationOnlyExif(orientation: number): Uint8Array {
  // "MM", 42, first IFD at 8; one entry: tag 0x0112, type SHORT (3), count 1, value; no next IFD.
  return new Uint8Array([
    0x4d,
    0x4d,
    0,
    42,
    0,
    0,
    0,
    8,
    0,
    1,
    0x01,
    0x12,
    0,
    3,
    0,
    0,
    0,
    1,
    0,
    orientation,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
}

// ---- JPEG ----

interface JpegSegment {
  marker: number;
  start: number;
  end: number;
}

/** The marker segments before the image data; null when the file is not a well-formed JPEG. */
function jpegSegments(b: Uint8Array): { segments: JpegSegment[]; scanStart: number } | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  const segments: JpegSegment[] = [];
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = u16be(b, at + 2);
    if (length < 2 || at + 2 + length > b.length) return null;
    if (marker === 0xda) return { segments, scanStart: at };
    segments.push({ marker, start: at, end: at + 2 + length });
    at += 2 + length;
  }
  return null;
}

const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const EXIF_ID = "Exif\0\0";

function jpegHeader(b: Uint8Array): ImageHeader | null {
  const parsed = jpegSegments(b);
  if (!parsed) return null;
  let orientation = 1;
  let size: { width: number; height: number } | null = null;
  for (const s of parsed.segments) {
    if (s.marker === 0xe1 && ascii(b, s.start + 4, EXIF_ID))
      orientation = exifOrientation(b.subarray(s.start + 10, s.end));
    if (isSof(s.marker) && s.end - s.start >= 9) size = { height: u16be(b, s.start + 5), width: u16be(b, s.start + 7) };
  }
  return size && size.width && size.height ? { ...size, orientation } : null;
}

/** Segments that say who, where and when: EXIF and XMP (APP1), IPTC (APP13), comments. */
const isPersonal = (m: number) => m === 0xe1 || m === 0xed || m === 0xfe;

function stripJpeg(b: Uint8Array): Uint8Array | null {
  const parsed = jpegSegments(b);
  if (!parsed || !parsed.segments.some((s) => isPersonal(s.marker))) return null;
  const orientation = jpegHeader(b)?.orientation ?? 1;
  const parts: Uint8Array[] = [b.subarray(0, 2)];
  let exifPlaced = orientation === 1;
  const placeExif = () => {
    const tiff = orientationOnlyExif(orientation);
    const seg = new Uint8Array(4 + 6 + tiff.length);
    seg.set([0xff, 0xe1, (seg.length - 2) >> 8, (seg.length - 2) & 0xff]);
    seg.set(new TextEncoder().encode(EXIF_ID), 4);
    seg.set(tiff, 10);
    parts.push(seg);
    exifPlaced = true;
  };
  for (const s of parsed.segments) {
    // The new EXIF block goes right after JFIF's APP0 (which must come first), or first of all.
    if (!exifPlaced && s.marker !== 0xe0) placeExif();
    if (!isPersonal(s.marker)) parts.push(b.subarray(s.start, s.end));
  }
  if (!exifPlaced) placeExif();
  parts.push(b.subarray(parsed.scanStart));
  return concat(parts);
}

// ---- PNG ----

function pngChunks(b: Uint8Array): { type: string; start: number; end: number }[] | null {
  if (!(b[0] === 0x89 && ascii(b, 1, "PNG\r\n\x1a\n"))) return null;
  const chunks = [];
  let at = 8;
  while (at + 12 <= b.length) {
    const length = u32be(b, at);
    const end = at + 12 + length;
    if (end > b.length) return null;
    const type = String.fromCharCode(...b.subarray(at + 4, at + 8));
    chunks.push({ type, start: at, end });
    at = end;
    if (type === "IEND") return chunks;
  }
  return null;
}

const PNG_PERSONAL = new Set(["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]);

function pngHeader(b: Uint8Array): ImageHeader | null {
  const chunks = pngChunks(b);
  if (!chunks || chunks[0]?.type !== "IHDR") return null;
  const exif = chunks.find((c) => c.type === "eXIf");
  return {
    width: u32be(b, 16),
    height: u32be(b, 20),
    orientation: exif ? exifOrientation(b.subarray(exif.start + 8, exif.end - 4)) : 1,
  };
}

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, Bun.hash.crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function stripPng(b: Uint8Array): Uint8Array | null {
  const chunks = pngChunks(b);
  if (!chunks || !chunks.some((c) => PNG_PERSONAL.has(c.type))) return null;
  const orientation = pngHeader(b)?.orientation ?? 1;
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  for (const c of chunks) {
    if (!PNG_PERSONAL.has(c.type)) parts.push(b.subarray(c.start, c.end));
    if (c.type === "IHDR" && orientation !== 1) parts.push(pngChunk("eXIf", orientationOnlyExif(orientation)));
  }
  return concat(parts);
}

// ---- WebP ----

function webpChunks(b: Uint8Array): { type: string; start: number; end: number }[] | null {
  if (!ascii(b, 0, "RIFF") || !ascii(b, 8, "WEBP")) return null;
  const chunks = [];
  let at = 12;
  while (at + 8 <= b.length) {
    const size = u32le(b, at + 4);
    const end = at + 8 + size + (size & 1);
    if (at + 8 + size > b.length) return null;
    chunks.push({ type: String.fromCharCode(...b.subarray(at, at + 4)), start: at, end: Math.min(end, b.length) });
    at = end;
  }
  return chunks;
}

function webpHeader(b: Uint8Array): ImageHeader | null {
  const chunks = webpChunks(b);
  if (!chunks?.length) return null;
  const exif = chunks.find((c) => c.type === "EXIF");
  const orientation = exif ? exifOrientation(b.subarray(exif.start + 8, exif.end)) : 1;
  const first = chunks[0]!;
  const d = first.start + 8;
  if (first.type === "VP8X") return { width: u24le(b, d + 4) + 1, height: u24le(b, d + 7) + 1, orientation };
  if (first.type === "VP8 ") return { width: u16le(b, d + 6) & 0x3fff, height: u16le(b, d + 8) & 0x3fff, orientation };
  if (first.type === "VP8L" && b[d] === 0x2f) {
    const bits = u32le(b, d + 1);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1, orientation };
  }
  return null;
}

function stripWebp(b: Uint8Array): Uint8Array | null {
  const chunks = webpChunks(b);
  if (!chunks || !chunks.some((c) => c.type === "EXIF" || c.type === "XMP ")) return null;
  const orientation = webpHeader(b)?.orientation ?? 1;
  const parts: Uint8Array[] = [];
  for (const c of chunks) {
    if (c.type === "XMP ") continue;
    if (c.type === "EXIF") {
      if (orientation !== 1) {
        const tiff = orientationOnlyExif(orientation);
        const chunk = new Uint8Array(8 + tiff.length);
        chunk.set(new TextEncoder().encode("EXIF"));
        new DataView(chunk.buffer).setUint32(4, tiff.length, true);
        chunk.set(tiff, 8);
        parts.push(chunk);
      }
      continue;
    }
    const copy = b.slice(c.start, c.end);
    // VP8X announces which metadata follows: EXIF (0x08) only if kept, XMP (0x04) never.
    if (c.type === "VP8X") copy[8] = (copy[8]! & ~0x0c) | (orientation !== 1 ? 0x08 : 0);
    parts.push(copy);
  }
  const body = concat(parts);
  const out = new Uint8Array(12 + body.length);
  out.set(b.subarray(0, 12));
  new DataView(out.buffer).setUint32(4, 4 + body.length, true);
  out.set(body, 12);
  return out;
}

// ----

export function readImageHeader(type: string, b: Uint8Array): ImageHeader | null {
  switch (type) {
    case "image/jpeg":
      return jpegHeader(b);
    case "image/png":
      return pngHeader(b);
    case "image/webp":
      return webpHeader(b);
    case "image/gif":
      return b.length >= 10 ? { width: u16le(b, 6), height: u16le(b, 8), orientation: 1 } : null;
    default:
      return null;
  }
}

/** The same image without location and camera metadata; null when there is none (or it is not parseable). */
export function stripMetadata(type: string, b: Uint8Array): Uint8Array | null {
  switch (type) {
    case "image/jpeg":
      return stripJpeg(b);
    case "image/png":
      return stripPng(b);
    case "image/webp":
      return stripWebp(b);
    default:
      return null;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
