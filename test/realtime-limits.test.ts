import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { addMember, setUp, startTestServer, type TestServer, waitFor } from "./harness.ts";
import { openRawSocket } from "./raw-ws.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
let ana: { token: string; user: any };
let ben: { token: string; user: any };
let conv: any;
let n = 0;
const cid = () => `l-${++n}`;

beforeAll(async () => {
  s = await startTestServer();
  ana = await setUp(s);
  ben = await addMember(s, ana.token, "ben");
  conv = (
    await s.call("POST", "/api/v1/conversations", {
      token: ana.token,
      body: { type: "group", title: "Limits", memberIds: [ben.user.id] },
    })
  ).body.conversation;
});
afterAll(() => s.stop());

describe("bad WebSocket frames", () => {
  test("each gets an error frame naming its request, stores nothing, and the socket stays usable", async () => {
    const tab = await TestSocket.ready(s.url, ana.token);
    const before = s.snapshot();
    const send = (extra: object) => ({ type: "send", conversationId: conv.id, clientId: cid(), text: "ok", ...extra });
    const cases: [unknown, string | null, string, string?][] = [
      ["this is not json", null, "BAD_REQUEST"],
      ["[1,2,3]", null, "BAD_REQUEST"],
      [{ id: "t1" }, "t1", "UNKNOWN_FRAME", "type"],
      [{ type: "launch", id: "t2" }, "t2", "UNKNOWN_FRAME", "type"],
      [{ type: "send", id: "t3" }, "t3", "VALIDATION_FAILED", "conversationId"],
      [send({ id: "t4", text: "" }), "t4", "VALIDATION_FAILED", "text"],
      [send({ id: "t5", text: "   \n " }), "t5", "VALIDATION_FAILED", "text"],
      [send({ id: "t6", text: "é".repeat(8193) }), "t6", "VALIDATION_FAILED", "text"], // 16386 bytes of UTF-8
      [send({ id: "t7", clientId: "" }), "t7", "VALIDATION_FAILED", "clientId"],
      [send({ id: "t8", text: 42 }), "t8", "VALIDATION_FAILED", "text"],
      [send({ id: "t9", conversationId: "nope" }), "t9", "NOT_A_MEMBER"],
      [send({ id: "t10", replyToId: "nope" }), "t10", "MESSAGE_NOT_FOUND", "replyToId"],
      [{ type: "hello", id: "t11" }, "t11", "BAD_REQUEST"],
      // The id is found when it comes before the bulk of the frame, as it does from our clients.
      [JSON.stringify({ id: "t12", ...send({ text: "x".repeat(70_000) }) }), "t12", "FRAME_TOO_LARGE"],
      // A lone surrogate is not valid UTF-8 text: it must not reach the database.
      [
        `{"type":"send","id":"t13","conversationId":"${conv.id}","clientId":"${cid()}","text":"bad \\ud800 text"}`,
        "t13",
        "VALIDATION_FAILED",
        "text",
      ],
    ];
    for (const [frame, id, code, field] of cases) {
      tab.send(frame);
      const reply = await tab.next(
        (f) => f.type === "error" && f.id === id && !tab.frames.slice(0, tab.frames.indexOf(f)).includes(f),
        2000,
      );
      expect({ id: reply.id, code: reply.code, ...(field ? { field: reply.field } : {}) }).toEqual({
        id,
        code,
        ...(field ? { field } : {}),
      });
      expect(typeof reply.message).toBe("string");
      tab.frames.length = 0; // so the next null-id error is the new one
    }
    tab.ws.send(new Uint8Array([1, 2, 3]));
    expect((await tab.next((f) => f.type === "error")).code).toBe("BAD_REQUEST");
    expect(s.snapshot()).toBe(before);
    expect((await tab.request({ type: "ping", id: "still-here" })).type).toBe("pong");
    expect((await tab.request({ ...send({}), id: "works" })).type).toBe("ack");
    tab.close();
  });

  test("a frame over the hard limit closes only that connection (1009); the server carries on", async () => {
    const tab = await TestSocket.ready(s.url, ana.token);
    const other = await TestSocket.ready(s.url, ben.token);
    tab.send("x".repeat(1024 * 1024 + 1));
    expect((await tab.closed).code).toBe(1009);
    expect((await s.call("GET", "/healthz")).status).toBe(200);
    expect((await other.request({ type: "ping", id: "p" })).type).toBe("pong");
    other.close();
  });
});

