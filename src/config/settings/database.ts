// The database and its writes: locks, free space, group commit, the send thread.
import type { SettingDef } from "./setting.ts";

export const databaseSettings = {
  dbBusyTimeoutMs: {
    kind: "int",
    env: "PARLEY_DB_BUSY_TIMEOUT_MS",
    flag: "--db-busy-timeout-ms",
    default: "5000",
    min: 0,
    max: 60000,
    description:
      "How long a write waits while another process holds the database's write lock. Past it the request fails with a retryable 503 DATABASE_BUSY (with Retry-After) instead of waiting without bound; the server waits in place meanwhile, so keep it short.",
  },
  minFreeBytes: {
    kind: "int",
    env: "PARLEY_MIN_FREE_BYTES",
    flag: "--min-free-bytes",
    default: "67108864",
    min: 0,
    max: 1125899906842624,
    description:
      "Free space the data folder's disk must keep. Below it /readyz reports not ready and uploads get 507 STORAGE_FULL, keeping the rest for messages; below twice this a warning is logged. 0 turns the floor off.",
  },
  writeBatchMax: {
    kind: "int",
    env: "PARLEY_WRITE_BATCH_MAX",
    flag: "--write-batch-max",
    default: "256",
    min: 1,
    max: 10000,
    description:
      "Most writes committed in one transaction (group commit). Bounds how long one commit holds the server.",
  },
  sendThread: {
    kind: "enum",
    env: "PARLEY_SEND_THREAD",
    flag: "--send-thread",
    default: "auto",
    values: ["auto", "on", "off"],
    description:
      "Sends of words alone written by a thread of their own, beside the event loop: on, off, or auto (on when the process may use four CPU cores or more). It can pay only where a core is to spare: on two cores, with the clients beside it, it cost more than it saved (docs/performance.md).",
  },
  writeBatchWaitMs: {
    kind: "int",
    env: "PARLEY_WRITE_BATCH_WAIT_MS",
    flag: "--write-batch-wait-ms",
    default: "0",
    min: 0,
    max: 100,
    description:
      "How long the first write of a batch waits for others. 0 batches what arrives while the previous commit runs: the same peak as waiting, without the added latency (docs/performance.md).",
  },
} as const satisfies Record<string, SettingDef>;
