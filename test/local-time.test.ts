// Local time on profiles: a person's browser tells the server its time zone (PATCH /me timeZone); others see
// it on the person (members, search) while shareLocalTime is on; anything but a known IANA zone is refused
// and changes nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { addMember, createGroup, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let ana: { token: string; user: { id: string } };
let ben: { token: string; user: { id: string } };
let group: string;

/** Ana as Ben sees her in their group's members. */
const anaSeenByBen = async () =>
  (await s.call("GET", `/api/v1/conversations/${group}`, { token: ben.token })).body.conversation.members.find(
    (m: any) => m.user.id === ana.user.id,
  ).user;

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  group = await createGroup(s, ana.token, "Allotment", [ben.user.id]);
});
afterAll(() => s.stop());

describe("local time", () => {
  test("a zone set by my browser is shown to others while I share it; off, they see none and I keep mine", async () => {
    const set = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { timeZone: "Europe/Berlin" } });
    expect(set.status).toBe(200);
    expect(set.body.user).toMatchObject({ timeZone: "Europe/Berlin", shareLocalTime: true });
    expect((await anaSeenByBen()).timeZone).toBe("Europe/Berlin");
    const off = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { shareLocalTime: false } });
    expect(off.body.user).toMatchObject({ timeZone: "Europe/Berlin", shareLocalTime: false });
    expect((await anaSeenByBen()).timeZone).toBeNull();
    const found = await s.call("GET", "/api/v1/search/users?q=ana", { token: ben.token });
    expect(found.body.users.find((u: any) => u.id === ana.user.id).timeZone).toBeNull();
    await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { shareLocalTime: true } });
    expect((await anaSeenByBen()).timeZone).toBe("Europe/Berlin");
  });

  test("anything but a known IANA zone is refused with a clear error and changes nothing", async () => {
    const before = s.snapshot();
    for (const timeZone of ["Mars/Olympus_Mons", "../../etc/passwd", "europe/berlin", "", "x".repeat(65), 3, true]) {
      const r = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { timeZone } });
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe("timeZone");
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), async (timeZone) => {
        fc.pre(!Intl.supportedValuesOf("timeZone").includes(timeZone) && timeZone !== "UTC" && timeZone !== "Etc/UTC");
        const r = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { timeZone } });
        expect(r.status).toBe(400);
      }),
      { numRuns: 60 },
    );
    expect(s.snapshot()).toBe(before);
    // Null forgets it.
    const cleared = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { timeZone: null } });
    expect(cleared.body.user.timeZone).toBeNull();
  });
});
