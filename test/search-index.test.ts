// Message search's index is filled in bulk at the end of each transaction (src/store/search-index.ts), and
// edits and deletions of messages already in it keep it in step by trigger. These tests hold it to the
// messages as they stand, with sends, edits and deletions landing in the same group commit in any order,
// using FTS5's own integrity check (which compares the index with the messages table) and searches.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import fc from "fast-check";
import { findUserById } from "../src/accounts/users.ts";
import { deleteMessage, editMessage, sendMessage } from "../src/chat/messages.ts";
import { deleteGroup } from "../src/chat/members.ts";
import { listMigrations, migrate } from "../src/store/migrate.ts";
import { openStore } from "../src/store/store.ts";
import { setUp, startTestServer, tempDir, type TestServer } from "./harness.ts";

let s: TestServer;
let admin: { token: string; user: { id: string } };

beforeAll(async () => {
  s = await startTestServer();
  admin = await setUp(s);
});
afterAll(() => s.stop());

/**
 * FTS5's integrity check of the index's own structure (throws SQLITE_CORRUPT_VTAB). Not against the
 * messages table (rank 1): deleted messages stay there as tombstones and are left out of the index on
 * purpose. What the index says about each message is checked by searching.
 */
function integrityCheck(sqlite: Database): void {
  sqlite.run("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')");
}

async function found(word: string): Promise<string[]> {
  const r = await s.call("GET", `/api/v1/search/messages?q=${word}`, { token: admin.token });
  expect(r.status).toBe(200);
  return r.body.results.map((x: { message: { id: string } }) => x.message.id).sort();
}

async function newGroup(title: string): Promise<string> {
  const r = await s.call("POST", "/api/v1/conversations", {
    token: admin.token,
    body: { type: "group", title, memberIds: [] },
  });
  return r.body.conversation.id;
}

type Op = { kind: "send"; n: number } | { kind: "edit" | "delete"; target: number; n: number };

