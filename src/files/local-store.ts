// Files on the local disk under the data folder, named by the SHA-256 of their content: the same bytes
// uploaded twice are stored once. Uploads stream into a temporary file first and move into place only
// when complete, so an aborted or refused upload leaves nothing behind.
import { mkdirSync, renameSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { randomToken } from "../lib/ids.ts";

export interface Received<T> {
  sha256: string;
  size: number;
  /** The first bytes, for telling what the file is. */
  head: Uint8Array;
  result: T;
}

const HEAD_BYTES = 4096;

export class LocalFiles {
  constructor(private readonly dir: string) {
    mkdirSync(join(dir, "tmp"), { recursive: true, mode: 0o700 });
  }

  pathFor(sha256: string): string {
    return join(this.dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Runs `fill` with a writer into the store; on any throw the partial file is removed. */
  async receive<T>(fill: (write: (chunk: Uint8Array) => Promise<void>) => Promise<T>): Promise<Received<T>> {
    const tmp = join(this.dir, "tmp", randomToken(12));
    const sink = Bun.file(tmp).writer();
    const hasher = new Bun.CryptoHasher("sha256");
    let size = 0;
    let head = new Uint8Array(0);
    try {
      const result = await fill(async (chunk) => {
        hasher.update(chunk);
        size += chunk.length;
        if (head.length < HEAD_BYTES) {
          const next = new Uint8Array(Math.min(HEAD_BYTES, head.length + chunk.length));
          next.set(head);
          next.set(chunk.subarray(0, next.length - head.length), head.length);
          head = next;
        }
        sink.write(chunk);
        await sink.flush();
      });
      await sink.end();
      const sha256 = hasher.digest("hex");
      const final = this.pathFor(sha256);
      if (existsSync(final)) rmSync(tmp, { force: true });
      else {
        mkdirSync(dirname(final), { recursive: true, mode: 0o700 });
        renameSync(tmp, final);
      }
      return { sha256, size, head, result };
    } catch (err) {
      await Promise.resolve(sink.end()).catch(() => {});
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  file(sha256: string) {
    return Bun.file(this.pathFor(sha256));
  }

  remove(sha256: string): void {
    rmSync(this.pathFor(sha256), { force: true });
  }

  /** Leftovers of uploads cut off by a crash: nothing in tmp outlives a restart. */
  clearTemporary(): void {
    rmSync(join(this.dir, "tmp"), { recursive: true, force: true });
    mkdirSync(join(this.dir, "tmp"), { recursive: true, mode: 0o700 });
  }
}
