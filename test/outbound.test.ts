// Server-side request forgery through URLs someone else chose (push endpoints): refused by host, scheme,
// credentials and, after DNS, by address in every spelling; what passes is connected to the address that
// was checked, with TLS verifying the name, and redirects are not followed. Every target here is loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server, TCPSocketListener } from "bun";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { checkUrl, OutboundRefused, resolveTarget, type OutboundPolicy } from "../src/lib/outbound.ts";
import { parseCidr } from "../src/lib/ip-address.ts";
import { makeCertificate, serveHttps } from "./certificates.ts";
import { setUp, startTestServer, tempDir, type TestServer, waitFor } from "./harness.ts";

const ROOT = join(import.meta.dir, "..");

describe("push endpoints through the outbound guard", () => {
  let s: TestServer;
  let token: string;
  let listener: TCPSocketListener<undefined>;
  let connections = 0;
  let port: number;

  beforeAll(async () => {
    listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: () => void connections++, data() {} } });
    port = listener.port;
    // The admin listed these hosts, but allowed no private network: the addresses must still be refused.
    const hosts = ["127.0.0.1", "localhost", "[::1]", "[::ffff:7f00:1]", "0.0.0.0", "[::]"]
      .map((h) => `${h}:${port}`)
      .join(",");
    s = await startTestServer({ pushAllowedHosts: hosts });
    token = (await setUp(s)).token;
  });
  afterAll(async () => {
    listener.stop(true);
    await s.stop();
  });

  const subscribe = async (endpoint: string) => {
    const keys = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
    const p256dh = Buffer.from(await crypto.subtle.exportKey("raw", keys.publicKey)).toString("base64url");
    return s.call("POST", "/api/v1/push/subscriptions", {
      token,
      body: { endpoint, keys: { p256dh, auth: Buffer.alloc(16, 1).toString("base64url") } },
    });
  };

  test("loopback in every spelling, user:password@, plain http, unknown hosts and odd ports are refused and nothing is stored or connected to", async () => {
    const P = () => port;
    const endpoints = [
      `https://127.0.0.1:${P()}/push`,
      `https://localhost:${P()}/push`,
      `https://[::1]:${P()}/push`,
      `https://[::ffff:127.0.0.1]:${P()}/push`,
      `https://[0:0:0:0:0:ffff:7f00:1]:${P()}/push`,
      `https://2130706433:${P()}/push`,
      `https://0x7f000001:${P()}/push`,
      `https://0177.0.0.1:${P()}/push`,
      `https://127.1:${P()}/push`,
      `https://0.0.0.0:${P()}/push`,
      `https://[::]:${P()}/push`,
      `https://user:pass@127.0.0.1:${P()}/push`,
      `https://fcm.googleapis.com@127.0.0.1:${P()}/push`,
      `http://127.0.0.1:${P()}/push`,
      `https://169.254.169.254/latest/meta-data/`,
      `https://metadata.google.internal/computeMetadata/v1/`,
      `https://fcm.googleapis.com:${P()}/push`,
      `https://evil.example/fcm.googleapis.com/push`,
      `https://fcm.googleapis.com.evil.example/push`,
    ];
    const before = s.snapshot();
    for (const endpoint of endpoints) {
      const r = await subscribe(endpoint);
      expect([endpoint, r.status, r.body.error.code, r.body.error.field]).toEqual([
        endpoint,
        400,
        "VALIDATION_FAILED",
        "endpoint",
      ]);
    }
    expect(s.snapshot()).toBe(before);
    // A sentinel: a raw connection of our own is counted, so the counter works and nothing came before it.
    const probe = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    await waitFor(() => connections >= 1, "the probe's connection to be counted");
    probe.end();
    expect(connections).toBe(1);
  });

  test("a p256dh that is 65 bytes starting with 4 but not a point on P-256 is refused", async () => {
    const notOnCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString("base64url");
    const r = await s.call("POST", "/api/v1/push/subscriptions", {
      token,
      body: {
        endpoint: "https://fcm.googleapis.com/fcm/send/x",
        keys: { p256dh: notOnCurve, auth: Buffer.alloc(16).toString("base64url") },
      },
    });
    expect([r.status, r.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const shortAuth = await s.call("POST", "/api/v1/push/subscriptions", {
      token,
      body: {
        endpoint: "https://fcm.googleapis.com/fcm/send/x",
        keys: { p256dh: notOnCurve, auth: Buffer.alloc(15).toString("base64url") },
      },
    });
    expect(shortAuth.status).toBe(400);
  });
});

