// GET /metrics: who may read it, that promtool (Debian's prometheus package) accepts it, and that the
// numbers move when people chat.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { addMember, setUp, startTestServer, tempDir, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

let s: TestServer;
const scrape = async (headers: Record<string, string> = {}) => {
  const res = await fetch(`${s.url}/metrics`, { headers });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};
const value = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.startsWith(name + " ") || l.startsWith(name + "{"));
  return line ? Number(line.split(" ").at(-1)) : NaN;
};

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

describe("metrics", () => {
  test("answer this machine in Prometheus text that promtool accepts; counters move when messages are sent", async () => {
    const ana = await setUp(s);
    const ben = await addMember(s, ana.token, "ben");
    const conv = (
      await s.call("POST", "/api/v1/conversations", { token: ana.token, body: { type: "direct", userId: ben.user.id } })
    ).body.conversation.id;
    const before = await scrape();
    expect(before.status).toBe(200);
    expect(before.type).toStartWith("text/plain; version=0.0.4");
    const socket = await TestSocket.ready(s.url, ben.token);
    for (let i = 0; i < 3; i++)
      await s.call("POST", `/api/v1/conversations/${conv}/messages`, {
        token: ana.token,
        body: { clientId: `m${i}`, text: "hello" },
      });
    await socket.waitForEvents(3);
    const after = await scrape();
    expect(value(after.text, "parley_messages_sent_total") - value(before.text, "parley_messages_sent_total")).toBe(3);
    expect(
      value(after.text, "parley_messages_delivered_total") - value(before.text, "parley_messages_delivered_total"),
    ).toBe(3);
    expect(
      value(after.text, "parley_send_commit_seconds_count") - value(before.text, "parley_send_commit_seconds_count"),
    ).toBe(3);
    expect(value(after.text, "parley_commit_fanout_seconds_count")).toBeGreaterThanOrEqual(3);
    expect(value(after.text, "parley_websocket_connections")).toBe(1);
    expect(value(after.text, "parley_users_online")).toBe(1);
    expect(after.text).toMatch(
      /parley_http_requests_total\{route="\/api\/v1\/conversations\/:id\/messages",method="POST",status="201"\} 3/,
    );
    for (const name of [
      "parley_write_queue_depth",
      "parley_write_batch_size_count",
      "parley_push_sent_total",
      "parley_push_failed_total",
      "process_resident_memory_bytes",
      "parley_event_loop_lag_seconds",
    ]) {
      expect(Number.isFinite(value(after.text, name))).toBe(true);
    }
    // Nothing personal: no message text, usernames or tokens.
    expect(after.text).not.toContain("hello");
    expect(after.text).not.toContain("ben");
    const file = join(tempDir("parley-metrics-"), "metrics.txt");
    writeFileSync(file, after.text);
    const check = Bun.spawnSync(["promtool", "check", "metrics"], {
      stdin: Bun.file(file),
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(check.stderr.toString() + check.stdout.toString()).toBe("");
    expect(check.exitCode).toBe(0);
    socket.close();
  });

  test("with a token, only its bearers; behind a trusted proxy, never by address alone", async () => {
    const t = await startTestServer({ metricsToken: "s3cret-metrics-token" });
    const p = await startTestServer({ trustProxy: "true" });
    try {
      const get = (url: string, headers: Record<string, string> = {}) =>
        fetch(`${url}/metrics`, { headers }).then((r) => r.status);
      expect(await get(t.url)).toBe(403);
      expect(await get(t.url, { authorization: "Bearer wrong" })).toBe(403);
      expect(await get(t.url, { authorization: "Bearer s3cret-metrics-token" })).toBe(200);
      expect(await get(p.url)).toBe(403);
      expect(await get(p.url, { "x-forwarded-for": "127.0.0.1" })).toBe(403);
    } finally {
      await t.stop();
      await p.stop();
    }
  });
});
