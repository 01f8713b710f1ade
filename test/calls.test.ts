// Calls over /ws, as clients see them: starting, joining, negotiation relayed only between participants,
// mute and sharing shown to everyone, the limit, the grace for a dropped connection, ringing and declining a
// direct call, and every refusal (non-members, people without the right, strangers to the call, bad frames).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { addMember, apiAs, setUp, startTestServer, waitFor, type Person, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: Person, ben: Person, cid: Person, dee: Person, eve: Person;
let group: string;
let dm: string;
const api = apiAs(() => s);
const open: TestSocket[] = [];

async function socket(p: Person, server = s): Promise<TestSocket> {
  const t = await TestSocket.ready(server.url, p.token);
  open.push(t);
  return t;
}
const callIn = (t: TestSocket, conversationId: string, match: (call: any) => boolean) =>
  t.next((f) => f.type === "call" && f.conversationId === conversationId && match(f.call));
const errorFor = (t: TestSocket, id: string) => t.next((f) => f.type === "error" && f.id === id);
const offer = { sdp: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" } };

beforeAll(async () => {
  s = await startTestServer({ callMaxParticipants: "3", callGraceSeconds: "2", callRingSeconds: "5" });
  const root = await setUp(s);
  [ana, ben, cid, dee, eve] = (await Promise.all(
    ["ana1", "ben", "cid", "dee", "eve"].map((n) => addMember(s, root.token, n)),
  )) as unknown as [Person, Person, Person, Person, Person];
  group = (
    await api(ana, "POST", "/conversations", {
      type: "group",
      title: "Family",
      memberIds: [ben.user.id, cid.user.id, dee.user.id],
    })
  ).body.conversation.id;
  dm = (await api(ana, "POST", "/conversations", { type: "direct", userId: ben.user.id })).body.conversation.id;
});
afterAll(async () => {
  for (const t of open) t.close();
  await s.stop();
});

describe("calls", () => {
  test("a call starts, others join, and negotiation goes between participants only, saying who it is from", async () => {
    const [a, b, c, d] = await Promise.all([socket(ana), socket(ben), socket(cid), socket(dee)]);
    a.send({ type: "call.start", id: "s1", conversationId: group, media: "video" });
    const joinedA = await a.next((f) => f.type === "call.joined" && f.id === "s1");
    expect(joinedA).toMatchObject({ conversationId: group, iceServers: [] });
    // Every member hears that a call is going on, with who is in it.
    const started = await callIn(d, group, (c) => c?.participants.length === 1);
    expect(started.call).toMatchObject({ media: "video", startedBy: ana.user.id, declinedBy: [] });
    expect(started.call.participants[0]).toMatchObject({
      peerId: joinedA.peerId,
      userId: ana.user.id,
      muted: false,
      camera: true,
      sharing: false,
    });

    b.send({ type: "call.join", id: "j1", conversationId: group });
    const joinedB = await b.next((f) => f.type === "call.joined" && f.id === "j1");
    await callIn(a, group, (c) => c?.participants.length === 2);

    b.send({ type: "call.signal", conversationId: group, to: joinedA.peerId, data: offer });
    const relayed = await a.next((f) => f.type === "call.signal");
    expect(relayed).toEqual({
      type: "call.signal",
      conversationId: group,
      from: joinedB.peerId,
      fromUserId: ben.user.id,
      data: offer,
    });
    const candidate = { candidate: { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host", sdpMid: "0" } };
    a.send({ type: "call.signal", conversationId: group, to: joinedB.peerId, data: candidate });
    expect((await b.next((f) => f.type === "call.signal")).data).toEqual(candidate);

    // Mute and sharing are shown to everyone in the conversation.
    b.send({ type: "call.state", conversationId: group, muted: true, sharing: true });
    const muted = await callIn(d, group, (c) => c?.participants.some((p: any) => p.muted));
    expect(muted.call.participants.find((p: any) => p.userId === ben.user.id)).toMatchObject({
      muted: true,
      sharing: true,
    });

    // Cid is a member but not in the call: he may not signal, and nobody signals to someone outside it.
    c.send({ type: "call.signal", id: "x1", conversationId: group, to: joinedA.peerId, data: offer });
    expect((await errorFor(c, "x1")).code).toBe("NOT_IN_CALL");
    a.send({ type: "call.signal", id: "x2", conversationId: group, to: "not-a-peer", data: offer });
    expect((await errorFor(a, "x2")).code).toBe("PEER_NOT_FOUND");
    // A sentinel behind them: nothing reached Ben or Dee.
    a.send({ type: "ping", id: "after" });
    await a.next((f) => f.type === "pong" && f.id === "after");
    expect(b.frames.filter((f) => f.type === "call.signal")).toHaveLength(1);
    expect(d.frames.filter((f) => f.type === "call.signal")).toHaveLength(0);

    // The third fills the call (limit 3 here); the fourth is told it is full.
    c.send({ type: "call.join", id: "j2", conversationId: group });
    await c.next((f) => f.type === "call.joined" && f.id === "j2");
    d.send({ type: "call.join", id: "j3", conversationId: group });
    const full = await errorFor(d, "j3");
    expect([full.code, full.message]).toEqual(["CALL_FULL", "This call is full: at most 3 people."]);

    // Leaving: the others see it; the last one out ends the call.
    for (const t of [a, b, c]) t.send({ type: "call.leave", conversationId: group });
    await callIn(d, group, (c) => c === null);
    // The history keeps it, as an event every member receives and a line among the messages.
    const ended = await d.next((f) => f.type === "event" && f.event.type === "call.ended");
    expect(ended.event).toMatchObject({ conversationId: group, actorId: ana.user.id });
    expect(ended.event.call).toMatchObject({ media: "video", answered: true, participants: 3, startedBy: ana.user.id });
    expect(Date.parse(ended.event.call.endedAt)).toBeGreaterThanOrEqual(Date.parse(ended.event.call.startedAt));
    const page = (await api(dee, "GET", `/conversations/${group}/messages`)).body;
    expect(page.notices.find((n: any) => n.type === "call.ended")).toMatchObject({
      id: ended.event.id,
      actor: { id: ana.user.id },
      call: ended.event.call,
    });
  });

  test("people outside the conversation, and members without the right, cannot start, join or signal", async () => {
    const [a, e] = await Promise.all([socket(ana), socket(eve)]);
    e.send({ type: "call.start", id: "e1", conversationId: group, media: "audio" });
    expect((await errorFor(e, "e1")).code).toBe("NOT_A_MEMBER");
    // Only admins may start calls now; a member may still join one an admin started.
    await api(ana, "PUT", `/conversations/${group}/permissions`, { permissions: { startCalls: "admin" } });
    const b = await socket(ben);
    b.send({ type: "call.start", id: "b1", conversationId: group, media: "audio" });
    expect((await errorFor(b, "b1")).code).toBe("FORBIDDEN");
    a.send({ type: "call.start", id: "a1", conversationId: group, media: "audio" });
    const joinedA = await a.next((f) => f.type === "call.joined" && f.id === "a1");
    e.send({ type: "call.join", id: "e2", conversationId: group });
    expect((await errorFor(e, "e2")).code).toBe("NOT_A_MEMBER");
    e.send({ type: "call.signal", id: "e3", conversationId: group, to: joinedA.peerId, data: offer });
    expect((await errorFor(e, "e3")).code).toBe("NOT_A_MEMBER");
    // Eve never heard of the call at all.
    e.send({ type: "ping", id: "e-after" });
    await e.next((f) => f.type === "pong" && f.id === "e-after");
    expect(e.frames.filter((f) => f.type === "call")).toEqual([]);
    b.send({ type: "call.join", id: "b2", conversationId: group });
    await b.next((f) => f.type === "call.joined" && f.id === "b2");
    // Removed from the group: out of the call at once.
    await api(ana, "DELETE", `/conversations/${group}/members/${ben.user.id}`);
    await callIn(a, group, (c) => c?.participants.length === 1);
    b.send({ type: "call.signal", id: "b3", conversationId: group, to: joinedA.peerId, data: offer });
    expect((await errorFor(b, "b3")).code).toBe("NOT_A_MEMBER");
    await api(ana, "POST", `/conversations/${group}/members`, { userId: ben.user.id });
    await api(ana, "PUT", `/conversations/${group}/permissions`, { permissions: { startCalls: "member" } });
    a.send({ type: "call.leave", conversationId: group });
    await callIn(a, group, (c) => c === null);
  });

  test.each([
    ["an unknown medium", { type: "call.start", conversationId: "x", media: "hologram" }, "media"],
    [
      "a signal with neither sdp nor candidate",
      { type: "call.signal", conversationId: "x", to: "p", data: {} },
      "data",
    ],
    [
      "a signal with something else in it",
      {
        type: "call.signal",
        conversationId: "x",
        to: "p",
        data: { sdp: { type: "offer", sdp: "v=0" }, js: "alert(1)" },
      },
      "data",
    ],
    [
      "an oversized offer",
      { type: "call.signal", conversationId: "x", to: "p", data: { sdp: { type: "offer", sdp: "a".repeat(32_001) } } },
      "data.sdp.sdp",
    ],
    ["a state with nothing to change", { type: "call.state", conversationId: "x" }, "muted"],
    ["a join without a conversation", { type: "call.join" }, "conversationId"],
  ])("refuses %s with an error frame, and the socket stays usable", async (_name, frame, field) => {
    const t = await socket(cid);
    t.send({ ...frame, id: "bad" });
    const err = await errorFor(t, "bad");
    expect([err.code, err.field]).toEqual(["VALIDATION_FAILED", field]);
    t.send({ type: "ping", id: "still" });
    await t.next((f) => f.type === "pong" && f.id === "still");
  });

  test("signalling faster than a browser negotiates is refused", async () => {
    const [a, b] = await Promise.all([socket(ana), socket(ben)]);
    a.send({ type: "call.start", id: "r1", conversationId: group, media: "audio" });
    await a.next((f) => f.type === "call.joined" && f.id === "r1");
    b.send({ type: "call.join", id: "r2", conversationId: group });
    const joinedB = await b.next((f) => f.type === "call.joined" && f.id === "r2");
    for (let i = 0; i < 260; i++)
      a.send({ type: "call.signal", id: `flood-${i}`, conversationId: group, to: joinedB.peerId, data: offer });
    const limited = await a.next((f) => f.type === "error" && f.code === "RATE_LIMITED");
    expect(limited.retryAfter).toBeGreaterThan(0);
    for (const t of [a, b]) t.send({ type: "call.leave", conversationId: group });
    await callIn(a, group, (c) => c === null);
  });

  test("a dropped connection keeps its place for the grace: back in time, nobody notices; gone, it is removed", async () => {
    const [a, d] = await Promise.all([socket(ana), socket(dee)]);
    const b1 = await socket(ben);
    a.send({ type: "call.start", id: "g1", conversationId: group, media: "audio" });
    const joinedA = await a.next((f) => f.type === "call.joined" && f.id === "g1");
    b1.send({ type: "call.join", id: "g2", conversationId: group });
    const joinedB = await b1.next((f) => f.type === "call.joined" && f.id === "g2");
    await callIn(d, group, (c) => c?.participants.length === 2);
    const framesBefore = d.frames.filter((f) => f.type === "call").length;
    const hub = s.running.app.deps.hub;
    const bensBefore = hub.liveSockets(ben.user.id).length;
    b1.close();
    await waitFor(() => hub.liveSockets(ben.user.id).length === bensBefore - 1, "Ben's socket to be gone");
    // Back within the grace, on a new connection, in the same place.
    const b2 = await socket(ben);
    b2.send({ type: "call.join", id: "g3", conversationId: group, rejoin: joinedB.peerId });
    expect((await b2.next((f) => f.type === "call.joined" && f.id === "g3")).peerId).toBe(joinedB.peerId);
    a.send({ type: "call.signal", conversationId: group, to: joinedB.peerId, data: offer });
    expect((await b2.next((f) => f.type === "call.signal")).from).toBe(joinedA.peerId);
    // Nobody was told of the drop or the return.
    d.send({ type: "ping", id: "d-after" });
    await d.next((f) => f.type === "pong" && f.id === "d-after");
    expect(d.frames.filter((f) => f.type === "call")).toHaveLength(framesBefore);
    // Someone else's place cannot be taken.
    const c = await socket(cid);
    c.send({ type: "call.join", id: "g4", conversationId: group, rejoin: joinedA.peerId });
    expect((await c.next((f) => f.type === "call.joined" && f.id === "g4")).peerId).not.toBe(joinedA.peerId);
    c.send({ type: "call.leave", conversationId: group });
    await callIn(d, group, (call) => call?.participants.length === 2);
    // Gone for longer than the grace: removed, and the others hear it.
    b2.close();
    const after = await callIn(d, group, (call) => call?.participants.length === 1);
    expect(after.call.participants[0].userId).toBe(ana.user.id);
    a.send({ type: "call.leave", conversationId: group });
    await callIn(d, group, (call) => call === null);
  });

  test("a direct call rings the other person, stops ringing on every device once one answers, and ends when one hangs up", async () => {
    const a = await socket(ana);
    const [phone, laptop] = await Promise.all([socket(ben), socket(ben)]);
    a.send({ type: "call.start", id: "d1", conversationId: dm, media: "video" });
    await a.next((f) => f.type === "call.joined" && f.id === "d1");
    // Both of Ben's devices hear the call (they ring: he is not in it).
    await Promise.all([phone, laptop].map((t) => callIn(t, dm, (c) => c?.participants.length === 1)));
    phone.send({ type: "call.join", id: "d2", conversationId: dm });
    await phone.next((f) => f.type === "call.joined" && f.id === "d2");
    // The laptop sees Ben in the call: it stops ringing.
    const answered = await callIn(laptop, dm, (c) => c?.participants.length === 2);
    expect(answered.call.participants.map((p: any) => p.userId).sort()).toEqual([ana.user.id, ben.user.id].sort());
    phone.send({ type: "call.leave", conversationId: dm });
    await callIn(a, dm, (c) => c === null);
  });

  test("a declined direct call ends for the caller; an unanswered one ends after the ring time", async () => {
    const [a, b] = await Promise.all([socket(ana), socket(ben)]);
    a.send({ type: "call.start", id: "n1", conversationId: dm, media: "audio" });
    await a.next((f) => f.type === "call.joined" && f.id === "n1");
    const ringingCall = (await callIn(b, dm, (c) => c !== null)).call;
    b.send({ type: "call.decline", conversationId: dm });
    await callIn(a, dm, (c) => c === null);
    // A declined call is a missed one in the history of both.
    for (const t of [a, b]) {
      const missed = await t.next(
        (f) => f.type === "event" && f.event.type === "call.ended" && f.event.call?.id === ringingCall.id,
      );
      expect(missed.event.call).toMatchObject({ media: "audio", answered: false, participants: 1 });
    }

    const before = a.frames.length;
    a.send({ type: "call.start", id: "n2", conversationId: dm, media: "audio" });
    await a.next((f) => f.type === "call.joined" && f.id === "n2");
    // Nobody answers within the ring time (5 s here): the call ends by itself.
    const ended = await a.next(
      (f) => f.type === "call" && f.conversationId === dm && f.call === null && a.frames.indexOf(f) >= before,
      10_000,
    );
    expect(ended.call).toBeNull();
  });
});

describe("TURN credentials", () => {
  test("participants get STUN and TURN servers with a credential that expires, as coturn's REST API expects", async () => {
    const t = await startTestServer({
      stunUrls: "stun:127.0.0.1:3478",
      turnUrls: "turn:127.0.0.1:3478?transport=udp, turns:127.0.0.1:5349",
      turnSecret: "north-wind",
      turnTtlSeconds: "600",
    });
    try {
      const root = await setUp(t);
      const x = await addMember(t, root.token, "xena");
      const y = await addMember(t, root.token, "yuri");
      const c = (
        await t.call("POST", "/api/v1/conversations", { token: x.token, body: { type: "direct", userId: y.user.id } })
      ).body.conversation.id;
      const xs = await socket(x as Person, t);
      xs.send({ type: "call.start", id: "t1", conversationId: c, media: "audio" });
      const { iceServers } = await xs.next((f) => f.type === "call.joined");
      expect(iceServers[0]).toEqual({ urls: ["stun:127.0.0.1:3478"] });
      const turn = iceServers[1];
      expect(turn.urls).toEqual(["turn:127.0.0.1:3478?transport=udp", "turns:127.0.0.1:5349"]);
      const [expiry, userId] = turn.username.split(":");
      expect(userId).toBe(x.user.id);
      expect(Number(expiry) * 1000 - Date.now()).toBeGreaterThan(590_000);
      expect(Number(expiry) * 1000 - Date.now()).toBeLessThan(610_000);
      expect(turn.credential).toBe(createHmac("sha1", "north-wind").update(turn.username).digest("base64"));
      xs.send({ type: "call.leave", conversationId: c });
    } finally {
      await t.stop();
    }
  });

  test("a TURN server without its secret, or a URL that is not STUN or TURN, stops the start with a clear error", async () => {
    await expect(startTestServer({ turnUrls: "turn:127.0.0.1:3478" })).rejects.toThrow(
      "PARLEY_TURN_URLS needs PARLEY_TURN_SECRET",
    );
    await expect(startTestServer({ stunUrls: "http://127.0.0.1:3478" })).rejects.toThrow(
      'PARLEY_STUN_URLS: "http://127.0.0.1:3478" is not a stun: or stuns: URL',
    );
  });
});
