// Web Push end to end: Parley (a child process that trusts the test's certificate through
// NODE_EXTRA_CA_CERTS) sends to a fake push service on local HTTPS; the test checks the VAPID JWT,
// decrypts the aes128gcm payload with the subscription's private key (RFC 8291), and reads it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Server } from "bun";
import { makeCertificate, serveHttps } from "./certificates.ts";
import { tempDir, waitFor } from "./harness.ts";
import { spawnServer, type ChildServer } from "./process.ts";
import { TestSocket } from "./ws-client.ts";
import { MemoryVault, transportOf } from "./e2ee-client.ts";
import { E2eeDevice } from "../web/src/e2ee/device.ts";

const root = join(import.meta.dir, "..");
const subtle = crypto.subtle;
const enc = (s: string) => new TextEncoder().encode(s);
const b64u = (b: Uint8Array) => Buffer.from(b).toString("base64url");
const concat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));

// ---- the fake push service -------------------------------------------------------------------
interface Received {
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}
const received: Received[] = [];
/** What each endpoint answers, in turn (the last one repeats). */
const answers = new Map<string, number[]>();
/** How long an endpoint takes to answer, to hold a delivery in flight. */
const delays = new Map<string, number>();
let service: Server<undefined>;
let certDir: string;

// ---- a browser's subscription: its own key pair and auth secret -------------------------------
interface Device {
  name: string;
  keys: CryptoKeyPair;
  publicRaw: Uint8Array;
  auth: Uint8Array;
  endpoint: string;
}

async function device(name: string): Promise<Device> {
  const keys = (await subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicRaw = new Uint8Array(await subtle.exportKey("raw", keys.publicKey));
  return {
    name,
    keys,
    publicRaw,
    auth: crypto.getRandomValues(new Uint8Array(16)),
    endpoint: `https://127.0.0.1:${service.port}/push/${name}`,
  };
}

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return new Uint8Array(await subtle.sign("HMAC", k, data as Uint8Array<ArrayBuffer>));
}

/** RFC 8291 / RFC 8188: undo what the push service carried, with the subscription's private key. */
async function decrypt(d: Device, body: Uint8Array): Promise<any> {
  const salt = body.subarray(0, 16);
  const idlen = body[20]!;
  const serverPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  const serverKey = await subtle.importKey(
    "raw",
    serverPublic as Uint8Array<ArrayBuffer>,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdh = new Uint8Array(await subtle.deriveBits({ name: "ECDH", public: serverKey }, d.keys.privateKey, 256));
  const ikm = await hmac(await hmac(d.auth, ecdh), concat(enc("WebPush: info\0"), d.publicRaw, serverPublic, [1]));
  const prk = await hmac(salt, ikm);
  const cek = (await hmac(prk, concat(enc("Content-Encoding: aes128gcm\0"), [1]))).subarray(0, 16);
  const nonce = (await hmac(prk, concat(enc("Content-Encoding: nonce\0"), [1]))).subarray(0, 12);
  const key = await subtle.importKey("raw", cek as Uint8Array<ArrayBuffer>, "AES-GCM", false, ["decrypt"]);
  const plain = new Uint8Array(
    await subtle.decrypt(
      { name: "AES-GCM", iv: nonce as Uint8Array<ArrayBuffer> },
      key,
      ciphertext as Uint8Array<ArrayBuffer>,
    ),
  );
  let end = plain.length - 1;
  while (plain[end] === 0) end--;
  expect(plain[end]).toBe(2); // the last record's delimiter
  return JSON.parse(new TextDecoder().decode(plain.subarray(0, end)));
}

/** RFC 8292: `vapid t=<JWT>, k=<public key>`; the JWT is ES256-signed by that key for the push service's origin. */
async function verifyVapid(header: string, expectedKey: string): Promise<Record<string, any>> {
  const m = /^vapid t=([^,]+),\s*k=(.+)$/.exec(header);
  expect(m).not.toBeNull();
  const [, jwt, k] = m!;
  expect(k).toBe(expectedKey);
  const [h, p, sig] = jwt!.split(".");
  expect(JSON.parse(Buffer.from(h!, "base64url").toString())).toEqual({ typ: "JWT", alg: "ES256" });
  const key = await subtle.importKey(
    "raw",
    Buffer.from(k!, "base64url"),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const valid = await subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    Buffer.from(sig!, "base64url"),
    enc(`${h}.${p}`),
  );
  expect(valid).toBe(true);
  return JSON.parse(Buffer.from(p!, "base64url").toString());
}

// ---- Parley -----------------------------------------------------------------------------------
interface Parley {
  server: ChildServer;
  dir: string;
  call(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }>;
}

async function startParley(env: Record<string, string> = {}): Promise<Parley> {
  const dir = tempDir("parley-push-");
  const server = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
    cwd: dir,
    env: {
      PARLEY_DATA_DIR: join(dir, "data"),
      PARLEY_AUTH_RATE_LIMIT: "10000",
      NODE_EXTRA_CA_CERTS: join(certDir, "cert.pem"),
      // The fake push service is on loopback: the admin's way to allow a self-hosted service on their network.
      PARLEY_PUSH_ALLOWED_HOSTS: `127.0.0.1:${service.port}`,
      PARLEY_OUTBOUND_ALLOWED_NETWORKS: "127.0.0.1/32",
      ...env,
    },
  });
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return { server, dir, call };
}

