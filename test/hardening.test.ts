// What an outside attacker found, kept out: deactivated people, foreign Authorization schemes, origins
// that only match their own Host, password guessing from a session, invisible characters, limits per
// person, presence floods, and the log lines a client going away leaves.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { addMember, cookieFrom, setUp, startTestServer, waitFor, type Person, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

describe("accounts and sessions", () => {
  let s: TestServer;
  let ana: Person, ben: Person, cat: Person;
  beforeAll(async () => {
    s = await startTestServer({ authRateLimit: "8" });
    ana = await setUp(s);
    ben = await addMember(s, ana.token, "hb-ben");
    cat = await addMember(s, ana.token, "hb-cat");
  });
  afterAll(() => s.stop());

  test("a deactivated person cannot be added to a direct chat or a group: 404 USER_NOT_FOUND and nothing changes", async () => {
    expect(
      (await s.call("PATCH", `/api/v1/admin/users/${cat.user.id}`, { token: ana.token, body: { deactivated: true } }))
        .status,
    ).toBe(200);
    const before = s.snapshot();
    const direct = await s.call("POST", "/api/v1/conversations", {
      token: ben.token,
      body: { type: "direct", userId: cat.user.id },
    });
    expect([direct.status, direct.body.error.code]).toEqual([404, "USER_NOT_FOUND"]);
    const group = await s.call("POST", "/api/v1/conversations", {
      token: ben.token,
      body: { type: "group", title: "Plot 7", memberIds: [cat.user.id] },
    });
    expect([group.status, group.body.error.code]).toEqual([404, "USER_NOT_FOUND"]);
    expect(s.snapshot()).toBe(before);
    const made = await s.call("POST", "/api/v1/conversations", {
      token: ben.token,
      body: { type: "group", title: "Plot 8", memberIds: [] },
    });
    const add = await s.call("POST", `/api/v1/conversations/${made.body.conversation.id}/members`, {
      token: ben.token,
      body: { userId: cat.user.id },
    });
    expect([add.status, add.body.error.code]).toEqual([404, "USER_NOT_FOUND"]);
    await s.call("PATCH", `/api/v1/admin/users/${cat.user.id}`, { token: ana.token, body: { deactivated: false } });
    const later = await s.call("POST", `/api/v1/conversations/${made.body.conversation.id}/members`, {
      token: ben.token,
      body: { userId: cat.user.id },
    });
    expect(later.status).toBeLessThan(300);
  });

  test("an Authorization header that is not Bearer (a proxy's Basic auth) leaves the session cookie in force", async () => {
    const login = await s.call("POST", "/api/v1/auth/login", { body: { username: "hb-ben", password: ben.password } });
    const cookie = cookieFrom(login.headers);
    const basic = await s.call("GET", "/api/v1/me", {
      headers: { cookie, authorization: `Basic ${btoa("gate:secret")}` },
    });
    expect([basic.status, basic.body.user?.username]).toEqual([200, "hb-ben"]);
    expect(basic.headers.getSetCookie().some((c) => c.startsWith("parley_session=;"))).toBe(false);
    // A Bearer token still wins, and a wrong one is refused rather than falling back to the cookie.
    const wrongBearer = await s.call("GET", "/api/v1/me", { headers: { cookie, authorization: "Bearer not-a-token" } });
    expect(wrongBearer.status).toBe(401);
  });

  test("changing the password or deleting the account from a session is limited like login", async () => {
    // Cat's sessions ended with her deactivation above: a fresh session of hers.
    const cat = (
      await s.call("POST", "/api/v1/auth/login", { body: { username: "hb-cat", password: "hb-cat-password" } })
    ).body as Person;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await s.call("POST", "/api/v1/me/password", {
        token: cat.token,
        body: { currentPassword: `guess-${i}-wrong`, newPassword: "a-brand-new-password" },
      });
      statuses.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Wrong guesses are told apart (403) until the budget, shared with sign-ins from this address, runs out;
    // from then on every attempt is 429.
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited).toBeGreaterThan(0);
    expect(statuses.slice(0, firstLimited).every((st) => st === 403)).toBe(true);
    expect(statuses.slice(firstLimited).every((st) => st === 429)).toBe(true);
    const del = await s.call("DELETE", "/api/v1/me", { token: cat.token, body: { password: "one-more-guess" } });
    expect(del.status).toBe(429);
    // The right password is refused too while limited: the limit is on guessing, not on being wrong.
    const right = await s.call("POST", "/api/v1/me/password", {
      token: cat.token,
      body: { currentPassword: "hb-cat-password", newPassword: "a-brand-new-password" },
    });
    expect(right.status).toBe(429);
  });
});

