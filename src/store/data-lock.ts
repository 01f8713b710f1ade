// One server per data folder. A second process on the same folder would store what it is sent and never
// deliver it live to the first one's sockets (each keeps its own hub), so it is refused at start instead.
import { Database } from "bun:sqlite";
import { join } from "node:path";

export class DataDirInUseError extends Error {}

export interface DataDirLock {
  release(): void;
}

/**
 * Takes the folder's lock for as long as the process holds the returned object. It is SQLite's own file
 * lock on parley.lock (an exclusive transaction never committed): the kernel drops it when the process
 * ends in any way, SIGKILL included, so a crash never leaves a stale lock behind.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, "parley.lock");
  const db = new Database(path, { create: true });
  try {
    db.run("PRAGMA busy_timeout = 0");
    db.run("PRAGMA locking_mode = EXCLUSIVE");
    db.run("BEGIN EXCLUSIVE");
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      throw new DataDirInUseError(
        `another Parley server is already running on the data folder ${dataDir}; stop it first, or give this one its own folder with --data-dir (several nodes share one database only in multi-node mode)`,
      );
    }
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.run("ROLLBACK");
      db.close();
    },
  };
}
