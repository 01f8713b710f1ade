// Files in an S3-compatible bucket (MinIO, Garage, Backblaze B2, DigitalOcean Spaces, AWS...) through
// Bun's built-in S3 client. Objects are named files/<sha256> like the local store, so the same bytes are
// stored once here too; presigned uploads land under uploads/ and are moved in once checked.
import { S3Client } from "bun";
import { randomToken } from "../lib/ids.ts";
import { isFileKey, type FileStore, type TempFile, type TempFiles } from "./file-store.ts";

export interface S3Options {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export class S3Files implements FileStore {
  readonly kind = "s3";
  private readonly client: S3Client;

  constructor(
    private readonly temps: TempFiles,
    options: S3Options,
  ) {
    this.client = new S3Client({
      ...options,
      endpoint: options.endpoint || undefined,
      region: options.region || undefined,
    });
  }

  private objectFor(key: string): string {
    if (!isFileKey(key)) throw new Error("not a file key");
    return `files/${key.slice(0, 2)}/${key}`;
  }

  async commit(temp: TempFile): Promise<string> {
    try {
      const object = this.objectFor(temp.sha256);
      // Bun streams the file up, in parts when it is large.
      if (!(await this.client.exists(object))) await this.client.write(object, Bun.file(temp.path));
      return temp.sha256;
    } finally {
      this.temps.discard(temp);
    }
  }

  async put(bytes: Uint8Array): Promise<string> {
    const key = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
    const object = this.objectFor(key);
    if (!(await this.client.exists(object))) await this.client.write(object, bytes);
    return key;
  }

  blob(key: string): Blob {
    return this.client.file(this.objectFor(key));
  }

  /** Removes stored bytes by key, or an unfinished presigned upload by its object name. */
  async remove(key: string): Promise<void> {
    await this.client.delete(key.startsWith("uploads/") ? key : this.objectFor(key));
  }

  presignPut(ttlSeconds: number): { url: string; object: string } {
    const object = `uploads/${randomToken(16)}`;
    return { url: this.client.presign(object, { method: "PUT", expiresIn: ttlSeconds }), object };
  }

  async fetchPresigned(object: string, maxBytes: number): Promise<TempFile | null> {
    if (!/^uploads\/[A-Za-z0-9_-]+$/.test(object)) return null;
    const file = this.client.file(object);
    if (!(await file.exists())) return null;
    try {
      return await this.temps.fromStream(file.stream(), maxBytes);
    } finally {
      await this.client.delete(object).catch(() => {});
    }
  }
}