describe("bad HTTP input", () => {
  test("is refused with a clear error and changes nothing", async () => {
    const before = s.snapshot();
    const path = `/api/v1/conversations/${conv.id}/messages`;
    const cases: [
      string,
      string,
      { body?: unknown; raw?: string; headers?: Record<string, string> },
      number,
      string,
      string?,
    ][] = [
      ["POST", path, { raw: "{not json", headers: { "content-type": "application/json" } }, 400, "BAD_REQUEST"],
      ["POST", path, { body: { text: "hi" } }, 400, "VALIDATION_FAILED", "clientId"],
      ["POST", path, { body: { clientId: "a", text: "x".repeat(16 * 1024 + 1) } }, 400, "VALIDATION_FAILED", "text"],
      [
        "POST",
        path,
        { raw: `{"clientId":"a","text":"\\udc00"}`, headers: { "content-type": "application/json" } },
        400,
        "VALIDATION_FAILED",
        "text",
      ],
      ["POST", path, { body: { clientId: "a", text: "y".repeat(300_000) } }, 413, "PAYLOAD_TOO_LARGE"],
      ["POST", "/api/v1/conversations", { body: { type: "channel" } }, 400, "VALIDATION_FAILED", "type"],
      [
        "POST",
        "/api/v1/conversations",
        { body: { type: "group", title: "", memberIds: [] } },
        400,
        "VALIDATION_FAILED",
        "title",
      ],
      [
        "POST",
        "/api/v1/conversations",
        { body: { type: "group", title: "G", memberIds: [ben.user.id, "ghost"] } },
        404,
        "USER_NOT_FOUND",
        "memberIds",
      ],
      ["GET", "/api/v1/events?since=abc", {}, 400, "VALIDATION_FAILED", "since"],
      ["GET", "/api/v1/events?limit=0", {}, 400, "VALIDATION_FAILED", "limit"],
      ["GET", `${path}?before=a&after=b`, {}, 400, "VALIDATION_FAILED", "after"],
    ];
    for (const [method, p, opts, status, code, field] of cases) {
      const r = await s.call(method, p, { token: ana.token, ...opts });
      expect([p, r.status, r.body.error.code, r.body.error.field]).toEqual([p, status, code, field]);
    }
    expect(s.snapshot()).toBe(before);
    expect((await s.call("GET", "/healthz")).status).toBe(200);
  });
});