describe("origins when PARLEY_PUBLIC_URL is set", () => {
  test("only the public URL passes the CSRF and WebSocket origin checks, not the request's own Host", async () => {
    const s = await startTestServer({ publicUrl: "https://chat.example.test" });
    try {
      const ana = await setUp(s);
      const own = new URL(s.url).origin;
      const forged = await s.call("PATCH", "/api/v1/me", {
        headers: { cookie: `parley_session=${ana.token}`, origin: own },
        body: { bio: "x" },
      });
      expect([forged.status, forged.body.error.code]).toEqual([403, "CSRF_REJECTED"]);
      const allowed = await s.call("PATCH", "/api/v1/me", {
        headers: { cookie: `parley_session=${ana.token}`, origin: "https://chat.example.test" },
        body: { bio: "y" },
      });
      expect(allowed.status).toBe(200);
      const upgrade = await fetch(`${s.url}/ws`, {
        headers: {
          origin: own,
          connection: "upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": btoa("0123456789abcdef"),
        },
      });
      expect(upgrade.status).toBe(403);
    } finally {
      await s.stop();
    }
  });
});

describe("names people show to others", () => {
  let s: TestServer;
  let ana: Person;
  let group: string;
  beforeAll(async () => {
    s = await startTestServer();
    ana = await setUp(s);
    group = (
      await s.call("POST", "/api/v1/conversations", {
        token: ana.token,
        body: { type: "group", title: "Allotment", memberIds: [] },
      })
    ).body.conversation.id;
  });
  afterAll(() => s.stop());

  const hidden = {
    NUL: "\u0000",
    "a C1 control": "\u0085",
    "right-to-left override": "\u202E",
    "left-to-right isolate": "\u2066",
    "zero-width space": "\u200B",
    "zero-width joiner between letters": "\u200D",
    "byte order mark": "\uFEFF",
    "a tag character": "\u{E0041}",
    "line separator": "\u2028",
  };

  for (const [what, ch] of Object.entries(hidden)) {
    test(`a group name, description or display name with ${what} is refused and nothing changes`, async () => {
      const before = s.snapshot();
      const title = await s.call("PATCH", `/api/v1/conversations/${group}`, {
        token: ana.token,
        body: { title: `Allot${ch}ment` },
      });
      expect([title.status, title.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
      expect(title.body.error.message).toContain("invisible or control character");
      const description = await s.call("PATCH", `/api/v1/conversations/${group}`, {
        token: ana.token,
        body: { description: `Beans${ch}and peas` },
      });
      expect(description.status).toBe(400);
      const created = await s.call("POST", "/api/v1/conversations", {
        token: ana.token,
        body: { type: "group", title: `Pl${ch}ot`, memberIds: [] },
      });
      expect(created.status).toBe(400);
      const name = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { displayName: `An${ch}a` } });
      expect(name.status).toBe(400);
      expect(s.snapshot()).toBe(before);
    });
  }

  test("names that only look blank (Hangul fillers, braille blank) are refused; emoji joined by ZWJ and newlines in descriptions are fine", async () => {
    for (const blank of ["\u3164", "\uFFA0", "\u2800", " \u3164 "]) {
      expect((await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { displayName: blank } })).status).toBe(
        400,
      );
      expect(
        (await s.call("PATCH", `/api/v1/conversations/${group}`, { token: ana.token, body: { title: blank } })).status,
      ).toBe(400);
    }
    const coder = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { displayName: "Ana 👩‍💻 🏳️‍🌈" } });
    expect([coder.status, coder.body.user.displayName]).toEqual([200, "Ana 👩‍💻 🏳️‍🌈"]);
    const multi = await s.call("PATCH", `/api/v1/conversations/${group}`, {
      token: ana.token,
      body: { description: "Beans\nPeas" },
    });
    expect([multi.status, multi.body.conversation.description]).toEqual([200, "Beans\nPeas"]);
    // The same name typed on another keyboard (decomposed) is stored the same way.
    const decomposed = await s.call("PATCH", "/api/v1/me", { token: ana.token, body: { displayName: "Zoe\u0301" } });
    expect(decomposed.body.user.displayName).toBe("Zo\u00e9");
  });

  test("a file name loses its bidi override and zero-width characters, so it reads as what it is", async () => {
    const form = new FormData();
    form.append("file", new File(["MZ not really"], "invoice\u202Efdp.exe\u200B", { type: "application/pdf" }));
    const res = await fetch(`${s.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${ana.token}` },
      body: form,
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as any).attachment.name).toBe("invoicefdp.exe");
  });
});

