// Checkpoints on their own thread (src/store/checkpoints.ts): the event loop's commits never copy the log
// back into the database file (two fsyncs each time, 40 ms on an SD card); a thread with its own connection
// does, shortly after. If that thread dies, commits checkpoint on the event loop again, and the log says so.
import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";
import { join } from "node:path";
import { openStore, type Store } from "../src/store/store.ts";
import { tempDir, waitFor } from "./harness.ts";

let store: Store | null = null;
afterEach(() => store?.close());

function open(errors: string[] = []) {
  const dir = tempDir();
  // A checkpoint only when the test asks for one (checkpointLater), or a minute after a commit.
  store = openStore(dir, { checkpoints: { onError: (msg) => errors.push(msg), delayMs: 60_000 } });
  store.sqlite.run("CREATE TABLE filler (bytes BLOB NOT NULL)");
  return { store, file: join(dir, "parley.db"), wal: join(dir, "parley.db-wal") };
}

/** About 6 MB in 60 commits: past SQLite's own checkpoint threshold of 1000 pages several times over. */
function fill(s: Store): void {
  const insert = s.sqlite.query("INSERT INTO filler (bytes) VALUES (randomblob(4000))");
  for (let commit = 0; commit < 60; commit++)
    s.transaction(() => {
      for (let i = 0; i < 25; i++) insert.run();
    });
}

const size = (path: string) => statSync(path).size;
const autocheckpoint = (s: Store) =>
  s.sqlite.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()!.wal_autocheckpoint;

describe("checkpoints", () => {
  test("commits on the event loop leave the log alone; the checkpoint thread copies it into the file", async () => {
    const { store: s, file, wal } = open();
    expect(autocheckpoint(s)).toBe(0);
    const before = size(file);
    fill(s);
    // 1,500 pages committed and none of them checkpointed by a commit: the file has not grown.
    expect(size(file)).toBe(before);
    expect(size(wal)).toBeGreaterThan(6_000_000);
    expect(s.checkpoints!.stats.runs).toBe(0);

    await s.checkpoints!.checkpointLater();
    expect(s.checkpoints!.stats).toMatchObject({ runs: 1, failures: 0, handedBack: false });
    expect(s.checkpoints!.stats.pagesCopied).toBeGreaterThan(1500);
    expect(size(file)).toBeGreaterThan(before + 6_000_000);
    // What the file now holds is everything: a reader that ignores the log finds every row.
    s.close();
    store = null;
    const copy = new Database(file, { readonly: true });
    expect(copy.query<{ n: number }, []>("SELECT count(*) AS n FROM filler").get()!.n).toBe(1500);
    copy.close();
  });

  test("commits meanwhile share the next checkpoint, which follows by itself", async () => {
    const dir = tempDir();
    store = openStore(dir, { checkpoints: { onError: () => {}, delayMs: 10 } });
    const s = store;
    s.sqlite.run("CREATE TABLE filler (bytes BLOB NOT NULL)");
    const insert = s.sqlite.query("INSERT INTO filler (bytes) VALUES (x'00')");
    for (let i = 0; i < 20; i++) s.transaction(() => insert.run());
    await waitFor(() => s.checkpoints!.stats.runs >= 1, "a checkpoint after the commits");
    await s.checkpoints!.idle();
    // Twenty commits in one turn, one checkpoint for them all.
    expect(s.checkpoints!.stats.runs).toBe(1);
  });

  test("a dead checkpoint thread hands checkpoints back to the commits, and the log says so", async () => {
    const errors: string[] = [];
    const { store: s, file } = open(errors);
    await s.checkpoints!.checkpointLater(); // the thread starts with the first checkpoint
    expect(s.checkpoints!.hasThread()).toBe(true);
    s.checkpoints!.killThreadForTest();
    await waitFor(() => s.checkpoints!.stats.handedBack, "the thread to be noticed gone");
    expect(errors).toEqual(["the checkpoint thread is gone; commits checkpoint on the event loop again"]);
    expect(autocheckpoint(s)).toBe(1000);
    const before = size(file);
    fill(s);
    // SQLite's own checkpoints, inside the commits, copied pages into the file.
    expect(size(file)).toBeGreaterThan(before + 3_000_000);
    // Asking the thread for a checkpoint now is a no-op, not a hang.
    await s.checkpoints!.checkpointLater();
    await s.checkpoints!.idle();
  });

  test("the thread starts with the first commit, goes when idle, and comes back with the next commit", async () => {
    const errors: string[] = [];
    store = openStore(tempDir(), { checkpoints: { onError: (m) => errors.push(m), delayMs: 10, idleThreadMs: 50 } });
    const s = store;
    const c = s.checkpoints!;
    expect(c.hasThread()).toBe(false);
    s.sqlite.run("CREATE TABLE filler (bytes BLOB NOT NULL)");
    const insert = s.sqlite.query("INSERT INTO filler (bytes) VALUES (x'00')");
    s.transaction(() => insert.run());
    await waitFor(() => c.stats.runs === 1, "the first checkpoint");
    await waitFor(() => !c.hasThread(), "the idle thread to go");
    s.transaction(() => insert.run());
    await waitFor(() => c.stats.runs === 2, "a checkpoint by a new thread");
    // Going away when idle is not dying: checkpoints stay off the commits, and nothing is logged.
    expect(c.stats).toMatchObject({ threadsStarted: 2, handedBack: false, failures: 0 });
    expect(autocheckpoint(s)).toBe(0);
    expect(errors).toEqual([]);
  });

  test("short-lived commands keep SQLite's own checkpoints", () => {
    store = openStore(tempDir());
    expect(store.checkpoints).toBeNull();
    expect(autocheckpoint(store)).toBe(1000);
  });
});