describe("the guard's rules", () => {
  const anyHost: OutboundPolicy = { allowedHosts: null, allowedNetworks: [] };
  const refused = async (url: string, policy: OutboundPolicy = anyHost) => {
    const outcome = await resolveTarget(url, policy).then(
      () => "allowed",
      (e) => (e instanceof OutboundRefused ? "refused" : `threw ${e}`),
    );
    return [url, outcome];
  };

  test("private, link-local, metadata, CGNAT, multicast and embedded-IPv4 forms are refused even with any host allowed", async () => {
    const inward = [
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://172.31.255.255/",
      "https://192.168.1.20/",
      "https://100.64.0.1/",
      "https://169.254.169.254/",
      "https://224.0.0.1/",
      "https://255.255.255.255/",
      "https://198.18.0.1/",
      "https://[fe80::1]/",
      "https://[fc00::1]/",
      "https://[fd12:3456::1]/",
      "https://[ff02::1]/",
      "https://[::ffff:a9fe:a9fe]/",
      "https://[64:ff9b::a9fe:a9fe]/",
      "https://[2002:c0a8:0101::1]/",
      "https://[::ffff:10.0.0.1]/",
    ];
    for (const url of inward) expect(await refused(url)).toEqual([url, "refused"]);
  });

  test("a name that resolves to a public address and also inward (rebinding, round robin) is refused as a whole; DNS is asked once", async () => {
    let asked = 0;
    const policy: OutboundPolicy = {
      allowedHosts: ["push.example.test"],
      allowedNetworks: [],
      resolve: async () => (asked++, ["93.184.216.34", "127.0.0.1"]),
    };
    expect(await refused("https://push.example.test/x", policy)).toEqual(["https://push.example.test/x", "refused"]);
    expect(asked).toBe(1);
    const allowedNet: OutboundPolicy = {
      ...policy,
      allowedNetworks: [parseCidr("127.0.0.0/8")!],
      resolve: async () => ["127.0.0.1"],
    };
    expect((await resolveTarget("https://push.example.test/x", allowedNet)).address).toBe("127.0.0.1");
  });

  test("host rules: exact names, *.subdomains (not the bare domain or look-alikes), ports only when named", () => {
    const policy = { allowedHosts: ["*.push.apple.com", "ntfy.example.test:8443", "fcm.googleapis.com"] };
    const ok = ["https://api.push.apple.com/x", "https://ntfy.example.test:8443/x", "https://FCM.googleapis.com/x"];
    const no = [
      "https://push.apple.com/x",
      "https://evilpush.apple.com/x",
      "https://ntfy.example.test/x",
      "https://fcm.googleapis.com:444/x",
      "https://fcm.googleapis.com.evil.test/x",
    ];
    for (const u of ok) expect(() => checkUrl(u, policy)).not.toThrow();
    for (const u of no) expect(() => checkUrl(u, policy)).toThrow(OutboundRefused);
  });
});

describe("connecting through the guard", () => {
  let certDir: string;
  let tls: Server<undefined>;
  let other: Server<undefined>;
  let otherHits = 0;
  const seen: { host: string | null; path: string }[] = [];

  beforeAll(() => {
    certDir = tempDir("parley-outbound-cert-");
    makeCertificate(certDir, "DNS:push.example.test");
    other = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => (otherHits++, new Response("inside")) });
    tls = serveHttps(certDir, (req) => {
      const path = new URL(req.url).pathname;
      seen.push({ host: req.headers.get("host"), path });
      if (path === "/redirect")
        return new Response(null, { status: 302, headers: { location: `http://127.0.0.1:${other.port}/` } });
      return new Response("x".repeat(100_000), { status: 201 });
    });
  });
  afterAll(() => {
    tls.stop(true);
    other.stop(true);
    rmSync(certDir, { recursive: true, force: true });
  });

  /** Runs fetchOutbound in a process that trusts the test certificate, as Parley does with NODE_EXTRA_CA_CERTS. */
  const viaGuard = async (path: string, answers: string[]) => {
    const script = `
      import { fetchOutbound } from ${JSON.stringify(join(ROOT, "src/lib/outbound.ts"))};
      import { parseCidr } from ${JSON.stringify(join(ROOT, "src/lib/ip-address.ts"))};
      let lookups = 0;
      const policy = { allowedHosts: ["push.example.test:${tls.port}"], allowedNetworks: [parseCidr("127.0.0.1/32")], resolve: async () => (lookups++, ${JSON.stringify(answers)}) };
      try {
        const r = await fetchOutbound("https://push.example.test:${tls.port}${path}", { method: "POST", headers: {}, body: new Uint8Array(3), timeoutMs: 5000, maxBytes: 1000 }, policy);
        console.log(JSON.stringify({ status: r.status, bytes: r.body.length, lookups }));
      } catch (e) { console.log(JSON.stringify({ error: e.name, message: e.message, lookups })); }
    `;
    // Not spawnSync: the listeners live in this process and must keep answering meanwhile.
    const proc = Bun.spawn([process.execPath, "-e", script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(certDir, "cert.pem") },
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = await new Response(proc.stdout).text();
    await proc.exited;
    return JSON.parse(out.trim().split("\n").at(-1)!);
  };

  test("the request goes to the checked address, with the name in Host and TLS, looked up once, and reads a bounded answer", async () => {
    const r = await viaGuard("/push", ["127.0.0.1"]);
    expect(r).toEqual({ status: 201, bytes: 1000, lookups: 1 });
    expect(seen.at(-1)).toEqual({ host: `push.example.test:${tls.port}`, path: "/push" });
  });

  test("a redirect is answered as it is, never followed", async () => {
    const r = await viaGuard("/redirect", ["127.0.0.1"]);
    expect(r.status).toBe(302);
    expect(otherHits).toBe(0);
  });

  test("a name that now resolves elsewhere inward is refused before any connection", async () => {
    const before = seen.length;
    const r = await viaGuard("/push", ["127.0.0.2"]);
    expect(r).toMatchObject({ error: "OutboundRefused", lookups: 1 });
    expect(seen.length).toBe(before);
  });
});