describe("limits per person", () => {
  let s: TestServer;
  let ana: Person, ben: Person;
  let dm: string;
  beforeAll(async () => {
    s = await startTestServer({ sendRate: "2", wsMaxSocketsPerUser: "3", presenceRate: "2" });
    ana = await setUp(s);
    ben = await addMember(s, ana.token, "lp-ben");
    dm = (
      await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
    ).body.conversation.id;
  });
  afterAll(() => s.stop());

  test("the send limit holds across all of a person's sockets and the HTTP API together", async () => {
    const sockets = [await TestSocket.ready(s.url, ana.token), await TestSocket.ready(s.url, ana.token)];
    const started = performance.now();
    const replies: Promise<any>[] = [];
    let n = 0;
    for (const ws of sockets)
      for (let i = 0; i < 4; i++)
        replies.push(
          ws.request({ type: "send", id: `s${++n}`, conversationId: dm, clientId: `lp-${n}`, text: `hello ${n}` }),
        );
    const frames = await Promise.all(replies);
    const http = await Promise.all(
      [1, 2, 3].map((i) =>
        s.call("POST", `/api/v1/conversations/${dm}/messages`, {
          token: ana.token,
          body: { clientId: `lp-http-${i}`, text: "over http" },
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const accepted = frames.filter((f) => f.type === "ack").length + http.filter((r) => r.status === 201).length;
    // A burst of 2 × 2 = 4, plus what refills at 2 a second while the test runs.
    expect(accepted).toBeGreaterThanOrEqual(4);
    expect(accepted).toBeLessThanOrEqual(4 + Math.ceil(seconds * 2));
    const refused = frames.filter((f) => f.type === "error");
    expect(refused.every((f) => f.code === "RATE_LIMITED" && f.retryAfter >= 1)).toBe(true);
    const limitedHttp = http.filter((r) => r.status === 429);
    expect(limitedHttp.length).toBeGreaterThan(0);
    expect(Number(limitedHttp[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const stored = (await s.call("GET", `/api/v1/conversations/${dm}/messages?limit=100`, { token: ben.token })).body
      .messages;
    expect(stored).toHaveLength(accepted);
    for (const ws of sockets) ws.close();
  });

  test("one person may hold only so many sockets; one more is closed with 4002 and a slot frees when another goes", async () => {
    const three = [
      await TestSocket.ready(s.url, ben.token),
      await TestSocket.ready(s.url, ben.token),
      await TestSocket.ready(s.url, ben.token),
    ];
    const fourth = await TestSocket.connect(s.url);
    fourth.send({ type: "hello", id: "h4", token: ben.token });
    expect(await fourth.next((f) => f.id === "h4")).toMatchObject({ type: "error", code: "RATE_LIMITED" });
    expect((await fourth.closed).code).toBe(4002);
    // Others are not affected by Ben's cap.
    const anas = await TestSocket.ready(s.url, ana.token);
    three[0]!.close();
    await three[0]!.closed;
    // The server notices the close on its own schedule: poll for the freed slot, with a deadline.
    let again: TestSocket | null = null;
    const until = Date.now() + 5000;
    while (!again) {
      const attempt = await TestSocket.connect(s.url);
      attempt.send({ type: "hello", id: "h5", token: ben.token });
      const reply = await attempt.next((f) => f.id === "h5" || f.type === "ready");
      if (reply.type === "ready") again = attempt;
      else if (Date.now() > until) throw new Error("the slot never freed");
    }
    for (const ws of [...three, again, anas]) ws.close();
  });

  test("presence flapping is throttled per socket and reaches others coalesced, the latest state last", async () => {
    const watch = await TestSocket.ready(s.url, ben.token);
    const flapper = await TestSocket.ready(s.url, ana.token);
    const statusOfAna = async () =>
      (await s.call("GET", "/api/v1/presence", { token: ben.token })).body.presence.find(
        (p: any) => p.userId === ana.user.id,
      ).status;
    expect(await statusOfAna()).toBe("online");
    const seenBefore = watch.frames.filter((f) => f.type === "presence" && f.userId === ana.user.id).length;
    for (let i = 0; i < 300; i++) flapper.send({ type: "presence", status: i % 2 === 0 ? "away" : "active" });
    flapper.send({ type: "presence", status: "away" });
    // A ping answered after the flood: every presence frame before it has been handled.
    await flapper.request({ type: "ping", id: "after-flood" });
    const refused = flapper.frames.filter((f) => f.type === "error" && f.code === "RATE_LIMITED");
    expect(refused.length).toBeGreaterThan(100);
    // Whatever state the server kept last is what Ben ends up seeing, and once he does, nothing more comes:
    // a change is told only when it differs from what was told.
    const final = await statusOfAna();
    const aboutAna = () => watch.frames.filter((f) => f.type === "presence" && f.userId === ana.user.id);
    await waitFor(() => (aboutAna().at(-1)?.status ?? "online") === final, `Ben to see Ana ${final}`);
    // ~10 changes got through the per-socket throttle; uncoalesced each would be a frame to every shared conversation.
    expect(aboutAna().length - seenBefore).toBeLessThanOrEqual(3);
    flapper.close();
    watch.close();
  });
});
