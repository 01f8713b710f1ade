// The rows every send reads (its sender, the conversation, its members' roles, mutes and notification
// levels) are held in memory (src/store/row-cache.ts, src/chat/roster.ts). These tests hold them to what
// the database says: after any sequence of the writes that change them, through the API as clients make
// them; after a write that rolls back; and after another process writes the file.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import fc from "fast-check";
import { createSession } from "../src/accounts/sessions.ts";
import { findUserById, peekUser } from "../src/accounts/users.ts";
import { latestEventIdOf, peekLatestEventIdOf } from "../src/chat/events.ts";
import { forgetRoster, peekRoster, rosterOf } from "../src/chat/roster.ts";
import { members } from "../src/store/schema.ts";
import { and, eq } from "drizzle-orm";
import { insertPeople, setUp, startTestServer, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let admin: { token: string; user: { id: string } };
const people: { id: string; token: string }[] = [];

beforeAll(async () => {
  s = await startTestServer();
  admin = await setUp(s);
  people.push(...insertPeople(s, "cache", 4));
});
afterAll(() => s.stop());

/** What the database says a roster is, read without any cache. */
function rosterInDatabase(conversationId: string) {
  const { sqlite } = s.running.app.deps.store;
  const conversation = sqlite.query("SELECT * FROM conversations WHERE id = ?").get(conversationId) as any;
  if (!conversation) return undefined;
  const rows = sqlite
    .query<object, [string]>(
      `SELECT user_id AS userId, role, muted_until AS mutedUntil, push_level AS pushLevel FROM members
        WHERE conversation_id = ? ORDER BY user_id`,
    )
    .all(conversationId);
  return {
    title: conversation.title,
    permissions: conversation.permissions,
    archivedAt: conversation.archived_at,
    rows,
  };
}

/** What the roster in memory says, in the same shape. */
function rosterInMemory(conversationId: string): ReturnType<typeof rosterInDatabase> {
  const r = peekRoster(s.running.app.deps.store.db, conversationId);
  if (!r) return undefined;
  const rows = [...r.members.values()]
    .map(({ userId, role, mutedUntil, pushLevel }) => ({ userId, role, mutedUntil, pushLevel }))
    .sort((a, b) => (a.userId < b.userId ? -1 : 1));
  const c = r.conversation;
  return { title: c.title, permissions: c.permissions, archivedAt: c.archivedAt, rows };
}

function headInDatabase(conversationId: string): number {
  return (
    s.running.app.deps.store.sqlite
      .query<{ id: number | null }, [string]>("SELECT max(id) AS id FROM events WHERE conversation_id = ?")
      .get(conversationId)?.id ?? 0
  );
}

function userInDatabase(id: string) {
  const row = s.running.app.deps.store.sqlite
    .query("SELECT display_name, deactivated_at, last_seen_at, avatar_key FROM users WHERE id = ?")
    .get(id) as any;
  return { displayName: row.display_name, deactivatedAt: row.deactivated_at, lastSeenAt: row.last_seen_at };
}

function userInMemory(id: string) {
  const u = peekUser(s.running.app.deps.store.db, id);
  return u && { displayName: u.displayName, deactivatedAt: u.deactivatedAt, lastSeenAt: u.lastSeenAt };
}

type Op =
  | { kind: "add" | "remove" | "promote" | "demote"; actor: number; target: number }
  | { kind: "mute" | "unmute" | "rename" | "send" | "profile"; actor: number }
  | { kind: "level"; actor: number; level: "all" | "mentions" | "none" | null }
  | { kind: "deactivate" | "reactivate"; target: number }
  | { kind: "external"; target: number; name: string };

const person = fc.integer({ min: 0, max: 3 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom("add", "remove", "promote", "demote"), actor: person, target: person }),
  fc.record({ kind: fc.constantFrom("mute", "unmute", "rename", "send", "profile"), actor: person }),
  fc.record({ kind: fc.constant("level"), actor: person, level: fc.constantFrom("all", "mentions", "none", null) }),
  fc.record({ kind: fc.constantFrom("deactivate", "reactivate"), target: person }),
  fc.record({ kind: fc.constant("external"), target: person, name: fc.stringMatching(/^[A-Za-z]{1,12}$/) }),
) as fc.Arbitrary<Op>;

