// Which store the settings name: the data folder's file, or the libSQL server of a cluster
// (PARLEY_DATABASE_URL). The server opens it with its own options (server.ts); the commands that work on
// the data while it runs (admin, push keys, export) open it here, so that on a node of a cluster they act
// on the cluster's database and not on a file nobody reads.
import { resolve } from "node:path";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import { openRemoteStore } from "./remote/remote-store.ts";
import { openStore, type Store } from "./store.ts";

/** The store of a node in a cluster: the libSQL server named by PARLEY_DATABASE_URL (store/remote/). */
export function openClusterStore(config: Config, log: Logger | null): Store {
  return openRemoteStore({
    url: config.databaseUrl,
    authToken: config.databaseAuthToken || null,
    replicaPath: config.databaseReplica ? resolve(config.dataDir, config.databaseReplica) : null,
    timeoutMs: config.databaseTimeoutMs,
    onAfterCommitError: (err) => log?.error("after-commit hook failed", { err }),
    // Sends fail fast with DATABASE_UNAVAILABLE meanwhile, and /readyz says not ready.
    onReachable: (up) =>
      up
        ? log?.info("database server reachable again", { url: config.databaseUrl })
        : log?.error("database server unreachable; sends fail until it answers", { url: config.databaseUrl }),
  });
}

/** For a command beside the running server: the same database the server uses, without its background work. */
export function openCommandStore(config: Config): Store {
  // A command needs no replica of its own (and must not share the server's replica file).
  return config.databaseUrl ? openClusterStore({ ...config, databaseReplica: "" }, null) : openStore(config.dataDir);
}
