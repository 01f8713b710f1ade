import { join } from "node:path";

/**
 * Files shipped with Parley are read from disk in both modes: from the checkout when run from source,
 * and from the executable's embedded file system when compiled with `--asset DIR`, which keeps each
 * folder under its own name at the embedded root (every module's import.meta.dir).
 */
const isCompiled = import.meta.dir.startsWith("/$bunfs") || import.meta.dir.includes("~BUN");
const checkout = join(import.meta.dir, "..", "..");

/** The SQL migrations (migrations/ in the checkout). */
export const migrationsDir = isCompiled ? join(import.meta.dir, "migrations") : join(checkout, "migrations");

/** The built web app (dist/web in the checkout, written by scripts/build-web.ts). */
export const webDir = isCompiled ? join(import.meta.dir, "web") : join(checkout, "dist", "web");

/**
 * The checkpoint thread's module (store/checkpoint-worker.ts). The build makes it a second entry point of
 * the executable, which keeps it at store/checkpoint-worker.ts under the embedded root.
 */
export const checkpointWorkerPath = isCompiled
  ? join(import.meta.dir, "store", "checkpoint-worker.ts")
  : join(checkout, "src", "store", "checkpoint-worker.ts");

/** The send thread's module (chat/send-worker.ts): another entry point of the executable, like the above. */
export const sendWorkerPath = isCompiled
  ? join(import.meta.dir, "chat", "send-worker.ts")
  : join(checkout, "src", "chat", "send-worker.ts");

/** The database link thread (store/remote/link-worker.ts, several nodes only): an entry point like the above. */
export const linkWorkerPath = isCompiled
  ? join(import.meta.dir, "store", "remote", "link-worker.ts")
  : join(checkout, "src", "store", "remote", "link-worker.ts");