let round = 0;

async function reactivateAll(): Promise<void> {
  const { db } = s.running.app.deps.store;
  for (const p of people) {
    if (findUserById(db, p.id)!.deactivatedAt === null) continue;
    await s.call("PATCH", `/api/v1/admin/users/${p.id}`, { token: admin.token, body: { deactivated: false } });
    p.token = createSession(db, p.id, 30).token;
  }
}

/** Applies one change as clients make it; refusals (no right, not a member, signed out) are part of it. */
async function apply(group: string, o: Op): Promise<void> {
  const n = ++round;
  const token = (i: number) => people[i]!.token;
  const path = `/api/v1/conversations/${group}`;
  switch (o.kind) {
    case "add":
      await s.call("POST", `${path}/members`, { token: token(o.actor), body: { userId: people[o.target]!.id } });
      break;
    case "remove":
      await s.call("DELETE", `${path}/members/${people[o.target]!.id}`, { token: token(o.actor) });
      break;
    case "promote":
    case "demote":
      await s.call("PATCH", `${path}/members/${people[o.target]!.id}`, {
        token: token(o.actor),
        body: { role: o.kind === "promote" ? "admin" : "member" },
      });
      break;
    case "mute":
      await s.call("PUT", `${path}/mute`, { token: token(o.actor), body: { until: "forever" } });
      break;
    case "unmute":
      await s.call("PUT", `${path}/mute`, { token: token(o.actor), body: { until: null } });
      break;
    case "level":
      await s.call("PUT", `${path}/notifications`, { token: token(o.actor), body: { level: o.level } });
      break;
    case "rename":
      await s.call("PATCH", path, { token: token(o.actor), body: { title: `Group ${n}` } });
      break;
    case "send":
      await s.call("POST", `${path}/messages`, { token: token(o.actor), body: { clientId: `c-${n}`, text: `m ${n}` } });
      break;
    case "profile":
      await s.call("PATCH", "/api/v1/me", { token: token(o.actor), body: { displayName: `Name ${n}` } });
      break;
    case "deactivate":
    case "reactivate":
      await s.call("PATCH", `/api/v1/admin/users/${people[o.target]!.id}`, {
        token: admin.token,
        body: { deactivated: o.kind === "deactivate" },
      });
      // Deactivating signs them out everywhere: a new session keeps them in play once reactivated.
      if (o.kind === "reactivate")
        people[o.target]!.token = createSession(s.running.app.deps.store.db, people[o.target]!.id, 30).token;
      break;
    case "external": {
      // Another process on the same file, as the admin command line or sqlite3 by hand would be.
      const other = new Database(join(s.dataDir, "parley.db"));
      other.run("PRAGMA busy_timeout = 5000");
      other.query("UPDATE users SET display_name = ? WHERE id = ?").run(o.name, people[o.target]!.id);
      // …and an event in the group (a restore or a repair by hand): the held head must not stay behind.
      other
        .query(
          "INSERT INTO events (type, conversation_id, actor_id, created_at) VALUES ('conversation.updated', ?, ?, ?)",
        )
        .run(group, people[o.target]!.id, Date.now());
      other.close();
      // Another process's commit is noticed from the next turn of the event loop (store/row-cache.ts).
      await new Promise((r) => setImmediate(r));
      break;
    }
  }
  await s.idle();
}

