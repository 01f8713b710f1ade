// Where the bytes of files live: the data folder by default, or an S3-compatible bucket (PARLEY_STORAGE).
// Both behave the same to the rest of Parley: every upload first streams into a temporary file on local
// disk (hashed on the way), is checked and processed there, and only then is committed under its SHA-256,
// so the same bytes are stored once and an aborted upload never reaches the store.
import { mkdirSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../lib/errors.ts";
import { randomToken } from "../lib/ids.ts";
import { formatSize } from "../protocol/sizes.ts";

/** An upload that has fully arrived on local disk but is not in the store yet. */
export interface TempFile {
  path: string;
  sha256: string;
  size: number;
  /** The first bytes, for telling what the file is. */
  head: Uint8Array;
}

export interface FileStore {
  readonly kind: "local" | "s3";
  /** Moves a temporary file into the store under its hash; the temporary file is gone after. */
  commit(temp: TempFile): Promise<string>;
  /** Stores small derived bytes (thumbnails, avatars) under their hash. */
  put(bytes: Uint8Array): Promise<string>;
  /** The stored bytes, as a Blob that can be sliced for Range requests and streamed. */
  blob(key: string): Blob;
  remove(key: string): Promise<void>;
  /**
   * For the presigned flow on a bucket: a short-lived URL the client PUTs the bytes to directly, and
   * the object name it will land at. Null for local storage, where Parley signs its own upload URL.
   */
  presignPut(ttlSeconds: number): { url: string; object: string } | null;
  /** Brings an object uploaded with presignPut into a temporary file (hashing it), then deletes the object. */
  fetchPresigned(object: string, maxBytes: number): Promise<TempFile | null>;
}

const HEAD_BYTES = 4096;

/** Stored bytes are named by their SHA-256 in hex; anything else is not a key (and never reaches a path). */
export const isFileKey = (key: string): boolean => /^[0-9a-f]{64}$/.test(key);

/** Reads a file back and checks that it holds exactly the bytes named by sha256 (a short write is caught here). */
export async function verifyFile(path: string, sha256: string, size: number): Promise<void> {
  const hasher = new Bun.CryptoHasher("sha256");
  let read = 0;
  for await (const chunk of Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>) {
    hasher.update(chunk);
    read += chunk.length;
  }
  if (read !== size || hasher.digest("hex") !== sha256) throw new StoredBytesMismatch(path);
}

/** What was stored is not what was sent; the caller discards it and the client gets an error, never the file. */
export class StoredBytesMismatch extends Error {
  constructor(path: string) {
    super(`the bytes on disk at ${path} do not match what was written`);
  }
}

/** Temporary files, always on local disk: they are hashed and inspected before anything is stored. */
export class TempFiles {
  readonly dir: string;
  constructor(dataDir: string) {
    this.dir = join(dataDir, "files", "tmp");
    // Leftovers of uploads cut off by a crash: nothing in tmp outlives a restart.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Runs `fill` with a writer into a new temporary file; on any throw the partial file is removed.
   * Every write is awaited, so a full disk (ENOSPC) fails the upload where it happens instead of leaving a
   * short file behind a hash of bytes that never landed; the file is synced, then read back and hashed
   * again, and only a file whose bytes on disk match what was sent is handed on.
   */
  async receive<T>(
    fill: (write: (chunk: Uint8Array) => Promise<void>) => Promise<T>,
  ): Promise<{ temp: TempFile; result: T }> {
    const path = join(this.dir, randomToken(12));
    const hasher = new Bun.CryptoHasher("sha256");
    let size = 0;
    let head = new Uint8Array(0);
    let file: FileHandle | undefined;
    try {
      file = await open(path, "wx", 0o600);
      const sink = file;
      const result = await fill(async (chunk) => {
        hasher.update(chunk);
        size += chunk.length;
        if (head.length < HEAD_BYTES) {
          const next = new Uint8Array(Math.min(HEAD_BYTES, head.length + chunk.length));
          next.set(head);
          next.set(chunk.subarray(0, next.length - head.length), head.length);
          head = next;
        }
        for (let at = 0; at < chunk.length;) at += (await sink.write(chunk, at, chunk.length - at)).bytesWritten;
      });
      await file.datasync();
      await file.close();
      file = undefined;
      const sha256 = hasher.digest("hex");
      await verifyFile(path, sha256, size);
      return { temp: { path, sha256, size, head }, result };
    } catch (err) {
      await file?.close().catch(() => {});
      rmSync(path, { force: true });
      throw err;
    }
  }

  /** Copies a stream into a temporary file, refusing it (413) past maxBytes. */
  async fromStream(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<TempFile> {
    const { temp } = await this.receive(async (write) => {
      let size = 0;
      for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `Files may be at most ${formatSize(maxBytes)}.`);
        await write(chunk);
      }
    });
    return temp;
  }

  async fromBytes(bytes: Uint8Array): Promise<TempFile> {
    const { temp } = await this.receive((write) => write(bytes));
    return temp;
  }

  discard(temp: TempFile): void {
    rmSync(temp.path, { force: true });
  }
}