describe("the search index", () => {
  test("sends, edits and deletions in one group commit leave it exactly as the messages stand", async () => {
    const { chat, store } = s.running.app.deps as any;
    const me = findUserById(store.db, admin.user.id)!;
    const group = await newGroup("Same batch");
    // Not awaited one by one: they all join the same transaction.
    const sent = await Promise.all([
      sendMessage(chat, me, group, { clientId: "sb-1", text: "alphaword first" }),
      sendMessage(chat, me, group, { clientId: "sb-2", text: "betaword second" }),
      sendMessage(chat, me, group, { clientId: "sb-3", text: "gammaword third" }),
    ]);
    const [a, b] = sent.map((x) => x.message);
    const writes = [
      sendMessage(chat, me, group, { clientId: "sb-4", text: "deltaword fourth" }),
      editMessage(chat, me, group, a!.id, "epsilonword edited"),
      deleteMessage(chat, me, group, b!.id),
    ];
    expect(chat.queue.depth()).toBe(3); // one batch
    await Promise.all(writes);
    integrityCheck(store.sqlite);
    expect(await found("alphaword")).toEqual([]);
    expect(await found("epsilonword")).toEqual([a!.id]);
    expect(await found("betaword")).toEqual([]);
    expect((await found("gammaword")).length).toBe(1);
    expect((await found("deltaword")).length).toBe(1);
  });

  test("messages sent into a group deleted in the same group commit never reach it", async () => {
    const { chat, store } = s.running.app.deps as any;
    const me = findUserById(store.db, admin.user.id)!;
    const group = await newGroup("Short-lived");
    const kept = await newGroup("Kept");
    const writes = [
      sendMessage(chat, me, group, { clientId: "sl-1", text: "zetaword doomed" }),
      sendMessage(chat, me, kept, { clientId: "sl-2", text: "etaword kept" }),
      deleteGroup(chat, me, group),
    ];
    expect(chat.queue.depth()).toBe(3); // one batch
    await Promise.all(writes);
    integrityCheck(store.sqlite);
    expect(await found("zetaword")).toEqual([]);
    expect((await found("etaword")).length).toBe(1);
    // The index holds exactly one entry per live message: nothing left over from the deleted group.
    const entries = store.sqlite
      .query("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'zetaword OR etaword'")
      .get() as { n: number };
    expect(entries.n).toBe(1);
  });

  test("holds for any order of sends, edits and deletions, in batches of any size", async () => {
    const { chat, store } = s.running.app.deps as any;
    const me = findUserById(store.db, admin.user.id)!;
    let run = 0;
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("send" as const), n: fc.nat(5) }),
      fc.record({ kind: fc.constantFrom("edit" as const, "delete" as const), target: fc.nat(30), n: fc.nat(5) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        async (batches) => {
          run++;
          const group = await newGroup(`Property ${run}`);
          // What each message says now (null once deleted), by id; words are unique to this run.
          // Words a message no longer says must find nothing: a stale entry would still point at it.
          const words = new Map<string, string | null>();
          const gone: string[] = [];
          const ids: string[] = [];
          let k = 0;
          for (const batch of batches) {
            const writes = batch.map((o) => {
              const word = `w${run}x${++k}z${o.n}`;
              if (o.kind === "send")
                return sendMessage(chat, me, group, { clientId: `p${run}-${k}`, text: `${word} hello` }).then(
                  (r: any) => {
                    ids.push(r.message.id);
                    words.set(r.message.id, word);
                  },
                );
              const id = ids[o.target % Math.max(ids.length, 1)];
              if (!id || words.get(id) === null) return Promise.resolve();
              if (words.get(id)) gone.push(words.get(id)!);
              if (o.kind === "edit") {
                words.set(id, word);
                return editMessage(chat, me, group, id, `${word} edited`);
              }
              words.set(id, null);
              return deleteMessage(chat, me, group, id);
            });
            await Promise.all(writes);
          }
          integrityCheck(store.sqlite);
          for (const [id, word] of words) if (word !== null) expect(await found(word)).toEqual([id]);
          for (const word of gone) expect(await found(word)).toEqual([]);
          // Deleting the group takes its messages out of the index too.
          await deleteGroup(chat, me, group);
          integrityCheck(store.sqlite);
          for (const word of words.values()) if (word !== null) expect(await found(word)).toEqual([]);
        },
      ),
      { numRuns: 20, seed: 10 },
    );
  });

  test("a database from before bulk indexing keeps its index, and new messages join it once", () => {
    const dir = tempDir();
    const path = join(dir, "parley.db");
    const old = new Database(path, { create: true, strict: true });
    const migrations = listMigrations();
    const before = migrations.findIndex((m) => m.tag === "0010_search_in_bulk");
    migrate(old, migrations.slice(0, before));
    const now = Date.now();
    old.run(`INSERT INTO users (id, username, display_name, role, created_at, updated_at)
             VALUES ('u', 'u', 'U', 'admin', ${now}, ${now})`);
    old.run(
      `INSERT INTO conversations (id, type, title, created_at, updated_at) VALUES ('c', 'group', 'C', ${now}, ${now})`,
    );
    old.run(`INSERT INTO messages (id, conversation_id, sender_id, client_id, text, created_at)
             VALUES ('m1', 'c', 'u', 'k1', 'oldword before', ${now})`);
    old.close();

    const store = openStore(dir);
    try {
      const count = (w: string) =>
        store.sqlite
          .query<{ n: number }, [string]>("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ?")
          .get(w)!.n;
      expect(count("oldword")).toBe(1);
      store.transaction(() => {
        store.sqlite.run(`INSERT INTO messages (id, conversation_id, sender_id, client_id, text, created_at)
                          VALUES ('m2', 'c', 'u', 'k2', 'newword after', ${now})`);
      });
      integrityCheck(store.sqlite);
      expect(count("oldword")).toBe(1);
      expect(count("newword")).toBe(1);
    } finally {
      store.close();
    }
  });
});
