import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer, type Person, apiAs } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let owner: Person, admin: Person, member: Person, other: Person;
let g: string;

const api = apiAs(() => s);
const send = async (p: Person, text: string, conv = g) =>
  (await api(p, "POST", `/conversations/${conv}/messages`, { clientId: crypto.randomUUID(), text })).body.message;
const sql = (q: string, ...args: string[]) => s.running.app.deps.store.sqlite.query(q).all(...args);

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  [owner, admin, member, other] = (await Promise.all(
    ["olga", "adam", "mia", "otto"].map((n) => addMember(s, root.token, n)),
  )) as unknown as [Person, Person, Person, Person];
  g = (
    await api(owner, "POST", "/conversations", {
      type: "group",
      title: "Band",
      memberIds: [admin.user.id, member.user.id],
    })
  ).body.conversation.id;
  await api(owner, "PATCH", `/conversations/${g}/members/${admin.user.id}`, { role: "admin" });
});
afterAll(() => s.stop());

describe("reactions", () => {
  test("toggle per person and emoji, counted per emoji with who, live and in history", async () => {
    const m = await send(member, "Gig on Friday!");
    const ws = await TestSocket.ready(s.url, owner.token);
    const r1 = await api(owner, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "🎉" });
    expect(r1.status).toBe(200);
    expect(r1.body.reacted).toBe(true);
    await api(admin, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "🎉" });
    await api(admin, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "👍🏽" });
    const [, , third] = await ws.waitForEvents(3, "message.reactions");
    expect(third.message.reactions).toEqual([
      { emoji: "🎉", count: 2, userIds: [owner.user.id, admin.user.id] },
      { emoji: "👍🏽", count: 1, userIds: [admin.user.id] },
    ]);
    const off = await api(owner, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "🎉" });
    expect(off.body).toMatchObject({
      reacted: false,
      message: {
        reactions: [
          { emoji: "🎉", count: 1 },
          { emoji: "👍🏽", count: 1 },
        ],
      },
    });
    const history = (await api(member, "GET", `/conversations/${g}/messages?limit=1`)).body.messages[0];
    expect(history.reactions.map((x: any) => [x.emoji, x.count])).toEqual([
      ["🎉", 1],
      ["👍🏽", 1],
    ]);
    ws.close();
  });

  test("anything but one emoji is refused; outsiders and deleted messages too; nothing changes", async () => {
    const m = await send(member, "react to me");
    const before = s.snapshot();
    for (const emoji of ["", "ok", "👍👍", "👍 ", "<b>", "x".repeat(40), 5]) {
      const r = await api(owner, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect(
      (await api(other, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "👍" })).body.error.code,
    ).toBe("NOT_A_MEMBER");
    expect(s.snapshot()).toBe(before);
    await api(member, "DELETE", `/conversations/${g}/messages/${m.id}`);
    expect((await api(owner, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "👍" })).status).toBe(
      404,
    );
  });
});

describe("mentions", () => {
  test("@username of a member is stored and listed for them; @everyone only where the role allows it", async () => {
    await send(member, "@adam can you bring the amp? cc @otto @nobody");
    await send(member, "@everyone rehearsal moved");
    await send(admin, "@everyone it is at 7");
    const forAdam = (await api(admin, "GET", "/mentions")).body.messages.map((m: any) => m.text);
    expect(forAdam).toEqual(["@adam can you bring the amp? cc @otto @nobody"]);
    const forMia = (await api(member, "GET", "/mentions")).body.messages.map((m: any) => m.text);
    expect(forMia).toEqual(["@everyone it is at 7"]);
    // Otto is not in the group: he is not mentioned, and sees nothing of it.
    expect((await api(other, "GET", "/mentions")).body.messages).toEqual([]);
    const last = (await api(owner, "GET", `/conversations/${g}/messages?limit=3`)).body.messages;
    expect(last.map((m: any) => m.mentions)).toEqual([
      { userIds: [], everyone: true },
      { userIds: [], everyone: false },
      { userIds: [admin.user.id], everyone: false },
    ]);
  });

  test("an edit that drops a mention drops it from the list", async () => {
    const m = await send(member, "@olga look");
    expect((await api(owner, "GET", "/mentions")).body.messages.map((x: any) => x.id)).toContain(m.id);
    await api(member, "PATCH", `/conversations/${g}/messages/${m.id}`, { text: "never mind" });
    expect((await api(owner, "GET", "/mentions")).body.messages.map((x: any) => x.id)).not.toContain(m.id);
  });
});

