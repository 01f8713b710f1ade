import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RateLimiter } from "../src/lib/rate-limiter.ts";
import { setUp, startTestServer, type TestServer } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ authRateLimit: "3" });
});
afterAll(() => s.stop());

describe("login rate limits", () => {
  test("after the limit, attempts get 429 with Retry-After, even with the right password", async () => {
    await setUp(s);
    for (let i = 0; i < 2; i++) {
      expect(
        (await s.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "wrong-password" } })).status,
      ).toBe(401);
    }
    const last = await s.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "wrong-password" } });
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe("RATE_LIMITED");
    const retry = Number(last.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    const right = await s.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "ana-password-1" } });
    expect(right.status).toBe(429);
  });

  test("registration and password reset share the limit per address", async () => {
    const reg = await s.call("POST", "/api/v1/auth/register", {
      body: { username: "zed", password: "zed-password", displayName: "Z" },
    });
    expect(reg.status).toBe(429);
    const reset = await s.call("POST", "/api/v1/auth/password-reset", {
      body: { token: "abc", password: "whatever-pass" },
    });
    expect(reset.status).toBe(429);
  });
});

describe("the rate limiter", () => {
  test("counts per key and forgets old attempts as the window slides", () => {
    let now = 0;
    const limiter = new RateLimiter(2, 60_000, () => now);
    expect(limiter.hit("a")).toBe(0);
    expect(limiter.hit("a")).toBe(0);
    expect(limiter.hit("a")).toBeGreaterThan(0);
    expect(limiter.hit("b")).toBe(0);
    now = 60_000 * 2 + 1;
    expect(limiter.hit("a")).toBe(0);
  });

  test("limits per username across addresses", () => {
    let now = 0;
    const limiter = new RateLimiter(1, 60_000, () => now);
    expect(limiter.hit("ana")).toBe(0);
    expect(limiter.hit("ana")).toBe(60);
    now = 30_000;
    expect(limiter.hit("ana")).toBe(30);
  });
});

describe("per-username limits behind a trusted proxy", () => {
  test("guessing one account's password from many addresses is limited too", async () => {
    const proxied = await startTestServer({ authRateLimit: "3", trustProxy: "true" });
    try {
      await setUp(proxied);
      const attempt = (ip: string) =>
        proxied.call("POST", "/api/v1/auth/login", {
          body: { username: "ANA", password: "guess" },
          headers: { "x-forwarded-for": ip },
        });
      for (const ip of ["10.0.0.1", "10.0.0.2", "10.0.0.3"]) expect((await attempt(ip)).status).toBe(401);
      const limited = await attempt("10.0.0.4");
      expect(limited.status).toBe(429);
      // Another account from a fresh address is not affected.
      const other = await proxied.call("POST", "/api/v1/auth/login", {
        body: { username: "someone", password: "guess" },
        headers: { "x-forwarded-for": "10.0.0.5" },
      });
      expect(other.status).toBe(401);
    } finally {
      await proxied.stop();
    }
  });
});
