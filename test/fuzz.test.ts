// A bounded fuzz run against a live server, as an attacker would: generated bodies, headers and paths on
// every kind of route, and generated frames on signed-in sockets. Nothing may answer 5xx, leak a stack
// trace or SQL, or leave the server or the socket unusable. Seeded per run; a failure prints the seed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: { token: string; user: { id: string } };
let ben: { token: string; user: { id: string } };
let group: string;
let message: string;

beforeAll(async () => {
  s = await startTestServer({ authRateLimit: "100000" });
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "fuzz-ben");
  group = (
    await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "group", title: "Fuzz", memberIds: [ben.user.id] },
    })
  ).body.conversation.id;
  message = (
    await s.call("POST", `/api/v1/conversations/${group}/messages`, {
      token: ana.token,
      body: { clientId: "fz-1", text: "target" },
    })
  ).body.message.id;
});
afterAll(() => s.stop());

/** What no answer may contain: a stack frame, a file of ours, SQL or SQLite's own words. */
const LEAKS =
  /(\n\s+at |\.ts:\d+|node_modules|SQLITE_|sqlite|SELECT |INSERT INTO|UPDATE \w+ SET|syntax error|TypeError|ReferenceError)/;

const routes = () => [
  ["POST", "/api/v1/setup"],
  ["POST", "/api/v1/auth/login"],
  ["POST", "/api/v1/auth/register"],
  ["POST", "/api/v1/auth/password-reset"],
  ["POST", "/api/v1/auth/password-reset/request"],
  ["POST", "/api/v1/auth/passkey"],
  ["POST", "/api/v1/auth/passkey/options"],
  ["PATCH", "/api/v1/me"],
  ["POST", "/api/v1/me/password"],
  ["POST", "/api/v1/me/passkeys"],
  ["POST", "/api/v1/conversations"],
  ["PATCH", `/api/v1/conversations/${group}`],
  ["PUT", `/api/v1/conversations/${group}/permissions`],
  ["PUT", `/api/v1/conversations/${group}/notifications`],
  ["PUT", `/api/v1/conversations/${group}/mute`],
  ["POST", `/api/v1/conversations/${group}/read`],
  ["POST", `/api/v1/conversations/${group}/invites`],
  ["POST", `/api/v1/conversations/${group}/members`],
  ["POST", `/api/v1/conversations/${group}/messages`],
  ["PATCH", `/api/v1/conversations/${group}/messages/${message}`],
  ["POST", `/api/v1/conversations/${group}/messages/${message}/reactions`],
  ["GET", `/api/v1/conversations/${group}/messages`],
  ["GET", "/api/v1/search/messages"],
  ["GET", "/api/v1/search/users"],
  ["POST", "/api/v1/contacts/match"],
  ["POST", "/api/v1/push/subscriptions"],
  ["POST", "/api/v1/uploads"],
  ["POST", "/api/v1/uploads/presign"],
  ["POST", "/api/v1/admin/invites"],
  ["PATCH", "/api/v1/admin/settings"],
  ["GET", "/api/v1/events"],
  ["GET", "/api/v1/mentions"],
];

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(
    fc.constantFrom(
      "username",
      "password",
      "displayName",
      "title",
      "text",
      "clientId",
      "userId",
      "memberIds",
      "type",
      "endpoint",
      "keys",
      "name",
      "size",
      "emoji",
      "q",
      "since",
      "preset",
      "permissions",
      "level",
      "muted",
      "deactivated",
      "bio",
      "email",
    ),
    fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  ),
);

const body = fc.oneof(
  jsonish.map((v) => ({ raw: JSON.stringify(v), type: "application/json" })),
  fc.string({ unit: "binary", maxLength: 200 }).map((t) => ({ raw: t, type: "application/json" })),
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ raw: b, type: "multipart/form-data; boundary=xyz" })),
  fc.string({ maxLength: 100 }).map((t) => ({
    raw: t,
    type: fc.sample(
      fc.constantFrom("text/plain", "application/x-www-form-urlencoded", "", "application/json; charset=utf-16"),
      1,
    )[0]!,
  })),
);

const query = fc.array(
  fc.tuple(
    fc.constantFrom("q", "before", "after", "limit", "since", "conversationId", "senderId", "from", "to", "hasFile"),
    fc.string({ maxLength: 40 }),
  ),
  { maxLength: 4 },
);

describe("a bounded fuzz run", () => {
  test("generated HTTP requests on every kind of route never get a 5xx, a stack trace or SQL, and the server stays well", async () => {
    const list = routes();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(list.length - 1),
        body,
        query,
        fc.constantFrom("ana", "ben", "none", "junk"),
        async (i, b, q, who) => {
          const [method, path] = list[i]!;
          const token =
            who === "ana" ? ana.token : who === "ben" ? ben.token : who === "junk" ? "x".repeat(40) : undefined;
          const params = new URLSearchParams(q).toString();
          const res = await fetch(`${s.url}${path}${params ? `?${params}` : ""}`, {
            method,
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(b.type ? { "content-type": b.type } : {}),
            },
            body: method === "GET" ? undefined : (b.raw as BodyInit),
          });
          const text = await res.text();
          sent++;
          if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
          if (LEAKS.test(text)) throw new Error(`${method} ${path} leaked: ${text.slice(0, 300)}`);
          return true;
        },
      ),
      { numRuns: 700 },
    );
    expect(sent).toBe(700);
    expect((await s.call("GET", "/readyz")).status).toBe(200);
    expect(s.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  }, 120_000);

  test("generated frames on a signed-in socket get answers or error frames, never INTERNAL, and the socket stays usable", async () => {
    const ws = await TestSocket.ready(s.url, ben.token);
    const frame = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc
        .record(
          {
            type: fc.constantFrom(
              "hello",
              "send",
              "ping",
              "presence",
              "typing",
              "read",
              "delivered",
              "subscribe",
              "",
              "__proto__",
            ),
            id: fc.oneof(fc.string({ maxLength: 120 }), fc.integer()),
            conversationId: fc.oneof(fc.constant(group), fc.string({ maxLength: 40 })),
            messageId: fc.oneof(fc.constant(message), fc.string({ maxLength: 40 })),
            clientId: fc.string({ maxLength: 120 }),
            text: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
            status: fc.oneof(fc.constantFrom("active", "away"), fc.string()),
            since: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
            attachmentIds: fc.array(fc.string({ maxLength: 30 }), { maxLength: 12 }),
          },
          { requiredKeys: ["type"] },
        )
        .map((v) => JSON.stringify(v)),
    );
    const frames = fc.sample(frame, { numRuns: 1000, seed: Date.now() % 2 ** 31 });
    frames.forEach((f) => ws.send(f));
    // A ping after all of them: its pong means every frame before it was handled.
    await ws.request({ type: "ping", id: "after-fuzz" });
    // Sends are answered after their commit: wait for the write queue to settle, then check.
    await s.running.app.deps.chat.queue.idle();
    const errors = ws.frames.filter((f) => f.type === "error");
    expect(errors.filter((e) => e.code === "INTERNAL")).toEqual([]);
    expect(errors.length).toBeGreaterThan(500);
    expect(ws.ws.readyState).toBe(WebSocket.OPEN);
    expect((await ws.request({ type: "ping", id: "still-here" })).type).toBe("pong");
    expect(JSON.stringify(ws.frames)).not.toMatch(LEAKS);
    ws.close();
    expect(s.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  }, 60_000);
});
