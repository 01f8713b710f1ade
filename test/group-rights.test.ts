import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer, type Person, apiAs } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: Person; // instance admin, in no group
let olga: Person, adam: Person, mia: Person, max: Person, fred: Person, nina: Person;
const dmWithMax = new Map<string, string>();

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  const people = await Promise.all(
    ["olga", "adam", "mia", "max", "fred", "nina"].map((n) => addMember(s, ana.token, n)),
  );
  [olga, adam, mia, max, fred, nina] = people as unknown as [Person, Person, Person, Person, Person, Person];
  // Everyone has a direct conversation with Max to forward into.
  for (const p of [olga, adam, mia, fred, nina, ana])
    dmWithMax.set(
      p.user.id,
      (await api(p, "POST", "/conversations", { type: "direct", userId: max.user.id })).body.conversation.id,
    );
});
afterAll(() => s.stop());

const api = apiAs(() => s);

/** A fresh group: Olga owns it, Adam is an admin, Mia and Max are members, Fred was one and was removed. */
async function freshGroup(extra: Record<string, unknown> = {}) {
  const conv = (
    await api(olga, "POST", "/conversations", {
      type: "group",
      title: "Club",
      memberIds: [adam.user.id, mia.user.id, max.user.id, fred.user.id],
      ...extra,
    })
  ).body.conversation;
  expect(
    (await api(olga, "PATCH", `/conversations/${conv.id}/members/${adam.user.id}`, { role: "admin" })).status,
  ).toBe(200);
  expect((await api(olga, "DELETE", `/conversations/${conv.id}/members/${fred.user.id}`)).status).toBe(204);
  const fromMax = (
    await api(max, "POST", `/conversations/${conv.id}/messages`, { clientId: crypto.randomUUID(), text: "from max" })
  ).body.message;
  return { id: conv.id as string, fromMax: fromMax?.id as string };
}

type Actor = "owner" | "admin" | "member" | "former" | "nonMember" | "instanceAdmin";
const actors: Record<Actor, () => Person> = {
  owner: () => olga,
  admin: () => adam,
  member: () => mia,
  former: () => fred,
  nonMember: () => nina,
  instanceAdmin: () => ana,
};
const outsider = { former: "NOT_A_MEMBER", nonMember: "NOT_A_MEMBER", instanceAdmin: "NOT_A_MEMBER" } as const;

