// The checkpoint thread (store/checkpoints.ts): its own connection to the database file, copying what the
// WAL holds back into the file while the event loop goes on. A checkpoint reads the log, writes the pages
// and syncs both files; done inside a commit on the event loop (SQLite's default, every 1000 pages), it
// stalled every socket for two fsyncs, 40 ms on an SD card.
import { Database } from "bun:sqlite";
import type { CheckpointReply, CheckpointRequest } from "./checkpoints.ts";

declare const self: Worker;

let db: Database | null = null;

self.onmessage = (e: MessageEvent<CheckpointRequest>) => {
  const { id, path } = e.data;
  let reply: CheckpointReply;
  try {
    if (!db) {
      db = new Database(path, { readwrite: true, create: false });
      // PASSIVE never waits on readers or writers; it copies what it can and reports the rest.
      db.run("PRAGMA busy_timeout = 0");
      // Sync the log before copying it and the file after: what the file holds is then as durable as the log.
      db.run("PRAGMA synchronous = FULL");
    }
    const r = db
      .query<{ busy: number; log: number; checkpointed: number }, []>("PRAGMA wal_checkpoint(PASSIVE)")
      .get()!;
    reply = { id, ok: true, busy: r.busy === 1, log: r.log, checkpointed: r.checkpointed };
  } catch (err) {
    reply = { id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  postMessage(reply);
};