async function stopParley(p: Parley) {
  p.server.proc.kill("SIGTERM");
  await p.server.exited;
  rmSync(p.dir, { recursive: true, force: true });
}

async function people(p: Parley, names: string[]) {
  const admin = (
    await p.call("POST", "/api/v1/setup", undefined, { username: "ana", password: "ana-password", displayName: "Ana" })
  ).body;
  const out: Record<string, { token: string; id: string }> = { ana: { token: admin.token, id: admin.user.id } };
  for (const name of names) {
    const invite = (await p.call("POST", "/api/v1/admin/invites", admin.token, {})).body.invite;
    const r = (
      await p.call("POST", "/api/v1/auth/register", undefined, {
        username: name,
        password: `${name}-password`,
        displayName: name.toUpperCase(),
        inviteCode: invite.code,
      })
    ).body;
    out[name] = { token: r.token, id: r.user.id };
  }
  return out;
}

const subscribeDevice = (p: Parley, token: string, d: Device, label = `${d.name}'s laptop`) =>
  p.call("POST", "/api/v1/push/subscriptions", token, {
    endpoint: d.endpoint,
    keys: { p256dh: b64u(d.publicRaw), auth: b64u(d.auth) },
    label,
  });

/** A metric of the child server, read from /metrics (it answers loopback). */
async function metric(p: Parley, name: string): Promise<number> {
  const text = await (await fetch(`${p.server.url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
}
/**
 * Pushes queued by what `act` commits. Who gets a push is decided in the turn right after the commit, before
 * the server handles any later request (this /metrics read included), so this counts exactly what was
 * decided: no waiting for pushes that must not come.
 */
async function queuedBy(p: Parley, act: () => Promise<unknown>): Promise<number> {
  const before = await metric(p, "parley_push_queued_total");
  await act();
  return (await metric(p, "parley_push_queued_total")) - before;
}

const pushesTo = (d: Device) => received.filter((r) => r.path === `/push/${d.name}`);
async function waitForPushes(d: Device, n: number, timeoutMs = 10_000): Promise<Received[]> {
  const until = Date.now() + timeoutMs;
  while (pushesTo(d).length < n) {
    if (Date.now() > until) throw new Error(`expected ${n} pushes to ${d.name}, got ${pushesTo(d).length}`);
    await Bun.sleep(20);
  }
  return pushesTo(d);
}

beforeAll(() => {
  certDir = tempDir("parley-push-cert-");
  makeCertificate(certDir, "IP:127.0.0.1");
  service = serveHttps(certDir, async (req) => {
    const path = new URL(req.url).pathname;
    received.push({ path, headers: Object.fromEntries(req.headers), body: new Uint8Array(await req.arrayBuffer()) });
    if (delays.has(path)) await Bun.sleep(delays.get(path)!);
    const queue = answers.get(path) ?? [201];
    const status = queue.length > 1 ? queue.shift()! : queue[0]!;
    return new Response(null, { status });
  });
});
afterAll(() => {
  service?.stop(true);
  rmSync(certDir, { recursive: true, force: true });
});

describe("Web Push", () => {
  let p: Parley;
  let u: Record<string, { token: string; id: string }>;
  let vapidKey: string;
  let benPhone: Device, catPhone: Device, anaPhone: Device;
  let direct: string, group: string;
  const say = (who: string, conversationId: string, text: string) =>
    p.call("POST", `/api/v1/conversations/${conversationId}/messages`, u[who]!.token, {
      clientId: crypto.randomUUID(),
      text,
    });

  beforeAll(async () => {
    p = await startParley({ PARLEY_PUSH_AWAY_SECONDS: "0" });
    u = await people(p, ["ben", "cat"]);
    vapidKey = (await p.call("GET", "/api/v1/push/vapid-public-key", u.ben!.token)).body.key;
    [benPhone, catPhone, anaPhone] = await Promise.all([device("ben"), device("cat"), device("ana")]);
    for (const [who, d] of [
      ["ben", benPhone],
      ["cat", catPhone],
      ["ana", anaPhone],
    ] as const)
      expect((await subscribeDevice(p, u[who]!.token, d)).status).toBe(201);
    direct = (await p.call("POST", "/api/v1/conversations", u.ana!.token, { type: "direct", userId: u.ben!.id })).body
      .conversation.id;
    group = (
      await p.call("POST", "/api/v1/conversations", u.ana!.token, {
        type: "group",
        title: "Picnic",
        memberIds: [u.ben!.id, u.cat!.id],
      })
    ).body.conversation.id;
  }, 30_000);
  afterAll(() => stopParley(p));

  test("the VAPID key is made once and kept in the data folder", async () => {
    expect(Buffer.from(vapidKey, "base64url")).toHaveLength(65);
    const stored = JSON.parse(await Bun.file(join(p.dir, "data", "vapid.json")).text());
    expect(stored.publicKey).toBe(vapidKey);
    expect((await Bun.file(join(p.dir, "data", "vapid.json")).stat()).mode & 0o777).toBe(0o600);
  });

  test("a direct message reaches the offline person: signed, encrypted, with title, words, link and badge", async () => {
    let sent!: Awaited<ReturnType<typeof say>>;
    // Exactly one push is decided on: Ben's. Never the sender.
    expect(await queuedBy(p, async () => (sent = await say("ana", direct, "Are you **coming** tonight?")))).toBe(1);
    expect(sent.status).toBe(201);
    const [push] = await waitForPushes(benPhone, 1);
    expect(push!.headers["content-encoding"]).toBe("aes128gcm");
    expect(Number(push!.headers.ttl)).toBeGreaterThan(0);
    expect(push!.headers.urgency).toBe("high");
    expect(push!.headers.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    const jwt = await verifyVapid(push!.headers.authorization!, vapidKey);
    expect(jwt.aud).toBe(`https://127.0.0.1:${service.port}`);
    expect(jwt.exp * 1000).toBeGreaterThan(Date.now());
    expect(jwt.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    expect(jwt.sub).toMatch(/^mailto:/);
    const payload = await decrypt(benPhone, push!.body);
    expect(payload).toMatchObject({
      kind: "message",
      title: "Ana",
      body: "Are you coming tonight?",
      url: `/c/${direct}`,
      conversationId: direct,
      messageId: sent.body.message.id,
      badge: 1,
      private: false,
    });
    expect(pushesTo(anaPhone)).toHaveLength(0);
  });

  test("a message in an end-to-end encrypted chat pushes only that there is one: none of its words", async () => {
    const chat = (
      await p.call("POST", "/api/v1/conversations", u.ben!.token, {
        type: "direct",
        userId: u.cat!.id,
        encrypted: true,
      })
    ).body.conversation.id;
    const [benDev] = await Promise.all(
      (["ben", "cat"] as const).map((who) =>
        E2eeDevice.open({
          userId: u[who]!.id,
          name: who,
          vault: new MemoryVault(),
          api: transportOf((m, path, body) => p.call(m, `/api/v1${path}`, u[who]!.token, body)),
        }),
      ),
    );
    await benDev!.reconcile(chat);
    const marker = `marker-${crypto.randomUUID()}`;
    const clientId = crypto.randomUUID();
    const encrypted = await benDev!.seal(chat, clientId, { text: `meet at ${marker}`, files: [] });
    const before = pushesTo(catPhone).length;
    const sent = await p.call("POST", `/api/v1/conversations/${chat}/messages`, u.ben!.token, { clientId, encrypted });
    expect(sent.status).toBe(201);
    const pushes = await waitForPushes(catPhone, before + 1);
    const payload = await decrypt(catPhone, pushes.at(-1)!.body);
    expect(payload).toMatchObject({ kind: "message", title: "BEN", body: "New message", conversationId: chat });
    expect(JSON.stringify(payload)).not.toContain(marker);
    expect(JSON.stringify(payload)).not.toContain("meet at");
  });

  test("someone with the app open gets no push; muted and 'nothing' get none; groups default to mentions", async () => {
    const before = { ben: pushesTo(benPhone).length, cat: pushesTo(catPhone).length };
    const socket = await TestSocket.ready(p.server.url, u.ben!.token);
    expect(await queuedBy(p, () => say("ana", direct, "You are here, no push"))).toBe(0);
    await socket.waitForEvents(1);
    // Cat, in the group with the default level, is not pushed for plain messages…
    expect(await queuedBy(p, () => say("ana", group, "Plain group chatter"))).toBe(0);
    // …but is for a mention.
    expect(await queuedBy(p, () => say("ana", group, "@cat bring the blanket"))).toBe(1);
    const catPushes = await waitForPushes(catPhone, before.cat + 1);
    expect((await decrypt(catPhone, catPushes.at(-1)!.body)).body).toBe("Ana: @cat bring the blanket");
    expect((await decrypt(catPhone, catPushes.at(-1)!.body)).title).toBe("Picnic");
    expect(pushesTo(benPhone).length).toBe(before.ben);
    // The app goes to the background (away for longer than PARLEY_PUSH_AWAY_SECONDS, 0 here): pushes resume.
    // A ping behind the presence frame on the same socket: its pong means the server has Ben away.
    socket.ws.send(JSON.stringify({ type: "presence", status: "away" }));
    await socket.request({ type: "ping", id: "after-away" });
    await say("ana", direct, "Still there?");
    const awayPush = await waitForPushes(benPhone, before.ben + 1);
    expect((await decrypt(benPhone, awayPush.at(-1)!.body)).body).toBe("Still there?");
    socket.close();

    // Ben mutes the direct chat; Cat chooses "nothing" for the group; Ben chooses "all" for the group.
    expect(
      (await p.call("PUT", `/api/v1/conversations/${direct}/mute`, u.ben!.token, { until: "forever" })).status,
    ).toBe(200);
    const none = await p.call("PUT", `/api/v1/conversations/${group}/notifications`, u.cat!.token, { level: "none" });
    expect(none.body.conversation).toMatchObject({ pushLevel: "none", pushLevelDefault: false });
    expect(
      (await p.call("PUT", `/api/v1/conversations/${group}/notifications`, u.ben!.token, { level: "all" })).status,
    ).toBe(200);
    expect(await queuedBy(p, () => say("ana", direct, "muted, so silent"))).toBe(0);
    // Ben ("all") only: Cat chose nothing.
    expect(await queuedBy(p, () => say("ana", group, "@cat nothing reaches you now"))).toBe(1);
    const benPushes = await waitForPushes(benPhone, before.ben + 2);
    expect((await decrypt(benPhone, benPushes.at(-1)!.body)).body).toBe("Ana: @cat nothing reaches you now");
    expect(pushesTo(benPhone).length).toBe(before.ben + 2);
    expect(pushesTo(catPhone).length).toBe(before.cat + 1);
    // Back to the defaults.
    const reset = await p.call("PUT", `/api/v1/conversations/${group}/notifications`, u.cat!.token, { level: null });
    expect(reset.body.conversation).toMatchObject({ pushLevel: "mentions", pushLevelDefault: true });
    await p.call("PUT", `/api/v1/conversations/${direct}/mute`, u.ben!.token, { until: null });
    const bad = await p.call("PUT", `/api/v1/conversations/${group}/notifications`, u.cat!.token, { level: "loud" });
    expect(bad.status).toBe(400);
  });

  test("a thread reply reaches those who follow the thread, whatever their level, and opens the thread", async () => {
    await p.call("PUT", `/api/v1/conversations/${group}/notifications`, u.ben!.token, { level: null });
    const before = { ben: pushesTo(benPhone).length, cat: pushesTo(catPhone).length };
    // Cat wrote the first message: she follows its thread; Ben (mentions only, not in it) does not.
    expect(await queuedBy(p, () => say("cat", group, "Which park?"))).toBe(0);
    const root = (await p.call("GET", `/api/v1/conversations/${group}/messages?limit=1`, u.cat!.token)).body
      .messages[0];
    const reply = () =>
      p.call("POST", `/api/v1/conversations/${group}/messages`, u.ana!.token, {
        clientId: crypto.randomUUID(),
        text: "The one by the lake",
        threadRootId: root.id,
      });
    expect(await queuedBy(p, reply)).toBe(1);
    const pushes = await waitForPushes(catPhone, before.cat + 1);
    expect(await decrypt(catPhone, pushes.at(-1)!.body)).toMatchObject({
      title: "Thread in Picnic",
      body: "Ana: The one by the lake",
      url: `/c/${group}/thread/${root.id}`,
    });
    expect(pushesTo(benPhone).length).toBe(before.ben);
    // Cat stops following it: the next reply reaches nobody.
    await p.call("DELETE", `/api/v1/conversations/${group}/threads/${root.id}/follow`, u.cat!.token);
    expect(await queuedBy(p, reply)).toBe(0);
  });

  test("a push service that says 410 loses the subscription; a 500 is retried until it succeeds", async () => {
    const gone = await device("gone");
    const flaky = await device("flaky");
    answers.set("/push/gone", [410]);
    answers.set("/push/flaky", [500, 201]);
    const goneSub = (await subscribeDevice(p, u.cat!.token, gone)).body.subscription;
    const catsDirect = (
      await p.call("POST", "/api/v1/conversations", u.ana!.token, { type: "direct", userId: u.cat!.id })
    ).body.conversation.id;
    const flakySub = (await subscribeDevice(p, u.cat!.token, flaky)).body.subscription;
    await say("ana", catsDirect, "Hello Cat");
    await waitForPushes(gone, 1);
    const tries = await waitForPushes(flaky, 2);
    expect(await decrypt(flaky, tries[1]!.body)).toMatchObject({ body: "Hello Cat" });
    // The answers are recorded after they arrive: wait until nothing is in flight.
    await waitFor(async () => (await metric(p, "parley_push_queue_depth")) === 0, "the push queue to empty");
    const list = (await p.call("GET", "/api/v1/push/subscriptions", u.cat!.token)).body.subscriptions;
    expect(list.map((s: any) => s.id)).not.toContain(goneSub.id);
    const kept = list.find((s: any) => s.id === flakySub.id);
    expect(kept.lastSuccessAt).not.toBeNull();
  });

  test("a burst for one conversation collapses into its newest message while a delivery is under way", async () => {
    const slow = await device("slow");
    delays.set("/push/slow", 600);
    const dee = await (async () => {
      const invite = (await p.call("POST", "/api/v1/admin/invites", u.ana!.token, {})).body.invite;
      return (
        await p.call("POST", "/api/v1/auth/register", undefined, {
          username: "dee",
          password: "dee-password",
          displayName: "DEE",
          inviteCode: invite.code,
        })
      ).body;
    })();
    await subscribeDevice(p, dee.token, slow);
    const conv = (await p.call("POST", "/api/v1/conversations", u.ana!.token, { type: "direct", userId: dee.user.id }))
      .body.conversation.id;
    await say("ana", conv, "one");
    await waitForPushes(slow, 1);
    for (const text of ["two", "three", "four"]) await say("ana", conv, text);
    const pushes = await waitForPushes(slow, 2);
    // Nothing left waiting or in flight: no third push can come.
    await waitFor(async () => (await metric(p, "parley_push_queue_depth")) === 0, "the push queue to empty");
    expect(pushesTo(slow)).toHaveLength(2);
    expect((await decrypt(slow, pushes[1]!.body)).body).toBe("four");
    expect(pushes[1]!.headers.topic).toBe(pushes[0]!.headers.topic);
  });

  test("a direct call rings the other person's device with a high-urgency push; unanswered, it becomes a missed call", async () => {
    const before = pushesTo(benPhone).length;
    const caller = await TestSocket.ready(p.server.url, u.ana!.token);
    caller.send({ type: "call.start", id: "c1", conversationId: direct, media: "video" });
    await caller.next((f) => f.type === "call.joined");
    const [ring] = (await waitForPushes(benPhone, before + 1)).slice(before);
    expect(ring!.headers.urgency).toBe("high");
    expect(Number(ring!.headers.ttl)).toBeLessThanOrEqual(45);
    expect(await decrypt(benPhone, ring!.body)).toMatchObject({
      kind: "call",
      title: "Ana",
      body: "Video call",
      url: `/c/${direct}`,
      tag: `call-${direct}`,
      ringing: true,
    });
    // Ana hangs up before Ben answers: a missed call, in the same notification's place.
    caller.send({ type: "call.leave", conversationId: direct });
    const [missed] = (await waitForPushes(benPhone, before + 2)).slice(before + 1);
    const payload = await decrypt(benPhone, missed!.body);
    expect(payload).toMatchObject({ kind: "call", title: "Missed video call", body: "Ana", tag: `call-${direct}` });
    expect(payload.ringing).toBeUndefined();
    caller.close();
    // Never the caller.
    expect(pushesTo(anaPhone)).toHaveLength(0);
  });

  test("subscriptions are listed per device, can be tested and removed; signing out removes that device's", async () => {
    const list = (await p.call("GET", "/api/v1/push/subscriptions", u.ben!.token)).body.subscriptions;
    expect(list).toEqual([
      expect.objectContaining({ label: "ben's laptop", service: `127.0.0.1:${service.port}`, current: true }),
    ]);
    const before = pushesTo(benPhone).length;
    expect((await p.call("POST", `/api/v1/push/subscriptions/${list[0].id}/test`, u.ben!.token)).status).toBe(202);
    const pushes = await waitForPushes(benPhone, before + 1);
    expect(await decrypt(benPhone, pushes.at(-1)!.body)).toMatchObject({ kind: "test", title: "Parley" });
    // Someone else's subscription is not mine to test or remove.
    expect((await p.call("DELETE", `/api/v1/push/subscriptions/${list[0].id}`, u.cat!.token)).status).toBe(404);
    expect((await p.call("POST", `/api/v1/push/subscriptions/${list[0].id}/test`, u.cat!.token)).status).toBe(404);

    const second = await p.call("POST", "/api/v1/auth/login", undefined, { username: "ben", password: "ben-password" });
    const tablet = await device("bentablet");
    await subscribeDevice(p, second.body.token, tablet, "tablet");
    expect((await p.call("GET", "/api/v1/push/subscriptions", u.ben!.token)).body.subscriptions).toHaveLength(2);
    expect((await p.call("POST", "/api/v1/auth/logout", second.body.token)).status).toBe(204);
    const after = (await p.call("GET", "/api/v1/push/subscriptions", u.ben!.token)).body.subscriptions;
    expect(after.map((s: any) => s.label)).toEqual(["ben's laptop"]);
    expect((await p.call("DELETE", `/api/v1/push/subscriptions/${after[0].id}`, u.ben!.token)).status).toBe(204);
    expect((await p.call("GET", "/api/v1/push/subscriptions", u.ben!.token)).body.subscriptions).toEqual([]);
  });

  test("junk subscription bodies get 400 and store nothing", async () => {
    const d = await device("junk");
    const good = { endpoint: d.endpoint, keys: { p256dh: b64u(d.publicRaw), auth: b64u(d.auth) } };
    for (const body of [
      {},
      "not json",
      { ...good, endpoint: "http://127.0.0.1/push" },
      { ...good, endpoint: "javascript:alert(1)" },
      { ...good, keys: { ...good.keys, p256dh: "short" } },
      { ...good, keys: { ...good.keys, p256dh: b64u(new Uint8Array(65)) } },
      { ...good, keys: { ...good.keys, auth: b64u(new Uint8Array(15)) } },
      { ...good, keys: { ...good.keys, auth: "!!!" } },
      { ...good, label: "x".repeat(101) },
    ]) {
      const r = await p.call("POST", "/api/v1/push/subscriptions", u.cat!.token, body);
      expect(r.status).toBe(400);
    }
    const list = (await p.call("GET", "/api/v1/push/subscriptions", u.cat!.token)).body.subscriptions;
    expect(list.some((s: any) => s.label === "junk")).toBe(false);
    expect((await p.call("POST", "/api/v1/push/subscriptions", undefined, good)).status).toBe(401);
  });
});

