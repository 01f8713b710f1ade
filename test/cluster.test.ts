// Several nodes in one test process: a real libSQL server (sqld), a real Redis as the bus, a real S3 bucket
// (s3rver), and three Parley nodes on loopback ports, with people's sockets spread over them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { restoreBackup } from "../src/ops/backup.ts";
import { addMember, ADMIN, setUp, startTestServer, tempDir, waitFor, type TestServer } from "./harness.ts";
import type { Service } from "./services.ts";
import { startCluster, type InProcessCluster } from "./cluster-nodes.ts";
import { TestSocket } from "./ws-client.ts";

let cluster: InProcessCluster;
let sqld: Service;
let redis: Service;
let nodes: TestServer[];
let ana: { token: string; user: any };
let ben: { token: string; user: any };
let cat: { token: string; user: any };
let groupId: string;

/** Where every node would write its scheduled backups (only the holder of the jobs lease does). */
const backups = tempDir("parley-cluster-backups-");

beforeAll(async () => {
  cluster = await startCluster(3, { backupDir: backups, backupEverySeconds: "1" });
  ({ sqld, redis, nodes } = cluster);
  ana = await setUp(nodes[0]!);
  ben = await addMember(nodes[1]!, ana.token, "ben");
  cat = await addMember(nodes[2]!, ana.token, "cat");
  const g = await nodes[0]!.call("POST", "/api/v1/conversations", {
    token: ana.token,
    body: { type: "group", title: "Everyone", memberIds: [ben.user.id, cat.user.id] },
  });
  expect(g.status).toBe(201);
  groupId = g.body.conversation.id;
});

afterAll(async () => {
  await cluster?.stop();
});

/** One value from a node's /metrics (it answers loopback). */
async function metric(node: TestServer, name: string): Promise<number> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
}

let seq = 0;
const cid = () => `c-${Date.now()}-${++seq}`;

