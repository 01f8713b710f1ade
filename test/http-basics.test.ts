import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { openStore } from "../src/store/store.ts";
import { setUp, startTestServer, tempDir, type TestServer } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ maxJsonBytes: "2048" });
});
afterAll(() => s.stop());

describe("health", () => {
  test("/healthz and /readyz answer when the database is writable and current", async () => {
    expect((await s.call("GET", "/healthz")).body).toEqual({ status: "ok" });
    expect((await s.call("GET", "/readyz")).body).toEqual({ status: "ready" });
  });
});

describe("errors", () => {
  test("unknown API paths get a JSON 404", async () => {
    const r = await s.call("GET", "/api/v1/nothing-here");
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: "NOT_FOUND", message: "Not found." } });
    expect((await s.call("POST", "/api/v2/setup", { body: {} })).status).toBe(404);
  });

  test("a body over the limit gets 413, announced or streamed, and changes nothing", async () => {
    const before = s.snapshot();
    const big = { username: "ana", password: "x".repeat(5000), displayName: "Ana" };
    const r = await s.call("POST", "/api/v1/setup", { body: big });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    // Without a Content-Length the limit still holds while the body streams in.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode("x".repeat(1000)));
        c.close();
      },
    });
    const chunked = await fetch(`${s.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
    });
    expect(chunked.status).toBe(413);
    expect(s.snapshot()).toBe(before);
    expect((await s.call("GET", "/healthz")).status).toBe(200);
  });
});

describe("security headers", () => {
  test("every answer carries a strict CSP and the anti-sniffing and anti-framing headers", async () => {
    for (const path of ["/", "/api/v1/instance", "/api/v1/nothing"]) {
      const r = await fetch(s.url + path);
      const csp = r.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("x-frame-options")).toBe("DENY");
      expect(r.headers.get("referrer-policy")).toBe("same-origin");
      expect(r.headers.get("x-request-id")).toBeTruthy();
      await r.body?.cancel();
    }
  });

  test("API answers are never cached", async () => {
    const r = await fetch(`${s.url}/api/v1/instance`);
    expect(r.headers.get("cache-control")).toBe("no-store");
  });
});

describe("the web app", () => {
  test("serves index.html for app routes and hashed assets with long-lived caching", async () => {
    for (const path of ["/", "/login", "/register"]) {
      const page = await fetch(s.url + path);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("cache-control")).toBe("no-cache");
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      const script = /src="(\/assets\/main-[a-z0-9]+\.js)"/.exec(html)![1]!;
      const asset = await fetch(s.url + script);
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toContain("javascript");
      expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      await asset.text();
    }
  });

  test("a missing file is a 404, not the app page", async () => {
    const r = await fetch(`${s.url}/assets/missing-abc123.js`);
    expect(r.status).toBe(404);
    const traversal = await fetch(`${s.url}/..%2f..%2fpackage.json`);
    expect(traversal.status).toBe(404);
    await traversal.text();
  });
});

describe("the data folder", () => {
  test("is private to Parley's user and holds the database", async () => {
    const { statSync } = await import("node:fs");
    expect(statSync(s.dataDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(s.dataDir)).toContain("parley.db");
  });

  test("uses WAL and foreign keys; the server syncs commits itself, a short-lived command with synchronous=FULL", () => {
    const db = s.running.app.deps.store.sqlite;
    expect(db.query<any, []>("PRAGMA journal_mode").get().journal_mode).toBe("wal");
    expect(db.query<any, []>("PRAGMA foreign_keys").get().foreign_keys).toBe(1);
    // NORMAL (1): no fsync inside a commit; store/durability.ts syncs each one off the event loop.
    expect(db.query<any, []>("PRAGMA synchronous").get().synchronous).toBe(1);
    expect(db.query<any, []>("PRAGMA busy_timeout").get().timeout).toBe(5000);
    const command = openStore(tempDir());
    try {
      expect(command.sqlite.query<any, []>("PRAGMA synchronous").get().synchronous).toBe(2);
    } finally {
      command.close();
    }
  });
});

describe("logs", () => {
  test("never contain passwords or tokens", async () => {
    const { token } = await setUp(s);
    await s.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "wrong-password-123" } });
    await s.call("GET", "/api/v1/me", { token });
    await s.call("GET", "/api/v1/auth/password-reset/secretresettoken123");
    const text = s.logs.join("\n");
    const lines = s.logs.map((l) => JSON.parse(l));
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "request", method: "POST", route: "/api/v1/auth/login", status: 401 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: "request", route: "/api/v1/auth/password-reset/:token", status: 400 }),
    );
    expect(text).not.toContain("secretresettoken123");
    expect(text).not.toContain("wrong-password-123");
    expect(text).not.toContain("ana-password-1");
    expect(text).not.toContain(token.split(".")[1]);
  });
});
