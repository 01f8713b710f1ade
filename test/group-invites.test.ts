import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer, type Person, apiAs } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let owner: Person, member: Person, joiner: Person, late: Person;
let groupId: string;

const api = apiAs(() => s);
const invite = async (body: unknown = {}) =>
  (await api(owner, "POST", `/conversations/${groupId}/invites`, body)).body.invite;

beforeAll(async () => {
  s = await startTestServer();
  const admin = await setUp(s);
  owner = (await addMember(s, admin.token, "olga")) as Person;
  member = (await addMember(s, admin.token, "mia")) as Person;
  joiner = (await addMember(s, admin.token, "joe")) as Person;
  late = (await addMember(s, admin.token, "lee")) as Person;
  groupId = (
    await api(owner, "POST", "/conversations", {
      type: "group",
      title: "Choir",
      description: "Tuesdays at 7",
      memberIds: [member.user.id],
    })
  ).body.conversation.id;
});
afterAll(() => s.stop());

describe("invite links to a group", () => {
  test("a link shows the group's name, description and size, and joining by it adds me live", async () => {
    const link = await invite({ maxUses: 5 });
    expect(link).toMatchObject({ maxUses: 5, uses: 0, usable: true, revoked: false });
    expect(link.url).toBe(`${s.running.config.publicUrl}/join/${link.code}`);
    const preview = await api(joiner, "GET", `/group-invites/${link.code}`);
    expect(preview.body.group).toEqual({
      title: "Choir",
      description: "Tuesdays at 7",
      memberCount: 2,
      alreadyMember: false,
    });
    // Nothing of the conversation itself before joining.
    expect((await api(joiner, "GET", `/conversations/${groupId}/messages`)).status).toBe(403);

    const watching = await TestSocket.ready(s.url, member.token);
    const joined = await api(joiner, "POST", `/group-invites/${link.code}/join`);
    expect(joined.status).toBe(201);
    expect(joined.body.conversation).toMatchObject({ id: groupId, myRole: "member" });
    const [added] = await watching.waitForEvents(1, "member.added");
    expect(added).toMatchObject({ actorId: joiner.user.id, user: { username: "joe" } });
    watching.close();
    expect((await api(joiner, "GET", `/conversations/${groupId}/messages`)).status).toBe(200);
  });

  test("joining twice is harmless: no second member, no event, no use spent", async () => {
    const link = await invite({ maxUses: 1 });
    expect((await api(late, "POST", `/group-invites/${link.code}/join`)).status).toBe(201);
    const before = s.snapshot();
    const again = await api(late, "POST", `/group-invites/${link.code}/join`);
    expect(again.status).toBe(200);
    expect(again.body.conversation.id).toBe(groupId);
    expect(s.snapshot()).toBe(before);
    expect((await api(late, "GET", `/group-invites/${link.code}`)).body.group.alreadyMember).toBe(true);
    expect((await api(late, "DELETE", `/conversations/${groupId}/members/${late.user.id}`)).status).toBe(204);
  });

  test("used-up, expired, revoked and unknown links are refused with their own codes, changing nothing", async () => {
    const used = await invite({ maxUses: 1 });
    expect((await api(joiner, "POST", `/group-invites/${used.code}/join`)).status).toBe(200); // already in: no use spent
    expect((await api(late, "POST", `/group-invites/${used.code}/join`)).status).toBe(201);
    expect((await api(late, "DELETE", `/conversations/${groupId}/members/${late.user.id}`)).status).toBe(204);

    const soon = await invite({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
    s.running.app.deps.store.sqlite.run("UPDATE group_invites SET expires_at = ? WHERE code = ?", [
      Date.now() - 1,
      soon.code,
    ]);
    const revoked = await invite();
    expect((await api(owner, "DELETE", `/conversations/${groupId}/invites/${revoked.code}`)).status).toBe(204);

    for (const [code, error] of [
      [used.code, "INVITE_EXHAUSTED"],
      [soon.code, "INVITE_EXPIRED"],
      [revoked.code, "INVITE_REVOKED"],
    ] as const) {
      const before = s.snapshot();
      for (const r of [
        await api(late, "GET", `/group-invites/${code}`),
        await api(late, "POST", `/group-invites/${code}/join`),
      ]) {
        expect(r.status).toBe(410);
        expect(r.body.error.code).toBe(error);
      }
      expect(s.snapshot()).toBe(before);
    }
    for (const r of [
      await api(late, "GET", "/group-invites/nope"),
      await api(late, "POST", "/group-invites/nope/join"),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("INVITE_NOT_FOUND");
    }
    const list = (await api(owner, "GET", `/conversations/${groupId}/invites`)).body.invites;
    expect(list.find((i: any) => i.code === revoked.code)).toMatchObject({ revoked: true, usable: false });
    expect(list.find((i: any) => i.code === used.code)).toMatchObject({ uses: 1, usable: false });
  });

  test("only those who may add members make, list or revoke links; bad input is refused", async () => {
    for (const [method, path, body] of [
      ["POST", `/conversations/${groupId}/invites`, {}],
      ["GET", `/conversations/${groupId}/invites`, undefined],
      ["DELETE", `/conversations/${groupId}/invites/whatever`, undefined],
    ] as const) {
      const r = await api(member, method, path, body);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("FORBIDDEN");
    }
    for (const body of [
      { maxUses: 0 },
      { maxUses: 1.5 },
      { expiresAt: "tomorrow" },
      { expiresAt: new Date(Date.now() - 1000).toISOString() },
    ]) {
      const r = await api(owner, "POST", `/conversations/${groupId}/invites`, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await s.call("GET", "/api/v1/group-invites/abc")).status).toBe(401);
  });
});
