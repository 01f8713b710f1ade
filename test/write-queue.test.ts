// Group commit (src/store/write-queue.ts): many writes share one transaction, each in its own savepoint, so
// that one that fails rolls back alone while its neighbours commit, and what a job announces after commit
// happens only for jobs that committed. Run on a real store in a temporary folder.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { openStore, type Store } from "../src/store/store.ts";
import { createWriteQueue, type WriteQueue } from "../src/store/write-queue.ts";
import { tempDir } from "./harness.ts";

let store: Store;
let queue: WriteQueue;

beforeEach(() => {
  store = openStore(tempDir());
  // A table of this test's own, beside Parley's schema: what each job leaves behind.
  store.sqlite.run("CREATE TABLE notes (job INTEGER NOT NULL, step TEXT NOT NULL)");
  queue = createWriteQueue(store, { maxBatch: 256, waitMs: 0 });
});
afterEach(() => store.close());

const note = (job: number, step: string) =>
  store.sqlite.query("INSERT INTO notes (job, step) VALUES (?, ?)").run(job, step);
const notes = () =>
  store.sqlite.query<{ job: number; step: string }, []>("SELECT job, step FROM notes ORDER BY rowid").all();

describe("the write queue", () => {
  test("a job that throws rolls back alone: its neighbours in the same commit keep their writes and answers", async () => {
    const announced: number[] = [];
    const runs = [1, 2, 3].map((job) =>
      queue.run((_tx, afterCommit) => {
        note(job, "first");
        note(job, "second");
        afterCommit(() => announced.push(job));
        if (job === 2) throw new Error("job 2 fails after writing");
        return job;
      }),
    );
    const settled = await Promise.allSettled(runs);
    expect(settled.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(queue.stats()).toMatchObject({ batches: 1, jobs: 3 });
    expect(notes()).toEqual([
      { job: 1, step: "first" },
      { job: 1, step: "second" },
      { job: 3, step: "first" },
      { job: 3, step: "second" },
    ]);
    expect(announced).toEqual([1, 3]);
  });

  test("a job may nest a transaction of its own and recover from its failure without touching its neighbours", async () => {
    const results = await Promise.all([
      queue.run(() => (note(1, "plain"), 1)),
      queue.run((tx) => {
        note(2, "kept");
        try {
          tx.transaction(() => {
            note(2, "undone");
            throw new Error("inner failure");
          });
        } catch {
          note(2, "after the inner failure");
        }
        return 2;
      }),
      queue.run(() => (note(3, "plain"), 3)),
    ]);
    expect(results).toEqual([1, 2, 3]);
    expect(notes().map((n) => `${n.job} ${n.step}`)).toEqual([
      "1 plain",
      "2 kept",
      "2 after the inner failure",
      "3 plain",
    ]);
  });

  test("whichever jobs of a batch fail, the file holds exactly the writes of those that succeeded", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), async (fails) => {
        store.sqlite.run("DELETE FROM notes");
        const runs = fails.map((fail, job) =>
          queue.run(() => {
            note(job, "written");
            if (fail) throw new Error(`job ${job} fails`);
            return job;
          }),
        );
        const settled = await Promise.allSettled(runs);
        expect(settled.map((r) => r.status === "rejected")).toEqual(fails);
        expect(notes().map((n) => n.job)).toEqual(fails.flatMap((fail, job) => (fail ? [] : [job])));
      }),
      { numRuns: 50 },
    );
  });
});