/** Each action, how to attempt it, and what each role gets: true (allowed) or the error code. */
const matrix: {
  action: string;
  readOnly?: boolean;
  run: (p: Person, g: { id: string; fromMax: string }) => Promise<{ status: number; body: any }>;
  expect: Record<Actor, true | string>;
}[] = [
  {
    action: "read history",
    readOnly: true,
    run: (p, g) => api(p, "GET", `/conversations/${g.id}/messages`),
    expect: { owner: true, admin: true, member: true, ...outsider },
  },
  {
    action: "post",
    run: (p, g) => api(p, "POST", `/conversations/${g.id}/messages`, { clientId: crypto.randomUUID(), text: "hi" }),
    expect: { owner: true, admin: true, member: true, ...outsider },
  },
  {
    action: "add a member",
    run: (p, g) => api(p, "POST", `/conversations/${g.id}/members`, { userId: nina.user.id }),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "remove a member",
    run: (p, g) => api(p, "DELETE", `/conversations/${g.id}/members/${max.user.id}`),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "remove an admin",
    run: (p, g) => api(p, "DELETE", `/conversations/${g.id}/members/${adam.user.id}`),
    expect: { owner: true, admin: true /* leaving */, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "remove the owner",
    run: (p, g) => api(p, "DELETE", `/conversations/${g.id}/members/${olga.user.id}`),
    expect: { owner: true /* leaving */, admin: "FORBIDDEN", member: "FORBIDDEN", ...outsider },
  },
  {
    action: "rename",
    run: (p, g) => api(p, "PATCH", `/conversations/${g.id}`, { title: "Renamed", description: "New" }),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "delete someone else's message",
    run: (p, g) => api(p, "DELETE", `/conversations/${g.id}/messages/${g.fromMax}`),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "make someone an admin",
    run: (p, g) => api(p, "PATCH", `/conversations/${g.id}/members/${max.user.id}`, { role: "admin" }),
    expect: { owner: true, admin: "FORBIDDEN", member: "FORBIDDEN", ...outsider },
  },
  {
    action: "change the rights",
    run: (p, g) => api(p, "PUT", `/conversations/${g.id}/permissions`, { preset: "announcements" }),
    expect: { owner: true, admin: "FORBIDDEN", member: "FORBIDDEN", ...outsider },
  },
  {
    action: "hand over the group",
    run: (p, g) => api(p, "POST", `/conversations/${g.id}/transfer`, { userId: max.user.id }),
    expect: { owner: true, admin: "FORBIDDEN", member: "FORBIDDEN", ...outsider },
  },
  {
    action: "create an invite link",
    run: (p, g) => api(p, "POST", `/conversations/${g.id}/invites`, {}),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "react",
    run: (p, g) => api(p, "POST", `/conversations/${g.id}/messages/${g.fromMax}/reactions`, { emoji: "👍" }),
    expect: { owner: true, admin: true, member: true, ...outsider },
  },
  {
    action: "pin a message",
    run: (p, g) => api(p, "PUT", `/conversations/${g.id}/pins/${g.fromMax}`),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "read someone else's earlier versions",
    readOnly: true,
    run: (p, g) => api(p, "GET", `/conversations/${g.id}/messages/${g.fromMax}/versions`),
    expect: { owner: true, admin: true, member: "FORBIDDEN", ...outsider },
  },
  {
    action: "forward out of the group",
    run: (p, g) =>
      api(p, "POST", `/conversations/${dmWithMax.get(p.user.id)}/messages`, {
        clientId: crypto.randomUUID(),
        forwardOf: { conversationId: g.id, messageId: g.fromMax },
      }),
    expect: { owner: true, admin: true, member: true, ...outsider },
  },
  {
    action: "delete the group",
    run: (p, g) => api(p, "DELETE", `/conversations/${g.id}`),
    expect: {
      owner: true,
      admin: "FORBIDDEN",
      member: "FORBIDDEN",
      former: "NOT_A_MEMBER",
      nonMember: "NOT_A_MEMBER",
      instanceAdmin: true,
    },
  },
];

describe("the authorization matrix: every action × every role, over HTTP", () => {
  for (const row of matrix) {
    for (const [actor, expected] of Object.entries(row.expect) as [Actor, true | string][]) {
      test(`${row.action} as ${actor}: ${expected === true ? "allowed" : expected}`, async () => {
        const g = await freshGroup();
        const before = s.snapshot();
        const r = await row.run(actors[actor](), g);
        if (expected === true) {
          expect(r.status).toBeLessThan(300);
          if (row.readOnly) expect(s.snapshot()).toBe(before);
          else expect(s.snapshot()).not.toBe(before);
        } else {
          expect(r.status).toBe(403);
          expect(r.body.error.code).toBe(expected);
          // Refused means nothing changed, and no event was written for anyone.
          expect(s.snapshot()).toBe(before);
        }
      });
    }
  }
});

describe("the same rights over the socket", () => {
  test("a send frame obeys post: members yes, outsiders NOT_A_MEMBER, members of an announcements group FORBIDDEN", async () => {
    const g = await freshGroup();
    const news = await freshGroup({ preset: "announcements" });
    const cases: [Person, string, string | null][] = [
      [mia, g.id, null],
      [fred, g.id, "NOT_A_MEMBER"],
      [nina, g.id, "NOT_A_MEMBER"],
      [ana, g.id, "NOT_A_MEMBER"],
      [mia, news.id, "FORBIDDEN"],
      [adam, news.id, null],
    ];
    for (const [p, conversationId, code] of cases) {
      const ws = await TestSocket.ready(s.url, p.token);
      const before = s.snapshot();
      const reply = await ws.request({
        type: "send",
        id: "r1",
        conversationId,
        clientId: crypto.randomUUID(),
        text: "over the socket",
      });
      if (code === null) expect(reply.type).toBe("ack");
      else {
        expect(reply).toMatchObject({ type: "error", id: "r1", code });
        expect(s.snapshot()).toBe(before);
      }
      ws.close();
    }
  });
});

describe("roles and ownership", () => {
  test("the announcements preset: only admins and the owner post; everyone still reads", async () => {
    const g = await freshGroup({ preset: "announcements" });
    const send = (p: Person) =>
      api(p, "POST", `/conversations/${g.id}/messages`, { clientId: crypto.randomUUID(), text: "news" });
    expect((await send(mia)).status).toBe(403);
    expect((await send(adam)).status).toBe(201);
    expect((await api(mia, "GET", `/conversations/${g.id}/messages`)).body.messages.map((m: any) => m.text)).toContain(
      "news",
    );
    const view = (await api(mia, "GET", `/conversations/${g.id}`)).body.conversation;
    expect(view.permissions.post).toBe("admin");
    expect(view.can).toMatchObject({ post: false, read: true, react: true });
    expect(view.myRole).toBe("member");
  });

  test("single rights can be changed, and only to roles that exist", async () => {
    const g = await freshGroup();
    expect(
      (await api(olga, "PUT", `/conversations/${g.id}/permissions`, { permissions: { addMembers: "member" } })).status,
    ).toBe(200);
    expect((await api(mia, "POST", `/conversations/${g.id}/members`, { userId: nina.user.id })).status).toBe(201);
    const before = s.snapshot();
    for (const body of [
      { permissions: { addMembers: "everyone" } },
      { permissions: { fly: "member" } },
      { preset: "chaos" },
      { permissions: "member" },
    ]) {
      const r = await api(olga, "PUT", `/conversations/${g.id}/permissions`, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect(s.snapshot()).toBe(before);
  });

  test("every role change is an event members see live", async () => {
    const g = await freshGroup();
    const ws = await TestSocket.ready(s.url, mia.token);
    expect((await api(olga, "PATCH", `/conversations/${g.id}/members/${max.user.id}`, { role: "admin" })).status).toBe(
      200,
    );
    const [e] = await ws.waitForEvents(1, "member.role-changed");
    expect(e).toMatchObject({ conversationId: g.id, actorId: olga.user.id, user: { username: "max" } });
    expect(e.conversation.members.find((m: any) => m.user.username === "max").role).toBe("admin");
    ws.close();
  });

  test("history carries the group's changes as notices, in the stretch of time each page covers", async () => {
    const g = await freshGroup();
    await api(olga, "PATCH", `/conversations/${g.id}`, { title: "Club 2" });
    const page = (await api(mia, "GET", `/conversations/${g.id}/messages`)).body;
    expect(page.notices.map((n: any) => [n.type, n.actor?.username ?? null, n.subject?.username ?? null])).toEqual([
      ["conversation.created", "olga", null],
      ["member.role-changed", "olga", "adam"],
      ["member.removed", "olga", "fred"],
      ["conversation.updated", "olga", null],
    ]);
    // A page of older messages only carries notices from before its cursor.
    const older = (await api(mia, "GET", `/conversations/${g.id}/messages?before=${g.fromMax}`)).body;
    expect(older.notices.map((n: any) => n.type)).toEqual([
      "conversation.created",
      "member.role-changed",
      "member.removed",
    ]);
  });

  test("instance admins see every group's name, size and owner, but not its messages", async () => {
    const g = await freshGroup();
    const list = await api(ana, "GET", "/admin/groups");
    expect(list.status).toBe(200);
    const mine = list.body.groups.find((x: any) => x.id === g.id);
    expect(mine).toMatchObject({ title: "Club", memberCount: 4, owner: { username: "olga" }, archived: false });
    expect(JSON.stringify(list.body)).not.toContain("from max");
    const refused = await api(mia, "GET", "/admin/groups");
    expect(refused.status).toBe(403);
    expect((await api(ana, "GET", `/conversations/${g.id}/messages`)).body.error.code).toBe("NOT_A_MEMBER");
  });

  test("deleting a group tells every member live, and then it is gone for them", async () => {
    const g = await freshGroup();
    const ws = await TestSocket.ready(s.url, mia.token);
    expect((await api(olga, "DELETE", `/conversations/${g.id}`)).status).toBe(204);
    const [e] = await ws.waitForEvents(1, "conversation.deleted");
    expect(e).toMatchObject({ conversationId: g.id, actorId: olga.user.id });
    ws.close();
    expect((await api(mia, "GET", `/conversations/${g.id}/messages`)).body.error.code).toBe("NOT_A_MEMBER");
    const stream = (await api(mia, "GET", "/events?since=0&limit=500")).body.events.filter(
      (ev: any) => ev.conversationId === g.id,
    );
    expect(stream.map((ev: any) => ev.type)).toEqual(["conversation.deleted"]);
    expect((await api(mia, "GET", "/conversations")).body.conversations.some((c: any) => c.id === g.id)).toBe(false);
  });

  test("ownership always has exactly one holder: through transfer, leaving, and account deletion", async () => {
    const owners = async (id: string, p: Person) =>
      (await api(p, "GET", `/conversations/${id}`)).body.conversation.members
        .filter((m: any) => m.role === "owner")
        .map((m: any) => m.user.username);
    const g = await freshGroup();
    expect((await api(olga, "POST", `/conversations/${g.id}/transfer`, { userId: max.user.id })).status).toBe(200);
    expect(await owners(g.id, mia)).toEqual(["max"]);
    const olgaRole = (await api(olga, "GET", `/conversations/${g.id}`)).body.conversation.myRole;
    expect(olgaRole).toBe("admin");
    // Max leaves: the longest-serving admin takes over (Olga and Adam joined together; Olga came first).
    expect((await api(max, "DELETE", `/conversations/${g.id}/members/${max.user.id}`)).status).toBe(204);
    expect(await owners(g.id, mia)).toEqual(["olga"]);
    // Olga deletes her account: the remaining admin, Adam, takes over.
    const olgaLogin = await s.call("POST", "/api/v1/auth/login", {
      body: { username: "olga", password: "olga-password" },
    });
    const gone = await s.call("DELETE", "/api/v1/me", {
      token: olgaLogin.body.token,
      body: { password: "olga-password" },
    });
    expect(gone.status).toBe(204);
    expect(await owners(g.id, mia)).toEqual(["adam"]);
    // Everyone leaves: the last one out archives the group.
    expect((await api(mia, "DELETE", `/conversations/${g.id}/members/${mia.user.id}`)).status).toBe(204);
    expect((await api(adam, "DELETE", `/conversations/${g.id}/members/${adam.user.id}`)).status).toBe(204);
    const row = s.running.app.deps.store.sqlite
      .query<{ archived_at: number | null }, [string]>("SELECT archived_at FROM conversations WHERE id = ?")
      .get(g.id);
    expect(row?.archived_at).toBeGreaterThan(0);
  });
});
