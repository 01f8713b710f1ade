import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: { token: string; user: any };
let ben: { token: string; user: any };
let cat: { token: string; user: any };
let n = 0;
const cid = () => `c-${++n}-${crypto.randomUUID()}`;

beforeAll(async () => {
  // Tests here pipeline bursts of sends; the per-connection limit has its own test.
  s = await startTestServer({ sendRate: "1000" });
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  cat = await addMember(s, ana.token, "cat");
});
afterAll(() => s.stop());

async function group(owner: { token: string }, title: string, memberIds: string[]): Promise<any> {
  const r = await s.call("POST", "/api/v1/conversations", {
    token: owner.token,
    body: { type: "group", title, memberIds },
  });
  expect(r.status).toBe(201);
  return r.body.conversation;
}

function countMessages(where = "1=1"): number {
  return (s.running.app.deps.store.sqlite.query(`SELECT count(*) AS n FROM messages WHERE ${where}`).get() as any).n;
}

describe("direct conversations", () => {
  test("are created once per pair: asking again, from either side, returns the same one", async () => {
    const first = await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "direct", userId: ben.user.id },
    });
    expect(first.status).toBe(201);
    expect(first.body.conversation.type).toBe("direct");
    expect(first.body.conversation.members.map((m: any) => m.user.username).sort()).toEqual(["ana", "ben"]);
    const again = await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "direct", userId: ben.user.id },
    });
    const other = await s.call("POST", "/api/v1/conversations", {
      token: ben.token,
      body: { type: "direct", userId: ana.user.id },
    });
    expect(again.status).toBe(200);
    expect(other.status).toBe(200);
    expect(again.body.conversation.id).toBe(first.body.conversation.id);
    expect(other.body.conversation.id).toBe(first.body.conversation.id);
  });

  test("cannot be opened with yourself or with someone who does not exist", async () => {
    const self = await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "direct", userId: ana.user.id },
    });
    expect(self.status).toBe(400);
    expect(self.body.error.field).toBe("userId");
    const ghost = await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "direct", userId: "nobody" },
    });
    expect(ghost.status).toBe(404);
    expect(ghost.body.error.code).toBe("USER_NOT_FOUND");
  });
});