describe("a cluster of three nodes", () => {
  test("messages sent on any node reach the members on every node, live, with the sender's name, once and in order", async () => {
    const people = [ana, ben, cat];
    const sockets = await Promise.all(people.map((p, i) => TestSocket.ready(nodes[i]!.url, p.token)));
    const sent: string[] = [];
    for (let round = 0; round < 5; round++)
      for (const [i, p] of people.entries()) {
        const text = `round ${round} from ${p.user.username}`;
        const r = await nodes[i]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
          token: p.token,
          body: { clientId: cid(), text },
        });
        expect(r.status).toBe(201);
        sent.push(text);
      }
    for (const s of sockets) {
      const got = await s.waitForEvents(sent.length, "message.created", 10_000);
      expect(got.map((e) => e.message.text)).toEqual(sent);
      expect(got.every((e) => typeof e.message.sender?.displayName === "string")).toBe(true);
      const ids = s.events().map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
    }
    // A sentinel after everything: nothing more (no duplicate) arrived before it.
    const r = await nodes[1]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
      token: ben.token,
      body: { clientId: cid(), text: "sentinel" },
    });
    expect(r.status).toBe(201);
    for (const s of sockets) {
      await s.next((f) => f.type === "event" && f.event.message?.text === "sentinel", 10_000);
      expect(s.events("message.created").length).toBe(sent.length + 1);
      s.close();
    }
  });

  test("a member removed on one node stops hearing the group on another at once", async () => {
    const catSocket = await TestSocket.ready(nodes[2]!.url, cat.token);
    const r = await nodes[0]!.call("DELETE", `/api/v1/conversations/${groupId}/members/${cat.user.id}`, {
      token: ana.token,
    });
    expect(r.status).toBe(204);
    await catSocket.next((f) => f.type === "event" && f.event.type === "member.removed", 10_000);
    const after = await nodes[1]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
      token: ben.token,
      body: { clientId: cid(), text: "cat must not see this" },
    });
    expect(after.status).toBe(201);
    // Cat's own direct conversation as the sentinel: created after the message above, so it arrives after it.
    const d = await nodes[1]!.call("POST", "/api/v1/conversations", {
      token: ben.token,
      body: { type: "direct", userId: cat.user.id },
    });
    expect(d.status).toBe(201);
    await catSocket.next((f) => f.type === "event" && f.event.type === "conversation.created", 10_000);
    expect(catSocket.events("message.created").some((e) => e.message.text === "cat must not see this")).toBe(false);
    catSocket.close();
  });

  test("a session revoked on one node no longer works on another", async () => {
    const login = await nodes[0]!.call("POST", "/api/v1/auth/login", {
      body: { username: "ben", password: "ben-password" },
    });
    expect(login.status).toBe(200);
    const token = login.body.token as string;
    expect((await nodes[2]!.call("GET", "/api/v1/me", { token })).status).toBe(200);
    expect((await nodes[1]!.call("POST", "/api/v1/auth/logout", { token })).status).toBe(204);
    await waitFor(
      async () => (await nodes[2]!.call("GET", "/api/v1/me", { token })).status === 401,
      "the revocation on node 3",
    );
  });

  test("every node signs pushes with the one VAPID key kept in the database, so a subscription made on one works from all", async () => {
    const keys = await Promise.all(
      nodes.map(async (n) => (await n.call("GET", "/api/v1/push/vapid-public-key", { token: ana.token })).body.key),
    );
    expect(typeof keys[0]).toBe("string");
    expect(new Set(keys).size).toBe(1);
    // A node started later reads the same key back rather than making its own.
    const late = await cluster.startNode();
    expect((await late.call("GET", "/api/v1/push/vapid-public-key", { token: ana.token })).body.key).toBe(keys[0]);
    await late.stop();
  });

  test("presence is one across the nodes: online while any node has a socket of theirs, offline once the last one closes", async () => {
    const askedOn = async (node: number) =>
      (await nodes[node]!.call("GET", "/api/v1/presence", { token: ben.token })).body.presence.find(
        (p: any) => p.userId === ana.user.id,
      )?.status;
    const askedOnNode3 = () => askedOn(2);
    // Ana's socket of the test before has closed and the others were told: otherwise her coming back below
    // would end a flap (offline, online) within one presence gap, which by design tells nobody anything.
    await waitFor(async () => (await askedOn(1)) === "offline", "Ana shown offline after the test before");
    const watch = await TestSocket.ready(nodes[1]!.url, ben.token);
    const anaStatuses = () => watch.frames.filter((f) => f.type === "presence" && f.userId === ana.user.id);
    const here = await TestSocket.ready(nodes[0]!.url, ana.token);
    await watch.next((f) => f.type === "presence" && f.userId === ana.user.id && f.status === "online", 10_000);
    await waitFor(async () => (await askedOnNode3()) === "online", "node 3 showing Ana online");
    // A second device on node 3; its typing notice crosses the bus after its presence did.
    const there = await TestSocket.ready(nodes[2]!.url, ana.token);
    there.send({ type: "typing", conversationId: groupId });
    await watch.next((f) => f.type === "typing" && f.userId === ana.user.id, 10_000);
    here.close();
    await waitFor(() => ![...nodes[0]!.running.app.deps.presence.localStatuses()].length, "node 1 saw the close");
    // A message committed on node 1 after it announced the close: when Ben has it, he has had that word too.
    const r = await nodes[0]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
      token: ana.token,
      body: { clientId: cid(), text: "still here on my phone" },
    });
    expect(r.status).toBe(201);
    await watch.next((f) => f.type === "event" && f.event.message?.text === "still here on my phone", 10_000);
    expect(anaStatuses().map((f) => f.status)).toEqual(["online"]);
    there.close();
    await watch.next((f) => f.type === "presence" && f.userId === ana.user.id && f.status === "offline", 10_000);
    await waitFor(async () => (await askedOnNode3()) === "offline", "node 3 showing Ana offline");
    watch.close();
  });

  test("Redis killed and restarted under load: every acked message reaches every member once, and the bus is subscribed again", async () => {
    const people = [ana, ben];
    const sockets = await Promise.all(people.map((p, i) => TestSocket.ready(nodes[i]!.url, p.token)));
    const acked: string[] = [];
    let sending = true;
    const load = (async () => {
      for (let i = 0; sending; i++) {
        const n = i % 2;
        const text = `load ${i}`;
        const r = await nodes[n]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
          token: people[n]!.token,
          body: { clientId: cid(), text },
        });
        if (r.status === 201) acked.push(text);
      }
    })();
    const busOf = (i: number) => nodes[i]!.running.app.deps.cluster!;
    await waitFor(() => acked.length >= 10, "sends before the kill");
    const resubscriptions = busOf(1).busStats.resubscriptions;
    await redis.kill();
    const duringOutage = acked.length;
    await waitFor(() => acked.length >= duringOutage + 10, "sends while Redis is down");
    await redis.restart();
    await waitFor(() => busOf(1).busStats.resubscriptions > resubscriptions, "node 2's bus subscribed again", 15_000);
    const receivedBefore = busOf(1).busStats.received;
    await waitFor(() => busOf(1).busStats.received > receivedBefore + 5, "messages over the bus again");
    sending = false;
    await load;
    const r = await nodes[0]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
      token: ana.token,
      body: { clientId: cid(), text: "after redis" },
    });
    expect(r.status).toBe(201);
    for (const s of sockets) {
      await s.next((f) => f.type === "event" && f.event.message?.text === "after redis", 15_000);
      const texts = s.events("message.created").map((e) => e.message.text);
      expect(texts.filter((t) => t.startsWith("load "))).toEqual(acked);
      const ids = s.events().map((e) => Number(e.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      s.close();
    }
  });

  test("the libSQL server stopped for a moment: sends fail with a retryable error, nothing acked is lost, and service comes back by itself", async () => {
    const benSocket = await TestSocket.ready(nodes[1]!.url, ben.token);
    const acked: string[] = [];
    const refused: string[] = [];
    const send = async (n: number, text: string) => {
      const r = await nodes[n]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
        token: [ana, ben][n]!.token,
        body: { clientId: cid(), text },
      });
      if (r.status === 201) acked.push(text);
      else {
        expect(r.status).toBe(503);
        expect(r.body.error.code).toBe("DATABASE_UNAVAILABLE");
        expect(r.headers.get("retry-after")).toBeTruthy();
        refused.push(text);
      }
    };
    for (let i = 0; i < 5; i++) await send(i % 2, `before ${i}`);
    await sqld.kill();
    for (let i = 0; i < 5; i++) await send(i % 2, `during ${i}`);
    expect(refused.length).toBe(5);
    expect((await nodes[0]!.call("GET", "/readyz")).status).toBe(503);
    // The stall shows in /metrics and in the log, not only in failed sends.
    expect(await metric(nodes[0]!, "parley_db_reachable")).toBe(0);
    await waitFor(() => nodes[0]!.logs.some((l) => l.includes("database server unreachable")), "the outage logged");
    await sqld.restart();
    await waitFor(async () => (await nodes[0]!.call("GET", "/readyz")).status === 200, "node 1 ready again", 15_000);
    await waitFor(async () => (await nodes[1]!.call("GET", "/readyz")).status === 200, "node 2 ready again", 15_000);
    for (let i = 0; i < 5; i++) await send(i % 2, `after ${i}`);
    expect(acked.length).toBe(10);
    expect(await metric(nodes[0]!, "parley_db_reachable")).toBe(1);
    expect(await metric(nodes[0]!, "parley_db_link_calls_total")).toBeGreaterThan(0);
    await benSocket.next((f) => f.type === "event" && f.event.message?.text === "after 4", 15_000);
    const texts = benSocket.events("message.created").map((e) => e.message.text);
    expect(texts).toEqual(acked);
    benSocket.close();
  });

  test("the command line given the cluster's settings acts on the cluster's database", async () => {
    const r = Bun.spawnSync(
      [process.execPath, join(import.meta.dir, "..", "src", "main.ts"), "admin", "create-user", "zed"],
      {
        env: { PATH: process.env.PATH ?? "", PARLEY_DATABASE_URL: sqld.url, PARLEY_DATA_DIR: tempDir("parley-cli-") },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect([r.exitCode, r.stderr.toString()]).toEqual([0, ""]);
    expect(r.stdout.toString()).toContain('Created member "zed"');
    const users = await nodes[2]!.call("GET", "/api/v1/admin/users", { token: ana.token });
    expect(users.body.users.map((u: any) => u.username)).toContain("zed");
  });

  test("three processes writing at once all commit: a write lock another node holds is asked for again, not failed", async () => {
    const writers = [0, 1, 2].map(() =>
      Bun.spawn([process.execPath, join(import.meta.dir, "fixtures", "cluster-writer.ts"), sqld.url, "150"], {
        stdout: "pipe",
        stderr: "pipe",
      }),
    );
    const outs = await Promise.all(
      writers.map(async (w) => [
        await w.exited,
        (await new Response(w.stdout).text()).trim(),
        await new Response(w.stderr).text(),
      ]),
    );
    for (const [code, out, err] of outs) expect([code, out, err]).toEqual([0, "150", ""]);
    const row = await nodes[0]!.running.app.deps.store.sqlite
      .query<{ value: string }, []>("SELECT value FROM instance_settings WHERE key = 'test-writes'")
      .get();
    expect(Number(row!.value)).toBe(449);
  });

  // Last: it stops one of the nodes.
  test("one node runs the cluster's jobs; its backups restore into a single node, and another node takes over when it stops", async () => {
    const holders = () => nodes.filter((n) => n.running.app.deps.cluster!.jobs.held);
    await waitFor(() => holders().length === 1, "one holder of the jobs lease");
    const holder = holders()[0]!;
    const written = (n: TestServer) => n.logs.filter((l) => l.includes('"backup written"')).length;
    const marker = await nodes[1]!.call("POST", `/api/v1/conversations/${groupId}/messages`, {
      token: ben.token,
      body: { clientId: cid(), text: "kept in the backup" },
    });
    expect(marker.status).toBe(201);
    const before = nodes.map(written);
    // Two more backups: the second began after the message was committed.
    await waitFor(() => written(holder) >= before[nodes.indexOf(holder)]! + 2, "two scheduled backups", 15_000);
    for (const [i, n] of nodes.entries()) if (n !== holder) expect(written(n)).toBe(before[i]!);

    const newest = readdirSync(backups)
      .filter((f) => f.endsWith(".tar"))
      .sort()
      .at(-1)!;
    const dataDir = join(tempDir("parley-restored-"), "data");
    restoreBackup(join(backups, newest), dataDir, false);
    const single = await startTestServer({ dataDir, sendThread: "off" });
    try {
      const login = await single.call("POST", "/api/v1/auth/login", { body: ADMIN });
      expect(login.status).toBe(200);
      const token = login.body.token as string;
      const page = await single.call("GET", `/api/v1/conversations/${groupId}/messages?limit=100`, { token });
      expect(page.status).toBe(200);
      expect(page.body.messages.some((m: any) => m.text === "kept in the backup")).toBe(true);
      // The full-text index came along (rebuilt from the messages).
      const found = await single.call("GET", "/api/v1/search/messages?q=backup", { token });
      expect(found.body.results.map((r: any) => r.message.text)).toContain("kept in the backup");
      // And it takes new messages.
      const next = await single.call("POST", `/api/v1/conversations/${groupId}/messages`, {
        token,
        body: { clientId: cid(), text: "after the restore" },
      });
      expect(next.status).toBe(201);
    } finally {
      await single.stop();
    }

    nodes.splice(nodes.indexOf(holder), 1);
    await holder.stop();
    await waitFor(() => holders().length === 1, "another node holding the jobs lease", 10_000);
    const next = holders()[0]!;
    const had = written(next);
    await waitFor(() => written(next) > had, "a backup by the new holder", 15_000);
  });
});
