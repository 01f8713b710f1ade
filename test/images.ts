// Test pictures made on the spot: a JPEG with the metadata a phone camera writes (orientation, GPS,
// a description, XMP), encoded with the same Squoosh codecs the server uses for decoding.
import encodeJpeg, { init as initJpegEncoder } from "@jsquash/jpeg/encode";
import { decodeImage } from "../src/files/image-codecs.ts";

let ready: Promise<void> | undefined;
const encoder = () =>
  (ready ??= (async () => {
    const path = Bun.resolveSync("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm", import.meta.dir);
    await initJpegEncoder(new WebAssembly.Module(await Bun.file(path).arrayBuffer()));
  })());

/**
 * Left half red, right half blue: after a quarter turn (orientation 6) red is on top. With `grain`, every
 * pixel varies a little, so the JPEG is as large and as slow to decode as a real photo.
 */
export async function twoColourJpeg(width: number, height: number, grain = false): Promise<Uint8Array> {
  await encoder();
  const data = new Uint8ClampedArray(width * height * 4);
  let seed = 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const n = grain ? ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) / 4 - 32 : 0;
      data.set(x < width / 2 ? [220 + n, 30 + n, 30 + n, 255] : [30 + n, 30 + n, 220 + n, 255], i);
    }
  }
  return new Uint8Array(await encodeJpeg({ data, width, height, colorSpace: "srgb" } as ImageData, { quality: 90 }));
}

export const SECRET_PLACE = "Home at 52.5200N 13.4050E";

/** A big-endian TIFF: IFD0 with Orientation, ImageDescription and a GPS IFD (latitude ref "N"). */
function cameraExif(orientation: number): Uint8Array {
  const text = new TextEncoder().encode(SECRET_PLACE + "\0");
  const ifd0 = 8;
  const entries = 3;
  const gpsIfd = ifd0 + 2 + entries * 12 + 4;
  const textAt = gpsIfd + 2 + 12 + 4;
  const out = new Uint8Array(textAt + text.length);
  const v = new DataView(out.buffer);
  out.set([0x4d, 0x4d, 0, 42]);
  v.setUint32(4, ifd0);
  v.setUint16(ifd0, entries);
  const entry = (at: number, tag: number, type: number, count: number, value: number, short = false) => {
    v.setUint16(at, tag);
    v.setUint16(at + 2, type);
    v.setUint32(at + 4, count);
    if (short) v.setUint16(at + 8, value);
    else v.setUint32(at + 8, value);
  };
  entry(ifd0 + 2, 0x0112, 3, 1, orientation, true);
  entry(ifd0 + 14, 0x010e, 2, text.length, textAt);
  entry(ifd0 + 26, 0x8825, 4, 1, gpsIfd);
  v.setUint16(gpsIfd, 1);
  v.setUint16(gpsIfd + 2, 1); // GPSLatitudeRef
  v.setUint16(gpsIfd + 4, 2);
  v.setUint32(gpsIfd + 6, 2);
  out.set([0x4e, 0], gpsIfd + 10); // "N"
  out.set(text, textAt);
  return out;
}

function segment(marker: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out.set([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
  out.set(body, 4);
  return out;
}

/** A photo as a phone stores it: sideways pixels, orientation 6, where it was taken in EXIF and XMP. */
export async function phonePhoto(width = 800, height = 600, grain = false): Promise<Uint8Array<ArrayBuffer>> {
  const jpeg = await twoColourJpeg(width, height, grain);
  const enc = new TextEncoder();
  const exif = segment(0xe1, new Uint8Array([...enc.encode("Exif\0\0"), ...cameraExif(6)]));
  const xmp = segment(
    0xe1,
    enc.encode(
      `http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>${SECRET_PLACE}</exif:GPSLatitude></x:xmpmeta>`,
    ),
  );
  return new Uint8Array([...jpeg.subarray(0, 2), ...exif, ...xmp, ...jpeg.subarray(2)]);
}

export const contains = (haystack: Uint8Array, needle: string) => Buffer.from(haystack).includes(Buffer.from(needle));

/** The colour at (x, y) of a decoded image, as [r, g, b]. */
export async function pixelAt(type: "image/webp" | "image/jpeg", bytes: Uint8Array, x: number, y: number) {
  const image = await decodeImage(type, bytes);
  const i = (y * image.width + x) * 4;
  return { width: image.width, height: image.height, rgb: [...image.data.subarray(i, i + 3)] };
}
