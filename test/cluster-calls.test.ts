// Calls across the nodes of a cluster (cluster/call-routing.ts): a call is held by one node, and people whose
// sockets are on the others see it, join it and negotiate through it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, type TestServer } from "./harness.ts";
import { startCluster, type InProcessCluster } from "./cluster-nodes.ts";
import { TestSocket } from "./ws-client.ts";

let cluster: InProcessCluster;
let nodes: TestServer[];
let ana: { token: string; user: any };
let ben: { token: string; user: any };
let cat: { token: string; user: any };

beforeAll(async () => {
  // A closed socket's place is kept a second (the default is 20 s).
  cluster = await startCluster(3, { callGraceSeconds: "1" });
  nodes = cluster.nodes;
  ana = await setUp(nodes[0]!);
  ben = await addMember(nodes[1]!, ana.token, "ben");
  cat = await addMember(nodes[2]!, ana.token, "cat");
});

afterAll(async () => {
  await cluster?.stop();
});

describe("calls in a cluster of three nodes", () => {
  test("a call held by one node is seen, joined and signalled from the others, and ends for everyone once", async () => {
    const made = await nodes[0]!.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "group", title: "Call", memberIds: [ben.user.id, cat.user.id] },
    });
    const conv = made.body.conversation.id as string;
    const [a, b] = await Promise.all([
      TestSocket.ready(nodes[0]!.url, ana.token),
      TestSocket.ready(nodes[1]!.url, ben.token),
    ]);
    const callOf = (t: TestSocket, match: (call: any) => boolean) =>
      t.next((f) => f.type === "call" && f.conversationId === conv && match(f.call), 10_000);
    const offer = { sdp: { type: "offer", sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n" } };
    a.send({ type: "call.start", id: "s1", conversationId: conv, media: "audio" });
    const joinedA = await a.next((f) => f.type === "call.joined" && f.id === "s1", 10_000);
    const seen = await callOf(b, (c) => c?.participants.length === 1);
    b.send({ type: "call.join", id: "j1", conversationId: conv });
    const joinedB = await b.next((f) => f.type === "call.joined" && f.id === "j1", 10_000);
    await callOf(a, (c) => c?.participants.length === 2);
    b.send({ type: "call.signal", conversationId: conv, to: joinedA.peerId, data: offer });
    const relayed = await a.next((f) => f.type === "call.signal", 10_000);
    expect([relayed.from, relayed.fromUserId, relayed.data]).toEqual([joinedB.peerId, ben.user.id, offer]);
    a.send({ type: "call.signal", conversationId: conv, to: joinedB.peerId, data: offer });
    expect((await b.next((f) => f.type === "call.signal", 10_000)).from).toBe(joinedA.peerId);
    // Refusals of the holding node come back to the socket that asked, on its own node.
    b.send({ type: "call.signal", id: "x1", conversationId: conv, to: "not-a-peer", data: offer });
    expect((await b.next((f) => f.type === "error" && f.id === "x1", 10_000)).code).toBe("PEER_NOT_FOUND");
    // A socket going live on a third node hears of the call, and a start there joins it.
    const c = await TestSocket.ready(nodes[2]!.url, cat.token);
    expect((await callOf(c, (call) => call !== null)).call.id).toBe(seen.call.id);
    c.send({ type: "call.start", id: "s2", conversationId: conv, media: "audio" });
    await c.next((f) => f.type === "call.joined" && f.id === "s2", 10_000);
    expect((await callOf(a, (call) => call?.participants.length === 3)).call.id).toBe(seen.call.id);
    // Cat's socket closes: her place is kept for the grace, then given up by the holding node.
    c.close();
    await callOf(a, (call) => call?.participants.length === 2);
    for (const t of [a, b]) t.send({ type: "call.leave", conversationId: conv });
    await callOf(b, (call) => call === null);
    const ended = await b.next((f) => f.type === "event" && f.event.type === "call.ended", 10_000);
    expect(ended.event.call).toMatchObject({ answered: true, participants: 3 });
    a.close();
    b.close();
  });

  test("two nodes starting a call in one conversation at once make one call", async () => {
    const made = await nodes[0]!.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "direct", userId: ben.user.id },
    });
    const conv = made.body.conversation.id as string;
    const [a, b] = await Promise.all([
      TestSocket.ready(nodes[0]!.url, ana.token),
      TestSocket.ready(nodes[1]!.url, ben.token),
    ]);
    a.send({ type: "call.start", id: "sa", conversationId: conv, media: "video" });
    b.send({ type: "call.start", id: "sb", conversationId: conv, media: "video" });
    await a.next((f) => f.type === "call.joined" && f.id === "sa", 10_000);
    await b.next((f) => f.type === "call.joined" && f.id === "sb", 10_000);
    const both = (t: TestSocket) =>
      t.next((f) => f.type === "call" && f.conversationId === conv && f.call?.participants.length === 2, 10_000);
    const [fa, fb] = await Promise.all([both(a), both(b)]);
    expect(fa.call.id).toBe(fb.call.id);
    a.send({ type: "call.leave", conversationId: conv });
    await b.next((f) => f.type === "call" && f.conversationId === conv && f.call === null, 10_000);
    a.close();
    b.close();
  });
});