describe("live delivery", () => {
  test("a send reaches every member's sockets once, with the sender's name, and is acked with the stored message", async () => {
    const conv = await group(ana, "Family", [ben.user.id]);
    const anaTab = await TestSocket.ready(s.url, ana.token);
    const benTab1 = await TestSocket.ready(s.url, ben.token);
    const benTab2 = await TestSocket.ready(s.url, ben.token);
    const clientId = cid();
    const ack = await anaTab.request({
      type: "send",
      id: "r1",
      conversationId: conv.id,
      clientId,
      text: "Dinner at 7?",
    });
    expect(ack.type).toBe("ack");
    expect(ack.message).toMatchObject({ conversationId: conv.id, clientId, text: "Dinner at 7?" });
    expect(ack.message.sender).toEqual({ id: ana.user.id, username: "ana", displayName: "Ana Admin", avatarUrl: null });

    // A second message as a marker: once it has arrived, any duplicate of the first would have too.
    await anaTab.request({ type: "send", id: "r2", conversationId: conv.id, clientId: cid(), text: "marker" });
    for (const tab of [anaTab, benTab1, benTab2]) {
      const created = await tab.waitForEvents(2, "message.created");
      expect(created.map((e) => e.message.text)).toEqual(["Dinner at 7?", "marker"]);
      expect(created[0].message.id).toBe(ack.message.id);
      expect(created[0].message.sender.displayName).toBe("Ana Admin");
      expect(Number(created[1].id)).toBeGreaterThan(Number(created[0].id));
    }
    for (const t of [anaTab, benTab1, benTab2]) t.close();
  });

  test("a retried send with the same clientId returns the original, over WebSocket and over HTTP", async () => {
    const conv = await group(ana, "Retries", [ben.user.id]);
    const tab = await TestSocket.ready(s.url, ana.token);
    const clientId = cid();
    const first = await tab.request({ type: "send", id: "a", conversationId: conv.id, clientId, text: "once" });
    const retry = await tab.request({ type: "send", id: "b", conversationId: conv.id, clientId, text: "once" });
    expect(retry.type).toBe("ack");
    expect(retry.message.id).toBe(first.message.id);
    const http = await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: ana.token,
      body: { clientId, text: "once" },
    });
    expect(http.status).toBe(200);
    expect(http.body.message.id).toBe(first.message.id);
    expect(countMessages(`client_id = '${clientId}'`)).toBe(1);

    const viaHttp = cid();
    const created = await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: ana.token,
      body: { clientId: viaHttp, text: "http" },
    });
    expect(created.status).toBe(201);
    const again = await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: ana.token,
      body: { clientId: viaHttp, text: "http" },
    });
    expect(again.status).toBe(200);
    expect(again.body.message.id).toBe(created.body.message.id);
    expect(countMessages(`client_id = '${viaHttp}'`)).toBe(1);
    // Only the first of each produced an event.
    await tab.waitForEvents(2, "message.created");
    const reused = await s.call("POST", `/api/v1/conversations/${(await group(ana, "Other", [])).id}/messages`, {
      token: ana.token,
      body: { clientId, text: "x" },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.error.code).toBe("CLIENT_ID_REUSED");
    expect(tab.events("message.created").length).toBe(2);
    tab.close();
  });

  test("someone offline during 50 messages gets exactly those 50, in order, on reconnect and through GET /events", async () => {
    const conv = await group(ana, "Busy", [ben.user.id]);
    const benTab = await TestSocket.ready(s.url, ben.token);
    const ready = benTab.frames[0];
    expect(ready.user.username).toBe("ben");
    benTab.close();
    await benTab.closed;
    const since = ready.lastEventId;

    const texts = Array.from({ length: 50 }, (_, i) => `message ${i + 1}`);
    const anaTab = await TestSocket.ready(s.url, ana.token);
    const queue = s.running.app.deps.chat.queue;
    // Ben's leaving and Ana's arrival write last-seen times: let those land before counting.
    await waitFor(() => s.running.app.deps.hub.socketsOf(ben.user.id) === 0, "ben's socket to close");
    await s.idle();
    const before = queue.stats();
    // Pipelined, as a client flushing its outbox: they share commits, and order is kept.
    texts.forEach((text, i) =>
      anaTab.send({ type: "send", id: `m${i}`, conversationId: conv.id, clientId: cid(), text }),
    );
    await anaTab.next((f) => f.type === "ack" && f.id === "m49");
    anaTab.close();
    const after = queue.stats();
    expect(after.jobs - before.jobs).toBe(50);
    expect(after.batches - before.batches).toBeLessThan(50); // group commit: fewer transactions than sends

    const back = await TestSocket.ready(s.url, ben.token, since);
    const missed = await back.waitForEvents(50, "message.created");
    // Then a live one, to prove the replay ended and live delivery followed without a gap or repeat.
    await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
      token: ana.token,
      body: { clientId: cid(), text: "live" },
    });
    const all = await back.waitForEvents(51, "message.created");
    expect(all.map((e) => e.message.text)).toEqual([...texts, "live"]);
    expect(back.events().length).toBe(51);
    const ids = back.events().map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    back.close();

    const got: any[] = [];
    let cursor = since;
    for (let page = 0; page < 10; page++) {
      const r = await s.call("GET", `/api/v1/events?since=${cursor}&limit=20`, { token: ben.token });
      expect(r.status).toBe(200);
      got.push(...r.body.events);
      cursor = r.body.next;
      if (!r.body.more) break;
    }
    expect(got.map((e) => e.message.text)).toEqual([...texts, "live"]);
    expect(got[0].message.sender.username).toBe("ana");
  });
});

