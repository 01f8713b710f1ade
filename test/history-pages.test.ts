// History pages are served from memory while nothing they show has changed (src/chat/history-pages.ts).
// This holds every page served to what the database says at that moment, after any sequence of the
// changes a page shows: messages sent, edited and deleted, reactions, pins, members, the group's name,
// and a sender's name and picture.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { listHistory } from "../src/chat/message-history.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";
import { twoColourJpeg } from "./images.ts";

let s: TestServer;
let admin: { token: string; user: { id: string } };
let friend: { token: string; user: { id: string } };
let picture: Uint8Array;

beforeAll(async () => {
  s = await startTestServer();
  admin = await setUp(s);
  picture = await twoColourJpeg(64, 64);
  friend = await addMember(s, admin.token, "pagefriend");
});
afterAll(() => s.stop());

type Op =
  | { kind: "send" | "edit" | "delete" | "react" | "pin" | "unpin"; who: 0 | 1; target: number }
  | { kind: "rename" | "profile" | "picture" | "leave-join"; who: 0 | 1 };

const pages = ["?limit=5", "?limit=50", "?limit=3&before=", "?limit=3&after="];

describe("history pages from memory", () => {
  test("are what the database holds after any sequence of the changes they show", async () => {
    let run = 0;
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constantFrom("send", "send", "edit", "delete", "react", "pin", "unpin"),
        who: fc.constantFrom(0 as const, 1 as const),
        target: fc.nat(20),
      }),
      fc.record({
        kind: fc.constantFrom("rename", "profile", "picture", "leave-join"),
        who: fc.constantFrom(0 as const, 1 as const),
      }),
    ) as fc.Arbitrary<Op>;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 20 }), async (ops) => {
        run++;
        const group = (
          await s.call("POST", "/api/v1/conversations", {
            token: admin.token,
            body: { type: "group", title: `Pages ${run}`, memberIds: [friend.user.id] },
          })
        ).body.conversation.id as string;
        const base = `/api/v1/conversations/${group}/messages`;
        const ids: string[] = [];
        let n = 0;
        const people = [admin, friend];
        const check = async () => {
          // The cursor pages need a message to stand on: the oldest and the newest.
          for (const q of pages) {
            const cursor = q.endsWith("before=") ? ids.at(-1) : q.endsWith("after=") ? ids[0] : "";
            if (cursor === undefined) continue;
            const served = await s.call("GET", base + q + cursor, { token: friend.token });
            const params = new URLSearchParams(q.slice(1) + cursor);
            const truth = listHistory(s.running.app.deps.store.db, friend.user.id, group, {
              limit: Number(params.get("limit")),
              before: params.get("before") || undefined,
              after: params.get("after") || undefined,
            });
            expect(served.status).toBe(200);
            expect(served.body).toEqual(JSON.parse(JSON.stringify(truth)));
          }
        };
        for (const o of ops) {
          await check(); // served once before the change, so that it is held when the change comes
          const me = people[o.who]!;
          const target = "target" in o && ids.length > 0 ? ids[o.target % ids.length] : undefined;
          switch (o.kind) {
            case "send": {
              const r = await s.call("POST", base, {
                token: me.token,
                body: { clientId: `pg${run}-${++n}`, text: `m ${n}` },
              });
              if (r.status === 201) ids.push(r.body.message.id);
              break;
            }
            case "edit":
              if (target)
                await s.call("PATCH", `${base}/${target}`, { token: me.token, body: { text: `edited ${++n}` } });
              break;
            case "delete":
              if (target) await s.call("DELETE", `${base}/${target}`, { token: me.token });
              break;
            case "react":
              if (target)
                await s.call("POST", `${base}/${target}/reactions`, { token: me.token, body: { emoji: "👍" } });
              break;
            case "pin":
            case "unpin":
              if (target)
                await s.call(o.kind === "pin" ? "PUT" : "DELETE", `/api/v1/conversations/${group}/pins/${target}`, {
                  token: admin.token,
                });
              break;
            case "rename":
              await s.call("PATCH", `/api/v1/conversations/${group}`, {
                token: admin.token,
                body: { title: `T ${++n}` },
              });
              break;
            case "profile":
              await s.call("PATCH", "/api/v1/me", { token: me.token, body: { displayName: `Name ${++n}` } });
              break;
            case "picture": {
              const form = new FormData();
              form.append("file", new File([picture as Uint8Array<ArrayBuffer>], "me.jpg"));
              const res = await fetch(`${s.url}/api/v1/me/avatar`, {
                method: "PUT",
                headers: { authorization: `Bearer ${me.token}` },
                body: form,
              });
              expect(res.status).toBe(200);
              break;
            }
            case "leave-join":
              await s.call("DELETE", `/api/v1/conversations/${group}/members/${friend.user.id}`, {
                token: admin.token,
              });
              await s.call("POST", `/api/v1/conversations/${group}/members`, {
                token: admin.token,
                body: { userId: friend.user.id },
              });
              break;
          }
          await s.idle();
          await check();
        }
      }),
      { numRuns: 15, seed: 19 },
    );
  });
});
