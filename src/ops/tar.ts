// Plain ustar archives, written entry by entry (backups and exports): `tar -xf` opens them anywhere.
import { renameSync, rmSync } from "node:fs";

export const BLOCK = 512;

/** A ustar header; names up to 100 characters (ours are short: files/ab/cd/<64 hex>). */
function header(name: string, size: number, mtime: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (text: string, at: number, len: number) => h.set(new TextEncoder().encode(text).subarray(0, len), at);
  put(name, 0, 100);
  put("0000600\0", 100, 8);
  put("0000000\0", 108, 8);
  put("0000000\0", 116, 8);
  put(size.toString(8).padStart(11, "0") + "\0", 124, 12);
  put(
    Math.floor(mtime / 1000)
      .toString(8)
      .padStart(11, "0") + "\0",
    136,
    12,
  );
  put("        ", 148, 8);
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

/**
 * Writes to `<path>.part` and takes the name asked for only when finished, so a cut-off run never leaves
 * something that looks like a complete archive; `discard` removes the partial file.
 */
export class TarWriter {
  private readonly sink;
  constructor(private readonly path: string) {
    this.sink = Bun.file(`${path}.part`).writer();
  }

  async add(name: string, bytes: Uint8Array, mtime = Date.now()): Promise<void> {
    this.sink.write(header(name, bytes.length, mtime));
    this.sink.write(bytes);
    await this.pad(bytes.length);
  }

  /** A stored file, streamed: a large video never sits whole in memory. Its size must be known up front. */
  async addBlob(name: string, blob: Blob, size: number, mtime = Date.now()): Promise<void> {
    this.sink.write(header(name, size, mtime));
    let written = 0;
    for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) {
      written += chunk.length;
      if (written > size) throw new Error(`${name} grew while it was archived`);
      this.sink.write(chunk);
      await this.sink.flush();
    }
    if (written !== size) throw new Error(`${name} is ${written} bytes, not the ${size} expected`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) this.sink.write(new Uint8Array(pad));
    await this.sink.flush();
  }

  async finish(): Promise<void> {
    this.sink.write(new Uint8Array(BLOCK * 2));
    await this.sink.end();
    renameSync(`${this.path}.part`, this.path);
  }

  discard(): void {
    rmSync(`${this.path}.part`, { force: true });
  }
}
