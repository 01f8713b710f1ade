import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, cookieFrom, setUp, startTestServer, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: { token: string; user: any };
let ben: { token: string; user: any; password: string };
let eve: { token: string; user: any };
let n = 0;
const cid = () => `m-${++n}`;

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  eve = await addMember(s, ana.token, "eve");
});
afterAll(() => s.stop());

async function group(title: string, memberIds: string[]): Promise<any> {
  return (
    await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "group", title, memberIds } })
  ).body.conversation;
}
const post = (token: string, convId: string, text: string) =>
  s.call("POST", `/api/v1/conversations/${convId}/messages`, { token, body: { clientId: cid(), text } });

describe("members", () => {
  test("someone added is subscribed at once on their open sockets and sees the conversation from then on", async () => {
    const conv = await group("Team", [ben.user.id]);
    await post(ana.token, conv.id, "before eve");
    const eveTab = await TestSocket.ready(s.url, eve.token);
    expect(
      (
        await s.call("POST", `/api/v1/conversations/${conv.id}/members`, {
          token: ana.token,
          body: { userId: eve.user.id },
        })
      ).status,
    ).toBe(201);
    const [added] = await eveTab.waitForEvents(1, "member.added");
    expect(added.user.username).toBe("eve");
    expect(added.conversation.title).toBe("Team");
    expect(added.conversation.members.map((m: any) => m.user.username).sort()).toEqual(["ana", "ben", "eve"]);
    await post(ben.token, conv.id, "welcome eve");
    const [live] = await eveTab.waitForEvents(1, "message.created");
    expect(live.message.text).toBe("welcome eve");
    // Their event stream starts when they joined; earlier history stays readable (documented decision).
    const stream = await s.call("GET", "/api/v1/events?since=0", { token: eve.token });
    expect(stream.body.events.filter((e: any) => e.conversationId === conv.id).map((e: any) => e.type)).toEqual([
      "member.added",
      "message.created",
    ]);
    const history = await s.call("GET", `/api/v1/conversations/${conv.id}/messages`, { token: eve.token });
    expect(history.body.messages.map((m: any) => m.text)).toEqual(["welcome eve", "before eve"]);
    const dup = await s.call("POST", `/api/v1/conversations/${conv.id}/members`, {
      token: ana.token,
      body: { userId: eve.user.id },
    });
    expect(dup.status).toBe(409);
    eveTab.close();
  });

  test("someone removed is told once, then receives nothing more and can no longer read or send", async () => {
    const conv = await group("Secret", [ben.user.id, eve.user.id]);
    const eveTab1 = await TestSocket.ready(s.url, eve.token);
    const eveTab2 = await TestSocket.ready(s.url, eve.token);
    const benTab = await TestSocket.ready(s.url, ben.token);
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${conv.id}/members/${eve.user.id}`, { token: ana.token })).status,
    ).toBe(204);
    for (const tab of [eveTab1, eveTab2, benTab]) {
      const [removed] = await tab.waitForEvents(1, "member.removed");
      expect(removed.user.username).toBe("eve");
    }
    await post(ana.token, conv.id, "after eve left");
    await benTab.waitForEvents(1, "message.created");
    // A marker in a conversation eve is still in proves her sockets are live and up to date.
    const other = await group("Open", [eve.user.id]);
    await post(ana.token, other.id, "marker");
    for (const tab of [eveTab1, eveTab2]) {
      await tab.next((f) => f.type === "event" && f.event.message?.text === "marker");
      expect(
        tab
          .events()
          .filter((e) => e.conversationId === conv.id)
          .map((e) => e.type),
      ).toEqual(["member.removed"]);
    }
    expect(
      (await s.call("GET", `/api/v1/conversations/${conv.id}/messages`, { token: eve.token })).body.error.code,
    ).toBe("NOT_A_MEMBER");
    expect((await post(eve.token, conv.id, "let me back")).status).toBe(403);
    const wsSend = await eveTab1.request({
      type: "send",
      id: "x",
      conversationId: conv.id,
      clientId: cid(),
      text: "hi",
    });
    expect(wsSend).toMatchObject({ type: "error", id: "x", code: "NOT_A_MEMBER" });
    const stream = (await s.call("GET", "/api/v1/events?since=0", { token: eve.token })).body.events.filter(
      (e: any) => e.conversationId === conv.id,
    );
    // Read back afterwards, the stream keeps only the removal: what came before is no longer theirs to read.
    expect(stream.map((e: any) => e.type)).toEqual(["member.removed"]);
    for (const t of [eveTab1, eveTab2, benTab]) t.close();
  });

  test("only the owner adds and removes; anyone may leave; the owner's leaving hands the group on", async () => {
    const conv = await group("Rights", [ben.user.id]);
    const byBen = await s.call("POST", `/api/v1/conversations/${conv.id}/members`, {
      token: ben.token,
      body: { userId: eve.user.id },
    });
    expect(byBen.status).toBe(403);
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${conv.id}/members/${ana.user.id}`, { token: ben.token })).status,
    ).toBe(403);
    expect(
      (await s.call("PATCH", `/api/v1/conversations/${conv.id}`, { token: ben.token, body: { title: "Mine" } })).status,
    ).toBe(403);
    const renamed = await s.call("PATCH", `/api/v1/conversations/${conv.id}`, {
      token: ana.token,
      body: { title: "Renamed" },
    });
    expect(renamed.body.conversation.title).toBe("Renamed");
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${conv.id}/members/${ana.user.id}`, { token: ana.token })).status,
    ).toBe(204);
    const view = (await s.call("GET", `/api/v1/conversations/${conv.id}`, { token: ben.token })).body.conversation;
    expect(view.members).toHaveLength(1);
    expect(view.members[0]).toMatchObject({ role: "owner", user: { username: "ben" } });
    const events = (await s.call("GET", "/api/v1/events?since=0", { token: ben.token })).body.events.filter(
      (e: any) => e.conversationId === conv.id,
    );
    expect(events.map((e: any) => e.type)).toEqual([
      "conversation.created",
      "conversation.updated",
      "member.removed",
      "member.role-changed",
    ]);
  });

  test("direct conversations keep exactly their two people", async () => {
    const direct = (
      await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
    ).body.conversation;
    const add = await s.call("POST", `/api/v1/conversations/${direct.id}/members`, {
      token: ana.token,
      body: { userId: eve.user.id },
    });
    expect(add.status).toBe(403);
    expect(
      (await s.call("DELETE", `/api/v1/conversations/${direct.id}/members/${ben.user.id}`, { token: ana.token }))
        .status,
    ).toBe(403);
  });
});

describe("authorization", () => {
  test("a non-member cannot read, send to, look at, or hear a conversation, by HTTP or WebSocket", async () => {
    const conv = await group("Private", [ben.user.id]);
    const eveTab = await TestSocket.ready(s.url, eve.token);
    const before = s.snapshot();
    for (const [method, path, body] of [
      ["GET", `/api/v1/conversations/${conv.id}`],
      ["GET", `/api/v1/conversations/${conv.id}/messages`],
      ["POST", `/api/v1/conversations/${conv.id}/messages`, { clientId: cid(), text: "intrude" }],
      ["PATCH", `/api/v1/conversations/${conv.id}`, { title: "pwned" }],
      ["POST", `/api/v1/conversations/${conv.id}/members`, { userId: eve.user.id }],
      ["POST", `/api/v1/conversations/${conv.id}/read`, { messageId: "x" }],
    ] as const) {
      const r = await s.call(method, path, { token: eve.token, body });
      expect([r.status, r.body.error.code]).toEqual([403, "NOT_A_MEMBER"]);
    }
    // The same answer for a conversation that does not exist: knowing an id grants nothing, nor does guessing one.
    expect((await s.call("GET", "/api/v1/conversations/doesnotexist", { token: eve.token })).body.error.code).toBe(
      "NOT_A_MEMBER",
    );
    const ws = await eveTab.request({
      type: "send",
      id: "s1",
      conversationId: conv.id,
      clientId: cid(),
      text: "intrude",
    });
    expect(ws).toMatchObject({ type: "error", id: "s1", code: "NOT_A_MEMBER" });
    expect(s.snapshot()).toBe(before);

    await post(ana.token, conv.id, "members only");
    const mine = await group("Eve's", [eve.user.id]);
    await post(ana.token, mine.id, "marker");
    await eveTab.next((f) => f.type === "event" && f.event.message?.text === "marker");
    expect(eveTab.frames.some((f) => JSON.stringify(f).includes("members only"))).toBe(false);
    const stream = await s.call("GET", "/api/v1/events?since=0", { token: eve.token });
    expect(JSON.stringify(stream.body)).not.toContain("members only");
    expect(JSON.stringify(stream.body)).not.toContain(conv.id);
    eveTab.close();
  });

  test("without a session there is no API and no socket", async () => {
    expect((await s.call("GET", "/api/v1/conversations")).status).toBe(401);
    expect((await s.call("GET", "/api/v1/events")).status).toBe(401);
    const anon = await TestSocket.connect(s.url);
    anon.send({ type: "hello" });
    expect(await anon.next((f) => f.type === "error")).toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await anon.closed).code).toBe(4500);
    const forged = await TestSocket.connect(s.url);
    forged.send({ type: "hello", token: ana.token.split(".")[0] + ".forged" });
    expect((await forged.closed).code).toBe(4500);
    const early = await TestSocket.connect(s.url);
    early.send({ type: "send", id: "e", conversationId: "x", clientId: "y", text: "z" });
    expect(await early.next((f) => f.id === "e")).toMatchObject({ type: "error", code: "UNAUTHENTICATED" });
    early.close();
  });

  test("a browser socket authenticates with the cookie, and a page from another site cannot open one", async () => {
    const login = await fetch(s.url + "/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ben", password: ben.password }),
    });
    const cookie = cookieFrom(login.headers);
    const tab = await TestSocket.connect(s.url, { cookie, origin: s.running.config.publicUrl });
    tab.send({ type: "hello" });
    expect((await tab.next((f) => f.type === "ready")).user.username).toBe("ben");
    tab.close();
    const hijack = await fetch(s.url + "/ws", {
      headers: {
        cookie,
        origin: "https://evil.example",
        upgrade: "websocket",
        connection: "Upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    expect(hijack.status).toBe(403);
    expect((await hijack.json()).error.code).toBe("CSRF_REJECTED");
  });

  test("signing out closes that session's sockets with a do-not-reconnect code", async () => {
    const login = await s.call("POST", "/api/v1/auth/login", { body: { username: "ben", password: ben.password } });
    const tab = await TestSocket.ready(s.url, login.body.token);
    const otherDevice = await TestSocket.ready(s.url, ben.token);
    expect((await s.call("POST", "/api/v1/auth/logout", { token: login.body.token })).status).toBe(204);
    expect((await tab.closed).code).toBe(4501);
    // Other sessions of the same person stay connected.
    expect((await otherDevice.request({ type: "ping", id: "p" })).type).toBe("pong");
    otherDevice.close();
  });
});
