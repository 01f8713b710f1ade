// Picks where files' bytes live from the settings (PARLEY_STORAGE). Apart from the interface, so the
// stores can depend on it without it depending on them.
import { join } from "node:path";
import type { Config } from "../config/config.ts";
import type { FileStore, TempFiles } from "./file-store.ts";
import { LocalFiles } from "./local-store.ts";
import { S3Files } from "./s3-store.ts";

export function createFileStore(config: Config, temps: TempFiles): FileStore {
  if (config.storage === "s3") {
    return new S3Files(temps, {
      endpoint: config.s3Endpoint,
      bucket: config.s3Bucket,
      region: config.s3Region,
      accessKeyId: config.s3AccessKeyId,
      secretAccessKey: config.s3SecretAccessKey,
    });
  }
  return new LocalFiles(join(config.dataDir, "files"));
}