describe("private push mode", () => {
  test("notifications carry no names or words, only a link for the app to fetch the rest", async () => {
    const p = await startParley({ PARLEY_PUSH_PRIVATE: "true", PARLEY_PUSH_AWAY_SECONDS: "0" });
    try {
      const u = await people(p, ["dee"]);
      const phone = await device("dee");
      await subscribeDevice(p, u.dee!.token, phone);
      const conv = (await p.call("POST", "/api/v1/conversations", u.ana!.token, { type: "direct", userId: u.dee!.id }))
        .body.conversation.id;
      await p.call("POST", `/api/v1/conversations/${conv}/messages`, u.ana!.token, {
        clientId: "secret-1",
        text: "The surprise party is on Friday",
      });
      const [push] = await waitForPushes(phone, 1);
      const payload = await decrypt(phone, push!.body);
      expect(payload).toMatchObject({
        kind: "message",
        private: true,
        title: "New message",
        body: "",
        url: `/c/${conv}`,
      });
      expect(JSON.stringify(payload)).not.toContain("surprise");
      expect(JSON.stringify(payload)).not.toContain("Ana");
    } finally {
      await stopParley(p);
    }
  });
});

describe("rotating the VAPID keys", () => {
  test("parley push rotate-keys writes new keys and forgets the subscriptions bound to the old ones", async () => {
    const dir = tempDir("parley-rotate-");
    try {
      const dataDir = join(dir, "data");
      const run = () =>
        Bun.spawnSync([process.execPath, join(root, "src", "main.ts"), "push", "rotate-keys", "--data-dir", dataDir], {
          stdout: "pipe",
          stderr: "pipe",
        });
      const first = run();
      expect(first.exitCode).toBe(0);
      const key1 = JSON.parse(await Bun.file(join(dataDir, "vapid.json")).text()).publicKey;
      const second = run();
      expect(second.stdout.toString()).toContain("0 subscription(s) removed");
      expect(JSON.parse(await Bun.file(join(dataDir, "vapid.json")).text()).publicKey).not.toBe(key1);
      writeFileSync(join(dataDir, "vapid.json"), "{}");
      const p = await startParley({ PARLEY_DATA_DIR: dataDir }).catch((err: Error) => err);
      expect(p).toBeInstanceOf(Error);
      expect((p as Error).message).toContain("rotate-keys");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
