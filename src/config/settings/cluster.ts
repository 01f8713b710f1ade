// Several nodes (docs/operations.md, "Several nodes"): the shared database, the bus between nodes, and who
// this node is. None set: one node on its embedded file, exactly as before.
import type { SettingDef } from "./setting.ts";

export const clusterSettings = {
  databaseUrl: {
    kind: "string",
    env: "PARLEY_DATABASE_URL",
    flag: "--database-url",
    default: "",
    description:
      "A libSQL server (sqld) to keep everything in instead of the data folder's file, e.g. ws://10.0.0.5:8080 (ws, wss, http or https). Set on every node of a cluster, with PARLEY_BUS_URL; the data folder then holds only this node's own files (the replica, the VAPID keys are in the database).",
  },
  databaseAuthToken: {
    kind: "string",
    env: "PARLEY_DATABASE_AUTH_TOKEN",
    flag: "--database-auth-token",
    default: "",
    secret: true,
    description: "The token (a JWT) the libSQL server asks for, when it was started with --auth-jwt-key-file.",
  },
  databaseReplica: {
    kind: "string",
    env: "PARLEY_DATABASE_REPLICA",
    flag: "--database-replica",
    default: "",
    description:
      "A file for this node's embedded replica of the database: reads outside transactions (history, search, lists) are served from it, caught up with this node's own writes and with every commit the bus announces. Empty: every read goes to the server.",
  },
  databaseTimeoutMs: {
    kind: "int",
    env: "PARLEY_DATABASE_TIMEOUT_MS",
    flag: "--database-timeout-ms",
    default: "5000",
    min: 100,
    max: 60000,
    description:
      "How long a statement waits for the libSQL server. Past it the request fails with a retryable 503 DATABASE_UNAVAILABLE, /readyz reports not ready, and later statements fail at once until the server answers again (checked four times a second).",
  },
  busUrl: {
    kind: "string",
    env: "PARLEY_BUS_URL",
    flag: "--bus-url",
    default: "",
    secret: true,
    description:
      "The Redis server the nodes of a cluster tell each other through, e.g. redis://:password@10.0.0.5:6379 (rediss:// for TLS). Needs PARLEY_DATABASE_URL and PARLEY_STORAGE=s3: every node must see every file. Keep Redis private to the nodes: what it carries is trusted.",
  },
} as const satisfies Record<string, SettingDef>;
