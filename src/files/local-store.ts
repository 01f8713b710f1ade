// Files on the local disk under the data folder, named by the SHA-256 of their content: the same bytes
// uploaded twice are stored once.
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { isFileKey, verifyFile, type FileStore, type TempFile } from "./file-store.ts";

export class LocalFiles implements FileStore {
  readonly kind = "local";

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private pathFor(key: string): string {
    if (!isFileKey(key)) throw new Error("not a file key");
    return join(this.dir, key.slice(0, 2), key.slice(2, 4), key);
  }

  /**
   * The temporary file was verified against its hash when it was received. Bytes already stored under the
   * same hash are checked too before they are shared (a file cut short by an earlier fault is replaced,
   * never deduplicated onto).
   */
  async commit(temp: TempFile): Promise<string> {
    const final = this.pathFor(temp.sha256);
    if (await this.holds(final, temp.sha256, temp.size)) rmSync(temp.path, { force: true });
    else {
      mkdirSync(dirname(final), { recursive: true, mode: 0o700 });
      renameSync(temp.path, final);
    }
    return temp.sha256;
  }

  private async holds(path: string, key: string, size: number): Promise<boolean> {
    return (
      existsSync(path) &&
      verifyFile(path, key, size).then(
        () => true,
        () => false,
      )
    );
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const final = this.pathFor(key);
    if (!(await this.holds(final, key, bytes.length))) {
      mkdirSync(dirname(final), { recursive: true, mode: 0o700 });
      // Written beside and renamed, so a reader never sees half a file.
      const part = `${final}.part`;
      try {
        await Bun.write(part, bytes);
        await verifyFile(part, key, bytes.length);
      } catch (err) {
        rmSync(part, { force: true });
        throw err;
      }
      renameSync(part, final);
    }
    return key;
  }

  blob(key: string): Blob {
    return Bun.file(this.pathFor(key));
  }

  async remove(key: string): Promise<void> {
    rmSync(this.pathFor(key), { force: true });
  }

  presignPut(): null {
    return null;
  }

  async fetchPresigned(): Promise<null> {
    return null;
  }
}