describe("row caches", () => {
  test("hold what the database holds after any sequence of the writes that change them", async () => {
    const { db } = s.running.app.deps.store;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        // Each run starts with everyone active and signed in, and a fresh group that everyone is in, person 0
        // its owner.
        await reactivateAll();
        const group = (
          await s.call("POST", "/api/v1/conversations", {
            token: people[0]!.token,
            body: { type: "group", title: "Cached", memberIds: people.slice(1).map((p) => p.id) },
          })
        ).body.conversation.id as string;
        for (const o of ops) {
          // Loaded before the change, so that the change has something in memory to get wrong.
          rosterOf(db, group);
          latestEventIdOf(db, group);
          for (const p of people) findUserById(db, p.id);
          await apply(group, o);
          rosterOf(db, group); // a read in the same turn as other writers' data_version check
          expect(rosterInMemory(group)).toEqual(rosterInDatabase(group));
          // The conversation's newest event (history pages are kept by it), when it is held.
          const head = peekLatestEventIdOf(db, group);
          if (head !== undefined) expect(head).toBe(headInDatabase(group));
          for (const p of people) {
            const held = userInMemory(p.id);
            if (held) expect(held).toEqual(userInDatabase(p.id));
          }
        }
      }),
      { numRuns: 25, seed: 18 },
    );
  });

  test("a write that rolls back leaves nothing of itself in memory", async () => {
    await reactivateAll();
    const { store, chat } = s.running.app.deps as any;
    const group = (
      await s.call("POST", "/api/v1/conversations", {
        token: people[0]!.token,
        body: { type: "group", title: "Rollback", memberIds: [people[1]!.id] },
      })
    ).body.conversation.id as string;
    expect(rosterOf(store.db, group)!.members.get(people[1]!.id)!.role).toBe("member");
    const failed = chat.queue.run((tx: any) => {
      tx.update(members)
        .set({ role: "admin" })
        .where(and(eq(members.conversationId, group), eq(members.userId, people[1]!.id)))
        .run();
      forgetRoster(tx, group);
      // Read back inside the job: the cache now holds a role that is about to be rolled back.
      expect(rosterOf(tx, group)!.members.get(people[1]!.id)!.role).toBe("admin");
      throw new Error("the job fails after its write");
    });
    await expect(failed).rejects.toThrow("the job fails after its write");
    expect(rosterOf(store.db, group)!.members.get(people[1]!.id)!.role).toBe("member");
    // And the server acts on the committed role: a member may not rename the group.
    const renamed = await s.call("PATCH", `/api/v1/conversations/${group}`, {
      token: people[1]!.token,
      body: { title: "Not allowed" },
    });
    expect(renamed.status).toBe(403);
  });

  test("a name changed by another process is the name the next message carries", async () => {
    await reactivateAll();
    const group = (
      await s.call("POST", "/api/v1/conversations", {
        token: admin.token,
        body: { type: "group", title: "Outside", memberIds: [people[2]!.id] },
      })
    ).body.conversation.id as string;
    const watcher = await TestSocket.ready(s.url, admin.token);
    const first = await s.call("POST", `/api/v1/conversations/${group}/messages`, {
      token: people[2]!.token,
      body: { clientId: "outside-1", text: "before" },
    });
    expect(first.status).toBe(201);
    const other = new Database(join(s.dataDir, "parley.db"));
    other.run("PRAGMA busy_timeout = 5000");
    other.query("UPDATE users SET display_name = 'Renamed Elsewhere' WHERE id = ?").run(people[2]!.id);
    other.close();
    await new Promise((r) => setImmediate(r)); // noticed from the next turn, as a request would be
    const second = await s.call("POST", `/api/v1/conversations/${group}/messages`, {
      token: people[2]!.token,
      body: { clientId: "outside-2", text: "after" },
    });
    expect(second.body.message.sender.displayName).toBe("Renamed Elsewhere");
    const event = await watcher.next((f) => f.type === "event" && f.event.message?.clientId === "outside-2");
    expect(event.event.message.sender.displayName).toBe("Renamed Elsewhere");
    watcher.close();
  });

  test("a session signed out, revoked, or deleted by another process is refused from its next request", async () => {
    await reactivateAll();
    const { db } = s.running.app.deps.store;
    const me = (token: string) => s.call("GET", "/api/v1/me", { token }).then((r) => r.status);
    const who = people[3]!;
    const a = createSession(db, who.id, 30);
    const b = createSession(db, who.id, 30);
    const c = createSession(db, who.id, 30);
    for (const t of [a.token, b.token, c.token]) expect(await me(t)).toBe(200); // all three now in memory
    expect((await s.call("POST", "/api/v1/auth/logout", { token: a.token })).status).toBe(204);
    expect(await me(a.token)).toBe(401);
    expect((await s.call("DELETE", `/api/v1/me/sessions/${b.session.id}`, { token: c.token })).status).toBe(204);
    expect(await me(b.token)).toBe(401);
    const other = new Database(join(s.dataDir, "parley.db"));
    other.run("PRAGMA busy_timeout = 5000");
    other.query("DELETE FROM sessions WHERE id = ?").run(c.session.id);
    other.close();
    expect(await me(c.token)).toBe(401);
  });
});
