// Threads over the API and the socket: replies gathered under a message, their summary on it, their own
// unread state for those who follow them, and the event stream (live and resumed) carrying them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, apiAs, createGroup, setUp, startTestServer, type Person, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: Person, ben: Person, cleo: Person, dan: Person, out: Person;
let g: string;

const api = apiAs(() => s);
const send = async (p: Person, text: string, extra: Record<string, unknown> = {}, conv = g) => {
  const r = await api(p, "POST", `/conversations/${conv}/messages`, { clientId: crypto.randomUUID(), text, ...extra });
  if (r.status !== 201) throw new Error(`send failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.message;
};
const reply = (p: Person, root: { id: string }, text: string) => send(p, text, { threadRootId: root.id });
const summary = async (p: Person) =>
  (await api(p, "GET", "/conversations")).body.conversations.find((c: any) => c.id === g);

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  [ana, ben, cleo, dan, out] = (await Promise.all(
    ["ana2", "ben", "cleo", "dan", "otto"].map((n) => addMember(s, root.token, n)),
  )) as unknown as [Person, Person, Person, Person, Person];
  g = await createGroup(s, ana.token, "Hikers", [ben.user.id, cleo.user.id, dan.user.id]);
});
afterAll(() => s.stop());

describe("threads", () => {
  test("replies stay out of the timeline and show on their first message as a summary with who replied", async () => {
    const root = await send(ana, "Saturday's hike: who is in?");
    const first = await reply(ben, root, "Me!");
    expect(first).toMatchObject({ threadRootId: root.id, thread: null });
    await reply(cleo, root, "Count me in");
    const after = await send(dan, "Unrelated: lunch?");

    const page = (await api(dan, "GET", `/conversations/${g}/messages?limit=10`)).body;
    expect(page.messages.map((m: any) => m.text)).toEqual(["Unrelated: lunch?", "Saturday's hike: who is in?"]);
    const shown = page.messages[1];
    expect(shown.thread).toMatchObject({ replyCount: 2, participantIds: [cleo.user.id, ben.user.id] });
    expect(Date.parse(shown.thread.lastReplyAt)).toBeGreaterThanOrEqual(Date.parse(first.createdAt));
    expect(page.messages[0].thread).toBeNull();

    const thread = (await api(dan, "GET", `/conversations/${g}/threads/${root.id}`)).body;
    expect(thread.root.id).toBe(root.id);
    expect(thread.messages.map((m: any) => m.text)).toEqual(["Me!", "Count me in"]);
    expect(thread.more).toBe(false);
    // Pages of a thread, both ways.
    const one = (await api(dan, "GET", `/conversations/${g}/threads/${root.id}?limit=1`)).body;
    expect([one.messages.map((m: any) => m.text), one.more]).toEqual([["Me!"], true]);
    const next = (await api(dan, "GET", `/conversations/${g}/threads/${root.id}?after=${first.id}`)).body;
    expect(next.messages.map((m: any) => m.text)).toEqual(["Count me in"]);
    const back = (await api(dan, "GET", `/conversations/${g}/threads/${root.id}?before=${next.messages[0].id}`)).body;
    expect(back.messages.map((m: any) => m.text)).toEqual(["Me!"]);
    // The last message of the conversation is its timeline's, not a thread reply.
    expect((await summary(dan)).lastMessage.id).toBe(after.id);
  });

  test("thread replies are unread only for those who follow the thread, and reading it clears them", async () => {
    const root = await send(ana, "Carpool plan");
    // Everyone reads the timeline up to here.
    for (const p of [ana, ben, cleo, dan]) await api(p, "POST", `/conversations/${g}/read`, { messageId: root.id });
    const before = { ana: await summary(ana), dan: await summary(dan) };
    const r1 = await reply(ben, root, "I can drive four @cleo");
    const r2 = await reply(ben, root, "Leaving at 8");

    // Ana wrote the first message and Cleo was mentioned: they follow it; Dan does not.
    const anaNow = await summary(ana);
    expect(anaNow.unreadCount).toBe(before.ana.unreadCount);
    expect(anaNow.threadUnreadCount - before.ana.threadUnreadCount).toBe(2);
    expect((await summary(cleo)).threadUnreadCount).toBeGreaterThanOrEqual(2);
    const danNow = await summary(dan);
    expect([danNow.unreadCount, danNow.threadUnreadCount]).toEqual([
      before.dan.unreadCount,
      before.dan.threadUnreadCount,
    ]);
    // Ben wrote them: nothing of his own is unread for him.
    const bens = (await api(ben, "GET", `/conversations/${g}/threads`)).body.threads;
    expect(bens.find((t: any) => t.root.id === root.id)).toMatchObject({ unreadCount: 0, following: true });

    const anas = (await api(ana, "GET", `/conversations/${g}/threads`)).body.threads;
    expect(anas[0]).toMatchObject({ root: { id: root.id, thread: { replyCount: 2 } }, unreadCount: 2 });
    expect(
      (await api(dan, "GET", `/conversations/${g}/threads`)).body.threads.map((t: any) => t.root.id),
    ).not.toContain(root.id);

    // Ana's other device hears that she read the first reply.
    const other = await TestSocket.ready(s.url, ana.token);
    const read = await api(ana, "POST", `/conversations/${g}/threads/${root.id}/read`, { messageId: r1.id });
    expect(read.status).toBe(204);
    const told = await other.next((f) => f.type === "summary" && f.conversation.id === g);
    expect(told.conversation.threadUnreadCount - before.ana.threadUnreadCount).toBe(1);
    // Never backwards.
    await api(ana, "POST", `/conversations/${g}/threads/${root.id}/read`, { messageId: r2.id });
    await api(ana, "POST", `/conversations/${g}/threads/${root.id}/read`, { messageId: r1.id });
    expect((await summary(ana)).threadUnreadCount).toBe(before.ana.threadUnreadCount);
    other.close();
  });

  test("following and unfollowing: a follower from now on, and an unfollowed thread stays quiet", async () => {
    const root = await send(ana, "Trail conditions");
    await reply(ben, root, "Muddy");
    const danBefore = (await summary(dan)).threadUnreadCount;
    expect((await api(dan, "PUT", `/conversations/${g}/threads/${root.id}/follow`)).body).toEqual({ following: true });
    // What was written before following counts as read.
    expect((await summary(dan)).threadUnreadCount).toBe(danBefore);
    await reply(ben, root, "Very muddy");
    expect((await summary(dan)).threadUnreadCount).toBe(danBefore + 1);

    const anaBefore = (await summary(ana)).threadUnreadCount;
    expect((await api(ana, "DELETE", `/conversations/${g}/threads/${root.id}/follow`)).body).toEqual({
      following: false,
    });
    const anaAfter = (await summary(ana)).threadUnreadCount;
    expect(anaAfter).toBeLessThan(anaBefore);
    await reply(ben, root, "Bring boots");
    expect((await summary(ana)).threadUnreadCount).toBe(anaAfter);
    // Writing in it again is taking part again.
    await reply(ana, root, "Noted");
    await reply(ben, root, "👍");
    expect((await summary(ana)).threadUnreadCount).toBe(anaAfter + 1);
  });

  test("events carry each reply with its thread's summary, live and on resume, and deletes count down", async () => {
    const root = await send(ana, "Photos from the summit");
    const live = await TestSocket.ready(s.url, dan.token);
    const since = (await api(dan, "GET", "/events?limit=500")).body.next;
    const r = await reply(ben, root, "Stunning");
    const created = await live.next((f) => f.type === "event" && f.event.message?.id === r.id);
    expect(created.event).toMatchObject({
      type: "message.created",
      message: { threadRootId: root.id },
      thread: { rootId: root.id, replyCount: 1, participantIds: [ben.user.id] },
    });
    await api(ben, "DELETE", `/conversations/${g}/messages/${r.id}`);
    const deleted = await live.next((f) => f.type === "event" && f.event.type === "message.deleted");
    expect(deleted.event.thread).toEqual({ rootId: root.id, replyCount: 0, lastReplyAt: null, participantIds: [] });
    live.close();

    // A client that was away gets both, in order, from its last event; like the message, the summary is
    // the thread as it is now.
    const resumed = await TestSocket.ready(s.url, dan.token, since);
    const [c, d] = await resumed.waitForEvents(2);
    expect([c.type, c.message.deleted, c.thread.replyCount, d.type, d.thread.replyCount]).toEqual([
      "message.created",
      true,
      0,
      "message.deleted",
      0,
    ]);
    resumed.close();
    const page = (await api(dan, "GET", `/events?since=${since}`)).body.events;
    expect(page.map((e: any) => [e.type, e.thread?.rootId])).toEqual([
      ["message.created", root.id],
      ["message.deleted", root.id],
    ]);
  });

  test("a reply over the socket is acked like any send, and a retry stores it once", async () => {
    const root = await send(ana, "Gear list");
    const ws = await TestSocket.ready(s.url, ben.token);
    const frame = { type: "send", conversationId: g, clientId: "gear-1", text: "Poles", threadRootId: root.id };
    const ack = await ws.request({ ...frame, id: "a" });
    expect(ack).toMatchObject({ type: "ack", message: { threadRootId: root.id, text: "Poles" } });
    const again = await ws.request({ ...frame, id: "b" });
    expect(again.message.id).toBe(ack.message.id);
    const thread = (await api(ben, "GET", `/conversations/${g}/threads/${root.id}`)).body;
    expect(thread.messages.map((m: any) => m.text)).toEqual(["Poles"]);
    ws.close();
  });

  test("bad thread replies are refused with a clear error and change nothing", async () => {
    const root = await send(ana, "Root for refusals");
    const inThread = await reply(ben, root, "a reply");
    const elsewhere = await createGroup(s, ana.token, "Elsewhere", [ben.user.id]);
    const foreign = await send(ana, "over there", {}, elsewhere);
    const gone = await send(ana, "soon gone");
    await api(ana, "DELETE", `/conversations/${g}/messages/${gone.id}`);
    const before = s.snapshot();
    const attempt = (p: Person, threadRootId: unknown) =>
      api(p, "POST", `/conversations/${g}/messages`, { clientId: crypto.randomUUID(), text: "x", threadRootId });
    const cases: [Person, unknown, number, string][] = [
      [ben, "no-such-message", 404, "MESSAGE_NOT_FOUND"],
      [ben, foreign.id, 404, "MESSAGE_NOT_FOUND"],
      [ben, inThread.id, 400, "VALIDATION_FAILED"],
      [ben, gone.id, 404, "MESSAGE_NOT_FOUND"],
      [ben, "", 400, "VALIDATION_FAILED"],
      [ben, 42, 400, "VALIDATION_FAILED"],
      [ben, "x".repeat(101), 400, "VALIDATION_FAILED"],
      [out, root.id, 403, "NOT_A_MEMBER"],
    ];
    for (const [p, id, status, code] of cases) {
      const r = await attempt(p, id);
      expect([r.status, r.body.error.code, r.body.error.field ?? "threadRootId"]).toEqual([
        status,
        code,
        "threadRootId",
      ]);
    }
    // Reading and following: members only, replies of this thread only.
    expect((await api(out, "GET", `/conversations/${g}/threads/${root.id}`)).body.error.code).toBe("NOT_A_MEMBER");
    expect((await api(out, "GET", `/conversations/${g}/threads`)).body.error.code).toBe("NOT_A_MEMBER");
    expect((await api(out, "PUT", `/conversations/${g}/threads/${root.id}/follow`)).body.error.code).toBe(
      "NOT_A_MEMBER",
    );
    expect((await api(ben, "GET", `/conversations/${g}/threads/${inThread.id}`)).status).toBe(400);
    expect((await api(ben, "GET", `/conversations/${g}/threads/${root.id}?before=${foreign.id}`)).status).toBe(404);
    expect(
      (await api(ben, "POST", `/conversations/${g}/threads/${root.id}/read`, { messageId: foreign.id })).status,
    ).toBe(404);
    expect((await api(ben, "POST", `/conversations/${g}/threads/${root.id}/read`, { messageId: 7 })).status).toBe(400);
    expect(s.snapshot()).toBe(before);
  });
});