describe("history, list and unread counts", () => {
  test("history pages newest first with before, oldest first with after, at most 100", async () => {
    const conv = await group(ana, "History", [ben.user.id]);
    const sent: any[] = [];
    for (let i = 0; i < 7; i++)
      sent.push(
        (
          await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
            token: ana.token,
            body: { clientId: cid(), text: `h${i}` },
          })
        ).body.message,
      );
    const latest = await s.call("GET", `/api/v1/conversations/${conv.id}/messages?limit=3`, { token: ben.token });
    expect(latest.body.messages.map((m: any) => m.text)).toEqual(["h6", "h5", "h4"]);
    expect(latest.body.more).toBe(true);
    const older = await s.call("GET", `/api/v1/conversations/${conv.id}/messages?limit=3&before=${sent[4].id}`, {
      token: ben.token,
    });
    expect(older.body.messages.map((m: any) => m.text)).toEqual(["h3", "h2", "h1"]);
    const newer = await s.call("GET", `/api/v1/conversations/${conv.id}/messages?limit=10&after=${sent[4].id}`, {
      token: ben.token,
    });
    expect(newer.body.messages.map((m: any) => m.text)).toEqual(["h5", "h6"]);
    expect(newer.body.more).toBe(false);
    const tooMany = await s.call("GET", `/api/v1/conversations/${conv.id}/messages?limit=101`, { token: ben.token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.field).toBe("limit");
    const unknown = await s.call("GET", `/api/v1/conversations/${conv.id}/messages?before=nope`, { token: ben.token });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("MESSAGE_NOT_FOUND");
  });

  test("my conversation list shows each last message and what I have not read", async () => {
    const conv = await group(ana, "Unread", [ben.user.id]);
    let last: any;
    for (const text of ["one", "two", "three"])
      last = (
        await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
          token: ana.token,
          body: { clientId: cid(), text },
        })
      ).body.message;
    const list = await s.call("GET", "/api/v1/conversations", { token: ben.token });
    const mine = list.body.conversations.find((c: any) => c.id === conv.id);
    expect(mine.lastMessage.text).toBe("three");
    expect(mine.unreadCount).toBe(3);
    expect(list.body.conversations[0].id).toBe(conv.id); // the most recently active first
    const anaView = (await s.call("GET", `/api/v1/conversations/${conv.id}`, { token: ana.token })).body.conversation;
    expect(anaView.unreadCount).toBe(0); // your own messages are never unread
    const read = await s.call("POST", `/api/v1/conversations/${conv.id}/read`, {
      token: ben.token,
      body: { messageId: last.id },
    });
    expect(read.status).toBe(204);
    expect(
      (await s.call("GET", `/api/v1/conversations/${conv.id}`, { token: ben.token })).body.conversation.unreadCount,
    ).toBe(0);
  });
});

describe("editing, deleting and replying", () => {
  test("members see edits and deletions live; a deleted message is a tombstone without its text", async () => {
    const conv = await group(ana, "Edits", [ben.user.id]);
    const benTab = await TestSocket.ready(s.url, ben.token);
    const msg = (
      await s.call("POST", `/api/v1/conversations/${conv.id}/messages`, {
        token: ana.token,
        body: { clientId: cid(), text: "helo" },
      })
    ).body.message;
    const edited = await s.call("PATCH", `/api/v1/conversations/${conv.id}/messages/${msg.id}`, {
      token: ana.token,
      body: { text: "hello" },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.message.editedAt).not.toBeNull();
    const [update] = await benTab.waitForEvents(1, "message.updated");
    expect(update.message).toMatchObject({ id: msg.id, text: "hello" });

    const notMine = await s.call("PATCH", `/api/v1/conversations/${conv.id}/messages/${msg.id}`, {
      token: ben.token,
      body: { text: "hijack" },
    });
    expect(notMine.status).toBe(403);
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${conv.id}/messages/${msg.id}`, { token: ben.token })).status,
    ).toBe(403);

    expect(
      (await s.call("DELETE", `/api/v1/conversations/${conv.id}/messages/${msg.id}`, { token: ana.token })).status,
    ).toBe(204);
    const [deleted] = await benTab.waitForEvents(1, "message.deleted");
    expect(deleted.message).toMatchObject({ id: msg.id, deleted: true, text: "" });
    expect(s.snapshot()).not.toContain("hello");
    const history = await s.call("GET", `/api/v1/conversations/${conv.id}/messages`, { token: ben.token });
    expect(history.body.messages[0]).toMatchObject({ id: msg.id, deleted: true, text: "" });
    const editGone = await s.call("PATCH", `/api/v1/conversations/${conv.id}/messages/${msg.id}`, {
      token: ana.token,
      body: { text: "back" },
    });
    expect(editGone.status).toBe(404);
    benTab.close();
  });

  test("a reply must point at a message of the same conversation", async () => {
    const a = await group(ana, "A", [ben.user.id]);
    const b = await group(ana, "B", [ben.user.id]);
    const inA = (
      await s.call("POST", `/api/v1/conversations/${a.id}/messages`, {
        token: ana.token,
        body: { clientId: cid(), text: "question" },
      })
    ).body.message;
    const reply = await s.call("POST", `/api/v1/conversations/${a.id}/messages`, {
      token: ben.token,
      body: { clientId: cid(), text: "answer", replyToId: inA.id },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.message.replyToId).toBe(inA.id);
    const before = s.snapshot();
    const wrong = await s.call("POST", `/api/v1/conversations/${b.id}/messages`, {
      token: ben.token,
      body: { clientId: cid(), text: "answer", replyToId: inA.id },
    });
    expect(wrong.status).toBe(404);
    expect(wrong.body.error.field).toBe("replyToId");
    expect(s.snapshot()).toBe(before);
  });
});
