// Group commit (src/store/write-queue.ts): many writes share one transaction, each in its own savepoint, so
// that one that fails rolls back alone while its neighbours commit, and what a job announces after commit
// happens only for jobs that committed. Run on a real store in a temporary folder.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { openStore, type Store } from "../src/store/store.ts";
import { createWriteQueue, type WriteQueue } from "../src/store/write-queue.ts";
import { addMember, insertPeople, setUp, startTestServer, tempDir } from "./harness.ts";

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

describe("the server's writes", () => {
  test("all go through its write queue: accounts, sessions, passkeys, invites, settings, uploads and messages", async () => {
    const s = await startTestServer();
    try {
      const outside = () => s.running.app.deps.store.work.outsideWriter;
      const admin = await setUp(s);
      const kim = await addMember(s, admin.token, "kim", "kim-password-1");
      const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
        s.call(method, path, { token, body }).then((r) => {
          if (r.status >= 400) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
          return r.body;
        });
      await call("POST", "/api/v1/auth/login", undefined, {
        username: "kim",
        password: "kim-password-1",
      });
      await call("PATCH", "/api/v1/me", kim.token, { displayName: "Kim K", bio: "hello" });
      await call("POST", "/api/v1/me/password", kim.token, {
        currentPassword: "kim-password-1",
        newPassword: "kim-password-2",
      });
      const sessions = await call("GET", "/api/v1/me/sessions", kim.token);
      expect(sessions.sessions.length).toBe(1); // the password change ended the others
      await call("POST", "/api/v1/auth/passkey/options", undefined);
      await call("POST", "/api/v1/me/passkeys/options", kim.token);
      const invite = await call("POST", "/api/v1/admin/invites", admin.token, {});
      await call("DELETE", `/api/v1/admin/invites/${invite.invite.code}`, admin.token);
      await call("PATCH", `/api/v1/admin/users/${kim.user.id}`, admin.token, { role: "admin" });
      await call("POST", `/api/v1/admin/users/${kim.user.id}/password-reset`, admin.token);
      await call("PATCH", "/api/v1/admin/settings", admin.token, { instanceName: "Home" });
      const form = new FormData();
      form.append("file", new Blob(["a note"], { type: "text/plain" }), "note.txt");
      const upload = await fetch(`${s.url}/api/v1/uploads`, {
        method: "POST",
        headers: { authorization: `Bearer ${kim.token}` },
        body: form,
      });
      expect(upload.status).toBe(201);
      const group = await call("POST", "/api/v1/conversations", admin.token, {
        type: "group",
        title: "G",
        memberIds: [kim.user.id],
      });
      await call("POST", `/api/v1/conversations/${group.conversation.id}/messages`, kim.token, {
        clientId: "w1",
        text: "hi",
      });
      await call("POST", "/api/v1/auth/logout", kim.token);
      await s.idle();
      expect(outside()).toBe(0);
      // What the count counts: a write straight into the file, as tests and other tools make.
      insertPeople(s, "direct", 1);
      expect(outside()).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  });
});
