// What a device is given and gives back (device.ts): its storage, its way to the server, and what it made of
// a message. Apart from the device, so the modules it uses can name them without importing it.
import type { MessageContent } from "./payload.ts";

/** Where a device keeps its secrets and what it decrypted: string values under string keys. */
export interface Vault {
  get(key: string): Promise<string | undefined>;
  set(entries: Record<string, string>): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every entry whose key starts with the prefix. */
  list(prefix: string): Promise<[string, string][]>;
}

/** The server's API as the device calls it (paths under /api/v1); errors carry the catalogue's code. */
export interface Transport {
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a message of an encrypted conversation turned out to be on this device. */
export type Readable =
  | { ok: true; content: MessageContent }
  /** Why not: shown in its place. `retry`: it may still be read when keys arrive (a Commit, the backup). */
  | { ok: false; reason: string; retry: boolean };