describe("limits that protect the server", () => {
  test("a connection that sends too fast gets RATE_LIMITED with a wait, and only what was allowed is stored", async () => {
    const limited = await startTestServer({ sendRate: "2" });
    try {
      const admin = await setUp(limited);
      const room = (
        await limited.call("POST", "/api/v1/conversations", {
          token: admin.token,
          body: { type: "group", title: "R", memberIds: [] },
        })
      ).body.conversation;
      const tab = await TestSocket.ready(limited.url, admin.token);
      for (let i = 0; i < 6; i++)
        tab.send({ type: "send", id: `r${i}`, conversationId: room.id, clientId: `r${i}`, text: `m${i}` });
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, i) => tab.next((f) => f.id === `r${i}` && f.type !== "event")),
      );
      expect(replies.map((r) => r.type)).toEqual(["ack", "ack", "ack", "ack", "error", "error"]); // a burst of twice the rate
      expect(replies[4]).toMatchObject({ code: "RATE_LIMITED" });
      expect(replies[4].retryAfter).toBeGreaterThanOrEqual(1);
      const stored = limited.running.app.deps.store.sqlite.query("SELECT count(*) AS n FROM messages").get() as any;
      expect(stored.n).toBe(4);
      tab.close();
    } finally {
      await limited.stop();
    }
  });

  test("a client that stops reading is disconnected, and resuming gets it everything it missed", async () => {
    const small = await startTestServer({ wsBufferBytes: "65536", sendRate: "100000" });
    try {
      const admin = await setUp(small);
      const slowUser = await addMember(small, admin.token, "slow");
      const room = (
        await small.call("POST", "/api/v1/conversations", {
          token: admin.token,
          body: { type: "group", title: "Flood", memberIds: [slowUser.user.id] },
        })
      ).body.conversation;
      const first = await TestSocket.ready(small.url, slowUser.token);
      const head = first.frames[0].lastEventId;
      first.close();
      await first.closed;
      const frozen = Bun.spawn(
        [process.execPath, join(import.meta.dir, "fixtures/frozen-client.ts"), small.url, slowUser.token],
        { stdout: "pipe", stderr: "inherit" },
      );
      await frozen.stdout.getReader().read(); // "hello sent"
      const hub = small.running.app.deps.hub;
      while (hub.socketsOf(slowUser.user.id) === 0) await Bun.sleep(10);
      frozen.kill("SIGSTOP"); // reads nothing from now on: the kernel's buffers fill, then the server's
      const sender = await TestSocket.ready(small.url, admin.token);
      const big = "z".repeat(16_000);
      let acked = 0;
      for (let i = 0; i < 1500 && hub.socketsOf(slowUser.user.id) > 0; i++) {
        await sender.request({
          type: "send",
          id: `f${i}`,
          conversationId: room.id,
          clientId: `f${i}`,
          text: `${i} ${big}`,
        });
        acked++;
      }
      // Closed by the server long before the flood ended: it never held more than the limit for this client.
      expect(hub.socketsOf(slowUser.user.id)).toBe(0);
      expect(acked).toBeLessThan(1500);
      frozen.kill("SIGKILL");
      const back = await TestSocket.ready(small.url, slowUser.token, head);
      const got = await back.waitForEvents(acked, "message.created", 20_000);
      expect(got.map((e) => Number(e.message.text.split(" ")[0]))).toEqual(Array.from({ length: acked }, (_, i) => i));
      back.close();
      sender.close();
    } finally {
      await small.stop();
    }
  });

  test("a peer that stops answering pings is closed after the idle timeout", async () => {
    const quick = await startTestServer({ wsIdleTimeoutSeconds: "8" });
    try {
      const admin = await setUp(quick);
      const raw = await openRawSocket(quick.url, admin.token);
      raw.sendText(JSON.stringify({ type: "hello" }));
      await waitFor(() => quick.running.app.deps.hub.socketsOf(admin.user.id) === 1, "the raw socket to be live");
      // The raw client reads the server's pings but never answers them, like a phone that lost its network.
      await raw.ended;
      expect(quick.running.app.deps.hub.socketsOf(admin.user.id)).toBe(0);
    } finally {
      await quick.stop();
    }
  });

  test("a connection that never says hello is closed after ten seconds (4500)", async () => {
    const silent = new WebSocket(s.url.replace(/^http/, "ws") + "/ws");
    const closed = new Promise<CloseEvent>((resolve) => (silent.onclose = resolve));
    const openedAt = Date.now();
    const event = await closed;
    expect(event.code).toBe(4500);
    expect(event.reason).toBe("no hello received");
    // Not before its time: the sweep that closes it runs every second.
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(10_000);
  });

  test("on shutdown every socket is told to reconnect and resume (4000)", async () => {
    const doomed = await startTestServer();
    const admin = await setUp(doomed);
    const tab = await TestSocket.ready(doomed.url, admin.token);
    await doomed.stop();
    expect((await tab.closed).code).toBe(4000);
  });
});
