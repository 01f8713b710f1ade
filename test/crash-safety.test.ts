import { describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./harness.ts";
import { spawnServer } from "./process.ts";
import { TestSocket } from "./ws-client.ts";

const main = join(import.meta.dir, "..", "src", "main.ts");

async function api(url: string, method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

describe("crash safety", () => {
  test("after SIGKILL mid-stream, every acked message is stored and delivered on resume, and retries duplicate nothing", async () => {
    const cwd = tempDir("parley-crash-");
    const env = { PARLEY_DATA_DIR: join(cwd, "data"), PARLEY_SEND_RATE: "100000" };
    try {
      let server = await spawnServer([process.execPath, main, "serve"], { cwd, env });
      const { token, user } = await api(server.url, "POST", "/api/v1/setup", undefined, {
        username: "ana",
        password: "ana-password-1",
        displayName: "Ana",
      });
      const { conversation } = await api(server.url, "POST", "/api/v1/conversations", token, {
        type: "group",
        title: "Crash",
        memberIds: [],
      });
      const tab = await TestSocket.ready(server.url, token);
      const since = tab.frames[0].lastEventId;

      // Keep 32 sends in flight at all times, as a busy client would, and kill the server mid-stream.
      const sent: string[] = [];
      const acked = new Set<string>();
      let killed = false;
      const { promise: enough, resolve: onEnough } = Promise.withResolvers<void>();
      const sendNext = () => {
        if (killed) return;
        const clientId = `k${sent.length}`;
        sent.push(clientId);
        tab.send({ type: "send", id: clientId, conversationId: conversation.id, clientId, text: `crash ${clientId}` });
      };
      tab.ws.addEventListener("message", (e) => {
        const f = JSON.parse(String(e.data));
        if (f.type !== "ack") return;
        acked.add(f.message.clientId);
        if (acked.size >= 400) onEnough();
        sendNext();
      });
      for (let i = 0; i < 32; i++) sendNext();
      await enough;
      server.proc.kill("SIGKILL");
      killed = true;
      await server.exited;
      await tab.closed;
      const ackedAtKill = new Set(acked);
      expect(ackedAtKill.size).toBeGreaterThanOrEqual(400);
      expect(sent.length).toBeGreaterThan(ackedAtKill.size); // some were in flight when it died

      server = await spawnServer([process.execPath, main, "serve"], { cwd, env });
      const back = await TestSocket.ready(server.url, token, since);
      // Every acked message is there, once, in the order it was sent.
      const stored = (await api(server.url, "GET", `/api/v1/events?since=${since}&limit=500`, token)).events;
      expect(stored.length).toBeLessThan(500); // the page above saw all of them
      const replayed = await back.waitForEvents(stored.length, "message.created", 20_000);
      const replayedIds = replayed.map((e) => e.message.clientId);
      for (const id of ackedAtKill) expect(replayedIds).toContain(id);
      expect(new Set(replayedIds).size).toBe(replayedIds.length);
      expect(replayedIds).toEqual(sent.slice(0, replayedIds.length));

      // The client retries what it never saw acked: each is stored once, the ones that did commit are not doubled.
      const unacked = sent.filter((id) => !ackedAtKill.has(id));
      for (const clientId of unacked) {
        const r = await back.request({
          type: "send",
          id: clientId,
          conversationId: conversation.id,
          clientId,
          text: `crash ${clientId}`,
        });
        expect(r.type).toBe("ack");
      }
      const history: any[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await api(
          server.url,
          "GET",
          `/api/v1/conversations/${conversation.id}/messages?limit=100${before ? `&before=${before}` : ""}`,
          token,
        );
        history.push(...page.messages);
        if (!page.more) break;
        before = page.messages.at(-1).id;
      }
      expect(history.map((m) => m.clientId).sort()).toEqual([...sent].sort());
      expect(history.every((m) => m.sender.id === user.id)).toBe(true);
      back.close();
      server.proc.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});