describe("pins, versions, forwarding", () => {
  test("admins pin and unpin (members may not), members see the pins live and in the list", async () => {
    const m = await send(member, "Setlist: intro, verse, chorus");
    const ws = await TestSocket.ready(s.url, member.token);
    expect((await api(member, "PUT", `/conversations/${g}/pins/${m.id}`)).body.error.code).toBe("FORBIDDEN");
    const pinned = await api(admin, "PUT", `/conversations/${g}/pins/${m.id}`);
    expect(pinned.body.message.pinned).toBe(true);
    const [e] = await ws.waitForEvents(1, "message.pinned");
    expect(e.message).toMatchObject({ id: m.id, pinned: true });
    expect((await api(member, "GET", `/conversations/${g}/pins`)).body.messages.map((x: any) => x.id)).toEqual([m.id]);
    expect((await api(admin, "DELETE", `/conversations/${g}/pins/${m.id}`)).body.message.pinned).toBe(false);
    expect((await api(member, "GET", `/conversations/${g}/pins`)).body.messages).toEqual([]);
    ws.close();
  });

  test("earlier versions stay for the author and admins; deleting erases them with reactions and pins", async () => {
    const m = await send(member, "first words");
    await api(member, "PATCH", `/conversations/${g}/messages/${m.id}`, { text: "second words" });
    await api(member, "PATCH", `/conversations/${g}/messages/${m.id}`, { text: "third words" });
    for (const p of [member, admin, owner]) {
      expect(
        (await api(p, "GET", `/conversations/${g}/messages/${m.id}/versions`)).body.versions.map((v: any) => v.text),
      ).toEqual(["first words", "second words"]);
    }
    const other2 = await send(admin, "mine");
    expect((await api(member, "GET", `/conversations/${g}/messages/${other2.id}/versions`)).body.error.code).toBe(
      "FORBIDDEN",
    );
    await api(owner, "POST", `/conversations/${g}/messages/${m.id}/reactions`, { emoji: "👍" });
    await api(admin, "PUT", `/conversations/${g}/pins/${m.id}`);
    expect((await api(member, "DELETE", `/conversations/${g}/messages/${m.id}`)).status).toBe(204);
    for (const table of ["message_versions", "reactions", "pins", "mentions"])
      expect(sql(`SELECT * FROM ${table} WHERE message_id = ?`, m.id)).toEqual([]);
    expect(JSON.stringify(sql("SELECT * FROM messages WHERE id = ?", m.id))).not.toContain("words");
  });

  test("forwarding copies a message I can read into a conversation where I may post, naming its author", async () => {
    const original = await send(admin, "Tickets are at the door");
    const dm = (await api(member, "POST", "/conversations", { type: "direct", userId: other.user.id })).body
      .conversation.id;
    const fwd = await api(member, "POST", `/conversations/${dm}/messages`, {
      clientId: "fwd-1",
      forwardOf: { conversationId: g, messageId: original.id },
    });
    expect(fwd.status).toBe(201);
    expect(fwd.body.message).toMatchObject({
      conversationId: dm,
      text: "Tickets are at the door",
      sender: { username: "mia" },
      forwardedFrom: { username: "adam" },
    });
    // Otto sees it, without access to the group it came from.
    expect(
      (await api(other, "GET", `/conversations/${dm}/messages?limit=1`)).body.messages[0].forwardedFrom.username,
    ).toBe("adam");
    // Otto cannot forward from a group he is not in.
    const refused = await api(other, "POST", `/conversations/${dm}/messages`, {
      clientId: "fwd-2",
      forwardOf: { conversationId: g, messageId: original.id },
    });
    expect(refused.body.error.code).toBe("NOT_A_MEMBER");
    const bad = await api(member, "POST", `/conversations/${dm}/messages`, {
      clientId: "fwd-3",
      forwardOf: { conversationId: g },
    });
    expect(bad.status).toBe(400);
  });
});
