import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  addMember,
  setUp,
  startTestServer,
  type TestServer,
  type Person,
  apiAs,
  waitFor,
  setPicture,
} from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: Person, ben: Person, carol: Person;
let dm: string;
/** Carol shares no conversation with Ana or Ben: she must never hear any of it. */
let carolWatch: TestSocket;

const api = apiAs(() => s);
const frames = (t: TestSocket, type: string) => t.frames.filter((f: any) => f.type === type);
const until = async (t: TestSocket, type: string, match: (f: any) => boolean = () => true) =>
  t.next((f: any) => f.type === type && match(f));

beforeAll(async () => {
  s = await startTestServer({ wsIdleTimeoutSeconds: "8" });
  const root = await setUp(s);
  [ana, ben, carol] = (await Promise.all(
    ["anna", "ben", "carol"].map((n) => addMember(s, root.token, n)),
  )) as unknown as [Person, Person, Person];
  dm = (await api(ana, "POST", "/conversations", { type: "direct", userId: ben.user.id })).body.conversation.id;
  carolWatch = await TestSocket.ready(s.url, carol.token);
});
afterAll(async () => {
  carolWatch?.close();
  await s.stop();
});

describe("presence", () => {
  test("online → away → online → offline across two tabs, told to those who share a conversation", async () => {
    const watch = await TestSocket.ready(s.url, ben.token);
    const tab1 = await TestSocket.ready(s.url, ana.token);
    expect(await until(watch, "presence", (f) => f.userId === ana.user.id)).toMatchObject({ status: "online" });
    const tab2 = await TestSocket.ready(s.url, ana.token);
    tab1.send({ type: "presence", status: "away" });
    // A sentinel behind it on the same socket: once Ben sees Ana typing, the away frame was handled.
    tab1.send({ type: "typing", conversationId: dm });
    await until(watch, "typing", (f) => f.userId === ana.user.id);
    // One tab still active: still online, and nothing new was said.
    expect(
      frames(watch, "presence")
        .filter((f: any) => f.userId === ana.user.id)
        .map((f: any) => f.status),
    ).toEqual(["online"]);
    tab2.send({ type: "presence", status: "away" });
    expect(await until(watch, "presence", (f) => f.status === "away")).toMatchObject({ userId: ana.user.id });
    expect((await api(ben, "GET", "/presence")).body.presence).toEqual([
      { userId: ana.user.id, status: "away", lastSeenAt: expect.any(String) },
    ]);
    tab2.send({ type: "presence", status: "active" });
    await until(watch, "presence", (f) => f.status === "online" && frames(watch, "presence").length >= 3);
    tab1.close();
    tab2.close();
    const off = await until(watch, "presence", (f) => f.status === "offline");
    expect(Date.parse(off.lastSeenAt)).toBeGreaterThan(Date.now() - 10_000);
    watch.close();
  });

  test("a device that vanishes without a close goes offline within the idle timeout", async () => {
    const watch = await TestSocket.ready(s.url, ben.token);
    const frozen = Bun.spawn([process.execPath, join(import.meta.dir, "fixtures/frozen-client.ts"), s.url, ana.token], {
      stdout: "pipe",
      stderr: "inherit",
    });
    await frozen.stdout.getReader().read();
    await until(watch, "presence", (f) => f.userId === ana.user.id && f.status === "online");
    frozen.kill("SIGSTOP"); // no close frame, no pong: a phone that lost its network
    const started = Date.now();
    await watch.next((f: any) => f.type === "presence" && f.status === "offline", 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    frozen.kill("SIGKILL");
    watch.close();
  });

  test("someone who hides their last seen shows none, live or asked", async () => {
    expect((await api(ana, "PATCH", "/me", { hideLastSeen: true })).body.user.hideLastSeen).toBe(true);
    const watch = await TestSocket.ready(s.url, ben.token);
    const tab = await TestSocket.ready(s.url, ana.token);
    // Presence is coalesced (a flap that ends where it began tells nobody): be seen online, then leave.
    expect(
      (await until(watch, "presence", (f) => f.userId === ana.user.id && f.status === "online")).lastSeenAt,
    ).toBeNull();
    tab.close();
    expect((await until(watch, "presence", (f) => f.status === "offline")).lastSeenAt).toBeNull();
    expect((await api(ben, "GET", "/presence")).body.presence[0].lastSeenAt).toBeNull();
    await api(ana, "PATCH", "/me", { hideLastSeen: false });
    watch.close();
  });
});

describe("typing", () => {
  test("reaches the other member, throttled, never outsiders; outsiders may not send it", async () => {
    const watch = await TestSocket.ready(s.url, ben.token);
    const tab = await TestSocket.ready(s.url, ana.token);
    tab.send({ type: "typing", conversationId: dm });
    tab.send({ type: "typing", conversationId: dm });
    expect(await until(watch, "typing")).toEqual({
      type: "typing",
      conversationId: dm,
      userId: ana.user.id,
      expiresInMs: 6000,
    });
    // A sentinel sent after both: when its message reaches Ben, a second typing notice would have too.
    await tab.request({
      type: "send",
      id: "sentinel",
      conversationId: dm,
      clientId: "typing-sentinel",
      text: "sentinel",
    });
    await watch.next((f) => f.type === "event" && f.event.message?.clientId === "typing-sentinel");
    expect(frames(watch, "typing")).toHaveLength(1);
    const nosy = await TestSocket.ready(s.url, carol.token);
    expect(await nosy.request({ type: "typing", id: "t1", conversationId: dm })).toMatchObject({
      type: "error",
      id: "t1",
      code: "NOT_A_MEMBER",
    });
    for (const t of [watch, tab, nosy]) t.close();
  });
});

describe("receipts", () => {
  test("sent, then delivered when a device of the recipient confirms, then read — told to the sender live", async () => {
    const sender = await TestSocket.ready(s.url, ana.token);
    const msg = (await api(ana, "POST", `/conversations/${dm}/messages`, { clientId: "r1", text: "are you there?" }))
      .body.message;
    expect((await api(ana, "GET", `/conversations/${dm}/receipts`)).body.receipts).toEqual([
      { userId: ben.user.id, deliveredMessageId: null, readMessageId: null },
    ]);
    const phone = await TestSocket.ready(s.url, ben.token);
    phone.send({ type: "delivered", conversationId: dm, messageId: msg.id });
    expect(await until(sender, "receipt")).toMatchObject({ kind: "delivered", userId: ben.user.id, messageId: msg.id });
    expect((await api(ana, "GET", `/conversations/${dm}/receipts`)).body.receipts[0]).toMatchObject({
      deliveredMessageId: msg.id,
      readMessageId: null,
    });
    phone.send({ type: "read", conversationId: dm, messageId: msg.id });
    expect(await until(sender, "receipt", (f) => f.kind === "read")).toMatchObject({
      userId: ben.user.id,
      messageId: msg.id,
    });
    expect((await api(ana, "GET", `/conversations/${dm}/receipts`)).body.receipts[0]).toMatchObject({
      readMessageId: msg.id,
    });
    sender.close();
    phone.close();
  });

  test("turning read receipts off hides them both ways", async () => {
    expect((await api(ben, "PATCH", "/me", { sendReadReceipts: false })).body.user.sendReadReceipts).toBe(false);
    const sender = await TestSocket.ready(s.url, ana.token);
    const msg = (await api(ana, "POST", `/conversations/${dm}/messages`, { clientId: "r2", text: "and now?" })).body
      .message;
    expect((await api(ben, "POST", `/conversations/${dm}/read`, { messageId: msg.id })).status).toBe(204);
    // A sentinel committed after the read: when it reaches Ana, a read receipt would have come before it.
    await api(ben, "POST", `/conversations/${dm}/messages`, { clientId: "receipt-sentinel", text: "sentinel" });
    await sender.next((f) => f.type === "event" && f.event.message?.clientId === "receipt-sentinel");
    expect(frames(sender, "receipt").filter((f: any) => f.kind === "read")).toEqual([]);
    expect((await api(ana, "GET", `/conversations/${dm}/receipts`)).body.receipts[0].readMessageId).toBeNull();
    // And Ben no longer sees when Ana reads.
    const reply = (await api(ben, "POST", `/conversations/${dm}/messages`, { clientId: "r3", text: "here" })).body
      .message;
    await api(ana, "POST", `/conversations/${dm}/read`, { messageId: reply.id });
    expect((await api(ben, "GET", `/conversations/${dm}/receipts`)).body.receipts[0].readMessageId).toBeNull();
    await api(ben, "PATCH", "/me", { sendReadReceipts: true });
    sender.close();
  });
});

describe("unread state across devices", () => {
  test("counts, mentions, reading on one device, mark unread and mute reach my other devices", async () => {
    const group = (
      await api(ana, "POST", "/conversations", { type: "group", title: "Unread", memberIds: [ben.user.id] })
    ).body.conversation.id;
    for (const text of ["one", "two @ben", "three"])
      await api(ana, "POST", `/conversations/${group}/messages`, { clientId: crypto.randomUUID(), text });
    const mine = async () => (await api(ben, "GET", `/conversations/${group}`)).body.conversation;
    expect(await mine()).toMatchObject({ unreadCount: 3, mentionCount: 1, mutedUntil: null, markedUnread: false });
    const laptop = await TestSocket.ready(s.url, ben.token);
    const phone = await TestSocket.ready(s.url, ben.token);
    const last = (await api(ben, "GET", `/conversations/${group}/messages?limit=1`)).body.messages[0];
    laptop.send({ type: "read", conversationId: group, messageId: last.id });
    expect((await until(phone, "summary")).conversation).toMatchObject({ id: group, unreadCount: 0, mentionCount: 0 });
    expect((await api(ben, "POST", `/conversations/${group}/unread`)).status).toBe(204);
    expect((await until(phone, "summary", (f) => f.conversation.markedUnread)).conversation.markedUnread).toBe(true);
    const muted = await api(ben, "PUT", `/conversations/${group}/mute`, { until: "forever" });
    expect(muted.body.conversation.mutedUntil).toBe("9999-01-01T00:00:00.000Z");
    expect((await until(laptop, "summary", (f) => f.conversation.mutedUntil !== null)).conversation.mutedUntil).toBe(
      "9999-01-01T00:00:00.000Z",
    );
    // Opening it again clears "unread"; unmuting takes null; nonsense is refused.
    laptop.send({ type: "read", conversationId: group, messageId: last.id });
    await until(phone, "summary", (f) => !f.conversation.markedUnread && f.conversation.mutedUntil !== null);
    expect(
      (await api(ben, "PUT", `/conversations/${group}/mute`, { until: null })).body.conversation.mutedUntil,
    ).toBeNull();
    for (const until of ["soon", "2001-01-01T00:00:00Z", 5])
      expect((await api(ben, "PUT", `/conversations/${group}/mute`, { until })).status).toBe(400);
    expect((await api(carol, "POST", `/conversations/${group}/unread`)).body.error.code).toBe("NOT_A_MEMBER");
    laptop.close();
    phone.close();
  });

  test("none of it ever reached someone who shares no conversation", () => {
    const heard = carolWatch.frames.filter((f: any) => ["presence", "typing", "receipt", "summary"].includes(f.type));
    expect(heard).toEqual([]);
  });
});

describe("presence grace", () => {
  test("a reconnect within the grace tells nobody; staying away is told once the grace is over", async () => {
    const g = await startTestServer({ presenceGraceSeconds: "1", presenceRate: "1000" });
    try {
      const root = await setUp(g);
      const [x, y] = await Promise.all(["xena", "yuri"].map((n) => addMember(g, root.token, n)));
      await g.call("POST", "/api/v1/conversations", { token: x!.token, body: { type: "direct", userId: y!.user.id } });
      const watch = await TestSocket.ready(g.url, y!.token);
      const first = await TestSocket.ready(g.url, x!.token);
      await until(watch, "presence", (f) => f.userId === x!.user.id && f.status === "online");
      // A reload: the socket goes (and the server has seen it go), and another comes at once.
      first.close();
      const hub = g.running.app.deps.hub;
      await waitFor(() => hub.liveSockets(x!.user.id).length === 0, "the first socket to be gone");
      // Meanwhile a list asked for agrees with what was told: still online.
      const listed = (await g.call("GET", "/api/v1/presence", { token: y!.token })).body.presence;
      expect(listed.find((p: any) => p.userId === x!.user.id).status).toBe("online");
      const second = await TestSocket.ready(g.url, x!.token);
      second.close();
      const off = await until(watch, "presence", (f) => f.userId === x!.user.id && f.status === "offline");
      expect(off.lastSeenAt).toEqual(expect.any(String));
      // Without the grace the reload would have shown as offline, online, offline.
      const told = frames(watch, "presence").filter((f: any) => f.userId === x!.user.id);
      expect(told.map((f: any) => f.status)).toEqual(["online", "offline"]);
      watch.close();
    } finally {
      await g.stop();
    }
  });
});

describe("profiles", () => {
  test("a new name and a new picture reach those who share a conversation and my other devices, and nobody else", async () => {
    const watch = await TestSocket.ready(s.url, ben.token);
    const otherTab = await TestSocket.ready(s.url, ana.token);
    await api(ana, "PATCH", "/me", { displayName: "Anna Bell" });
    const renamed = await until(watch, "profile");
    expect(renamed.user).toMatchObject({ id: ana.user.id, displayName: "Anna Bell", username: "anna" });
    // What others may see, nothing more (timeZone is null unless shared).
    expect(Object.keys(renamed.user).sort()).toEqual([
      "avatarUrl",
      "bio",
      "deleted",
      "displayName",
      "id",
      "timeZone",
      "username",
    ]);
    expect((await until(otherTab, "profile")).user.displayName).toBe("Anna Bell");

    const res = await setPicture(s.url, ana.token);
    expect(res.status).toBe(200);
    const pictured = await until(watch, "profile", (f) => f.user.avatarUrl !== null);
    expect(pictured.user.avatarUrl).toBe(res.body.user.avatarUrl);

    // A setting others do not see tells nobody.
    await api(ana, "PATCH", "/me", { sendReadReceipts: false });
    // Sentinels: pongs come after anything published before them on the same socket.
    await watch.request({ type: "ping", id: "after-settings" });
    await carolWatch.request({ type: "ping", id: "profile-sentinel" });
    expect(frames(watch, "profile")).toHaveLength(2);
    expect(frames(carolWatch, "profile")).toEqual([]);
    await api(ana, "PATCH", "/me", { sendReadReceipts: true });
    watch.close();
    otherTab.close();
  });
});
