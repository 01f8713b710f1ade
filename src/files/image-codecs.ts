// Image decoding and encoding with the Squoosh codecs compiled to WebAssembly (@jsquash/*): the same bytes
// run on x64 and arm64, need no system libraries, and are embedded in the compiled executable
// (`with { type: "file" }` makes `bun build --compile` carry each .wasm inside it). Native image libraries
// were ruled out: they ship per-platform shared objects that an executable cannot carry for another CPU.
// Measured in docs/performance.md ("Images").
import mozjpegDecoder from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import webpDecoder from "@jsquash/webp/codec/dec/webp_dec.js";
import webpEncoder from "@jsquash/webp/codec/enc/webp_enc.js";
import { defaultOptions as webpDefaults } from "@jsquash/webp/meta.js";
import { initSync as initPng, decode as decodePngWasm } from "@jsquash/png/codec/pkg/squoosh_png.js";
import jpegDecWasm from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm" with { type: "file" };
import webpDecWasm from "@jsquash/webp/codec/dec/webp_dec.wasm" with { type: "file" };
import webpEncWasm from "@jsquash/webp/codec/enc/webp_enc.wasm" with { type: "file" };
// @ts-expect-error the package types this .wasm as a module; the file loader makes it a path like the others.
import pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm" with { type: "file" };

/** Pixels as RGBA, 4 bytes each, row by row. */
export interface Bitmap {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

// The codecs build their results with the browser's ImageData, which a server runtime does not have.
(globalThis as { ImageData?: unknown }).ImageData ??= class ImageData {
  constructor(
    public data: Uint8ClampedArray,
    public width: number,
    public height: number,
  ) {}
};

type Emscripten = {
  decode(b: ArrayBuffer | Uint8Array, ...rest: unknown[]): Bitmap | null;
  encode(d: Uint8ClampedArray, w: number, h: number, o: object): Uint8Array | null;
};
type Factory = (opts: object) => Promise<Emscripten>;

async function compile(path: string): Promise<WebAssembly.Module> {
  return new WebAssembly.Module(await Bun.file(path).arrayBuffer());
}

/**
 * A fresh instance of an Emscripten codec for each image: wasm memory only ever grows, so an instance
 * kept after a 24-megapixel photo would hold on to hundreds of megabytes. Compiling happens once.
 */
function emscripten(factory: unknown, wasmPath: string): () => Promise<Emscripten> {
  let compiled: Promise<WebAssembly.Module> | undefined;
  return async () => {
    const module = await (compiled ??= compile(wasmPath));
    return (factory as Factory)({
      noInitialRun: true,
      instantiateWasm(imports: WebAssembly.Imports, done: (i: WebAssembly.Instance) => void) {
        const instance = new WebAssembly.Instance(module, imports);
        done(instance);
        return instance.exports;
      },
    });
  };
}

const jpegDecoder = emscripten(mozjpegDecoder, jpegDecWasm);
const webpDec = emscripten(webpDecoder, webpDecWasm);
const webpEnc = emscripten(webpEncoder, webpEncWasm);
let pngReady: Promise<unknown> | undefined;

export type DecodableType = "image/jpeg" | "image/png" | "image/webp";
export const DECODABLE = new Set<string>(["image/jpeg", "image/png", "image/webp"]);

export async function decodeImage(type: DecodableType, bytes: Uint8Array): Promise<Bitmap> {
  let out: Bitmap | null | undefined;
  if (type === "image/jpeg") out = (await jpegDecoder()).decode(bytes, false);
  else if (type === "image/webp") out = (await webpDec()).decode(bytes);
  else {
    await (pngReady ??= compile(pngWasm).then((module) => initPng(module)));
    out = decodePngWasm(bytes) as Bitmap;
  }
  if (!out || !out.width || !out.height) throw new Error("The image could not be decoded.");
  return { width: out.width, height: out.height, data: out.data };
}

export async function encodeWebp(image: Bitmap, quality = 78): Promise<Uint8Array> {
  const out = (await webpEnc()).encode(image.data, image.width, image.height, { ...webpDefaults, quality });
  if (!out) throw new Error("The image could not be encoded.");
  return new Uint8Array(out);
}
