import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
let admin: string;
const names = (r: { body: { users: { username: string }[] } }) => r.body.users.map((u) => u.username);

beforeAll(async () => {
  s = await startTestServer();
  admin = (await setUp(s)).token;
  // displayName is the username upper-cased (harness); "mar" is a username, a prefix and a substring.
  for (const name of ["mar", "maria", "omar", "tamara", "ben", "under_score", "underXscore", "gone", "away"])
    await addMember(s, admin, name);
  const users = (await s.call("GET", "/api/v1/admin/users", { token: admin })).body.users as {
    id: string;
    username: string;
  }[];
  const id = (u: string) => users.find((x) => x.username === u)!.id;
  expect(
    (await s.call("PATCH", `/api/v1/admin/users/${id("away")}`, { token: admin, body: { deactivated: true } })).status,
  ).toBe(200);
  const gone = await s.call("POST", "/api/v1/auth/login", { body: { username: "gone", password: "gone-password" } });
  expect(
    (await s.call("DELETE", "/api/v1/me", { token: gone.body.token, body: { password: "gone-password" } })).status,
  ).toBe(204);
});
afterAll(() => s.stop());

describe("people search (GET /api/v1/search/users)", () => {
  test("matches usernames and display names anywhere, without regard to case; exact, then prefixes, then the rest", async () => {
    const r = await s.call("GET", "/api/v1/search/users?q=MAR", { token: admin });
    expect(r.status).toBe(200);
    expect(names(r)).toEqual(["mar", "maria", "omar", "tamara"]);
    expect(r.body.users[0]).toEqual({
      id: expect.any(String),
      username: "mar",
      displayName: "MAR",
      avatarUrl: null,
      bio: "",
      deleted: false,
      timeZone: null,
    });
    expect(names(await s.call("GET", "/api/v1/search/users?q=a%20ADM", { token: admin }))).toEqual(["ana"]);
  });

  test("deactivated and deleted accounts are not found", async () => {
    expect(names(await s.call("GET", "/api/v1/search/users?q=away", { token: admin }))).toEqual([]);
    expect(names(await s.call("GET", "/api/v1/search/users?q=gone", { token: admin }))).toEqual([]);
  });

  test("the query is literal: % and _ match only themselves", async () => {
    expect(names(await s.call("GET", "/api/v1/search/users?q=r_s", { token: admin }))).toEqual(["under_score"]);
    expect(names(await s.call("GET", "/api/v1/search/users?q=%25", { token: admin }))).toEqual([]);
    expect(names(await s.call("GET", "/api/v1/search/users?q=%5C", { token: admin }))).toEqual([]);
  });

  test("limit caps the answer; bad queries are 400 and strangers 401", async () => {
    expect(names(await s.call("GET", "/api/v1/search/users?q=m&limit=2", { token: admin }))).toEqual(["mar", "maria"]);
    for (const q of ["", "q=", "q=%20%20", `q=${"x".repeat(101)}`, "q=a&limit=0", "q=a&limit=21", "q=a&limit=x"]) {
      const r = await s.call("GET", `/api/v1/search/users?${q}`, { token: admin });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await s.call("GET", "/api/v1/search/users?q=mar")).status).toBe(401);
  });
});
