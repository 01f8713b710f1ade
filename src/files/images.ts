// Previews and avatars: decode, turn upright, scale down, encode as WebP. One image at a time, so a burst
// of photo uploads on a Raspberry Pi costs one decoded photo's memory, not twenty.
import { decodeImage, encodeWebp, DECODABLE, type Bitmap, type DecodableType } from "./image-codecs.ts";
import { displaySize, readImageHeader } from "./image-metadata.ts";

/** Thumbnails fit in this box; avatars are this side's square. */
export const THUMB_BOX = 480;
export const AVATAR_SIDE = 256;
/**
 * Larger images get no preview (the original still opens): decoding costs about 16 bytes a pixel at the
 * peak, so this keeps one upload under 600 MB even on a Raspberry Pi (docs/performance.md, "Images").
 */
const MAX_PIXELS = 36_000_000;

let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => {});
  return run;
}

/** Applies an EXIF orientation (1–8) to the pixels. */
export function orient(src: Bitmap, orientation: number): Bitmap {
  if (orientation <= 1 || orientation > 8) return src;
  const { width: w, height: h } = src;
  const swap = orientation >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8ClampedArray(W * H * 4);
  const s32 = new Uint32Array(src.data.buffer, src.data.byteOffset, w * h);
  const d32 = new Uint32Array(out.buffer);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let X: number, Y: number;
      switch (orientation) {
        case 2:
          X = w - 1 - x;
          Y = y;
          break;
        case 3:
          X = w - 1 - x;
          Y = h - 1 - y;
          break;
        case 4:
          X = x;
          Y = h - 1 - y;
          break;
        case 5:
          X = y;
          Y = x;
          break;
        case 6:
          X = h - 1 - y;
          Y = x;
          break;
        case 7:
          X = h - 1 - y;
          Y = w - 1 - x;
          break;
        default:
          X = y;
          Y = w - 1 - x;
          break; // 8
      }
      d32[Y * W + X] = s32[y * w + x]!;
    }
  }
  return { width: W, height: H, data: out };
}

/** Area-average scaling of a region (sx, sy, sw, sh) to W×H: sharp and free of aliasing when shrinking. */
export function resize(
  src: Bitmap,
  W: number,
  H: number,
  region = { x: 0, y: 0, w: src.width, h: src.height },
): Bitmap {
  const out = new Uint8ClampedArray(W * H * 4);
  const fx = region.w / W;
  const fy = region.h / H;
  for (let Y = 0; Y < H; Y++) {
    const y0 = region.y + Y * fy;
    const y1 = y0 + fy;
    for (let X = 0; X < W; X++) {
      const x0 = region.x + X * fx;
      const x1 = x0 + fx;
      let r = 0,
        g = 0,
        b = 0,
        a = 0,
        total = 0;
      for (let y = Math.floor(y0); y < Math.min(Math.ceil(y1), src.height); y++) {
        const wy = Math.min(y + 1, y1) - Math.max(y, y0);
        for (let x = Math.floor(x0); x < Math.min(Math.ceil(x1), src.width); x++) {
          const wgt = wy * (Math.min(x + 1, x1) - Math.max(x, x0));
          const i = (y * src.width + x) * 4;
          // Weighted by alpha so transparent pixels do not darken the edges.
          const wa = wgt * src.data[i + 3]!;
          r += src.data[i]! * wa;
          g += src.data[i + 1]! * wa;
          b += src.data[i + 2]! * wa;
          a += wa;
          total += wgt;
        }
      }
      const o = (Y * W + X) * 4;
      if (a > 0) {
        out[o] = r / a;
        out[o + 1] = g / a;
        out[o + 2] = b / a;
      }
      out[o + 3] = total > 0 ? a / total : 0;
    }
  }
  return { width: W, height: H, data: out };
}

export interface ImageFacts {
  /** As displayed (orientation applied). */
  width: number;
  height: number;
  thumbnail: Uint8Array | null;
}

/**
 * Decodes, scales the pixels as stored so the longer upright side is at most `box` (or, with `cover`, the
 * shorter one is exactly `box`), then turns the small result upright: the full-size image is never copied.
 */
async function scaledUpright(
  type: DecodableType,
  bytes: Uint8Array,
  orientation: number,
  box: number,
  cover: boolean,
): Promise<Bitmap> {
  let decoded: Bitmap | null = await decodeImage(type, bytes);
  const { width, height } = decoded;
  const scale = cover ? box / Math.min(width, height) : Math.min(1, box / Math.max(width, height));
  const small = resize(decoded, Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)));
  decoded = null;
  // A photo's pixels are large and short-lived: give them back now rather than at the next idle moment.
  if (width * height > 4_000_000) Bun.gc(true);
  return orient(small, orientation);
}

/** Size and preview of an uploaded image; null when it is not an image we can read. */
export async function describeImage(type: string, bytes: Uint8Array): Promise<ImageFacts | null> {
  const header = readImageHeader(type, bytes);
  if (!header) return null;
  const { width, height } = displaySize(header);
  // Small images and animated GIFs are their own preview.
  if (!DECODABLE.has(type) || width * height > MAX_PIXELS || (width <= THUMB_BOX && height <= THUMB_BOX)) {
    return { width, height, thumbnail: null };
  }
  try {
    const thumbnail = await oneAtATime(async () =>
      encodeWebp(await scaledUpright(type as DecodableType, bytes, header.orientation, THUMB_BOX, false)),
    );
    return { width, height, thumbnail };
  } catch {
    return { width, height, thumbnail: null };
  }
}

/** A square avatar: the centre of the image, upright, AVATAR_SIDE pixels wide, as WebP. Null when unreadable. */
export async function makeAvatar(type: string, bytes: Uint8Array): Promise<Uint8Array | null> {
  const header = readImageHeader(type, bytes);
  if (!header || !DECODABLE.has(type) || header.width * header.height > MAX_PIXELS) return null;
  try {
    return await oneAtATime(async () => {
      const side = Math.min(AVATAR_SIDE, header.width, header.height);
      const upright = await scaledUpright(type as DecodableType, bytes, header.orientation, side, true);
      const region = {
        x: Math.floor((upright.width - side) / 2),
        y: Math.floor((upright.height - side) / 2),
        w: side,
        h: side,
      };
      return encodeWebp(resize(upright, side, side, region), 82);
    });
  } catch {
    return null;
  }
}

/**
 * A link preview's picture: always decoded and encoded again as WebP, at most THUMB_BOX on its longer side,
 * so nothing of the fetched file but its pixels reaches anyone. Null when it is not a JPEG, PNG or WebP
 * Parley can read, or too large to decode.
 */
export async function makePreviewPicture(
  type: string,
  bytes: Uint8Array,
): Promise<{ bytes: Uint8Array; width: number; height: number } | null> {
  const header = readImageHeader(type, bytes);
  if (!header || !DECODABLE.has(type) || header.width * header.height > MAX_PIXELS) return null;
  try {
    return await oneAtATime(async () => {
      const upright = await scaledUpright(type as DecodableType, bytes, header.orientation, THUMB_BOX, false);
      return { bytes: await encodeWebp(upright), width: upright.width, height: upright.height };
    });
  } catch {
    return null;
  }
}
