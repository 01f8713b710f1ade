// HTTPS with PARLEY_TLS=local: Parley's own certificate authority, made once and kept; a server certificate
// it signs for every name and address the server is reached by (checked with openssl: Bun's own TLS client
// refuses the authority's address constraints, which browsers, curl and Node honour); one port that serves
// HTTPS and, over plain HTTP, the trust page; a certificate remade when due while open sockets stay.
import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { hostname } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { issueByAuthority } from "../src/tls/certificates.ts";
import { ADMIN, startTestServer, tempDir, waitFor, type TestServer } from "./harness.ts";
import { freePort } from "./services.ts";
import { TestSocket } from "./ws-client.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function startLocal(overrides: Record<string, string> = {}) {
  const s = await startTestServer({ tls: "local", tlsCheckSeconds: "1", ...overrides });
  servers.push(s);
  return s;
}

const pemOf = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n")}\n-----END CERTIFICATE-----\n`;

/** The certificate a new TLS connection to the port is given, PEM. */
function served(port: number, servername = "parley.local"): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
      resolve(pemOf(socket.getPeerCertificate().raw));
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** openssl's verdict on a certificate for a name or address, trusting only the authority. */
function verify(dir: string, cert: string, name: string): string {
  const file = join(tempDir("parley-verify-"), "cert.pem");
  writeFileSync(file, cert);
  const check = /^[\d.:]+$/.test(name) ? ["-verify_ip", name] : ["-verify_hostname", name];
  const r = Bun.spawnSync(["openssl", "verify", "-CAfile", join(dir, "tls", "local-ca.crt"), ...check, file]);
  return (r.stdout.toString() + r.stderr.toString()).trim();
}

/**
 * A request over HTTPS through the front, from a loopback address of the test's choosing. The certificate is
 * compared with the one on disk rather than verified (see the top of the file; `verify` does that).
 */
function send(
  s: TestServer,
  path: string,
  opts: { method?: string; body?: unknown; token?: string; from?: string } = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = request(
      {
        host: "127.0.0.1",
        port: s.running.config.port,
        path,
        method: opts.method ?? "GET",
        headers,
        localAddress: opts.from,
        rejectUnauthorized: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode!, body: text.startsWith("{") ? JSON.parse(text) : text });
        });
      },
    );
    req.on("error", reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

describe("Parley's own certificate authority", () => {
  test("is made once and kept; the server certificate it signs names every way the server is reached", async () => {
    const s = await startLocal({ tlsNames: "parley.test, 10.8.0.1" });
    const port = s.running.config.port;
    const tls = join(s.dataDir, "tls");
    expect(statSync(join(tls, "local-ca.key")).mode & 0o777).toBe(0o600);
    expect(statSync(join(tls, "local-server.key")).mode & 0o777).toBe(0o600);
    const cert = await served(port);
    expect(cert).toBe(readFileSync(join(tls, "local-server.crt"), "utf8"));
    const name = hostname().toLowerCase();
    for (const reachedAs of ["parley.local", "localhost", name, "parley.test", "127.0.0.1", "10.8.0.1"])
      expect(verify(s.dataDir, cert, reachedAs)).toEndWith(": OK");
    expect(verify(s.dataDir, cert, "other.test")).toContain("mismatch");

    // A restart serves the same authority and certificate: every device that trusts it goes on doing so.
    const ca = readFileSync(join(tls, "local-ca.crt"), "utf8");
    await s.running.stop();
    const again = await startLocal({ dataDir: s.dataDir, tlsNames: "parley.test,10.8.0.1" });
    expect(readFileSync(join(tls, "local-ca.crt"), "utf8")).toBe(ca);
    expect(await served(again.running.config.port)).toBe(cert);
    await again.running.stop();
  });

  test("vouches only for home-network names and private addresses, and leaves out a name it may not vouch for", async () => {
    const s = await startLocal();
    const authority = {
      cert: readFileSync(join(s.dataDir, "tls", "local-ca.crt"), "utf8"),
      key: readFileSync(join(s.dataDir, "tls", "local-ca.key"), "utf8"),
    };
    // Even a certificate made with its key: no browser would take it for a site on the internet.
    const validity = { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 86_400_000) };
    for (const outside of ["bank.example.com", "8.8.8.8"]) {
      const forged = await issueByAuthority(authority, [outside], validity);
      expect(verify(s.dataDir, forged.cert, outside)).toContain("permitted subtree violation");
    }
    const inside = await issueByAuthority(authority, ["nas.home.arpa", "192.168.1.20", "fd00::20"], validity);
    expect(verify(s.dataDir, inside.cert, "192.168.1.20")).toEndWith(": OK");

    // Asked afterwards for a name outside: left out of the certificate, with a warning.
    await s.running.stop();
    const again = await startLocal({ dataDir: s.dataDir, tlsNames: "chat.example.com" });
    expect(again.logs.some((l) => l.includes("may not vouch for") && l.includes("chat.example.com"))).toBe(true);
    expect(new X509Certificate(await served(again.running.config.port)).subjectAltName).not.toContain("example.com");
    await again.running.stop();
  });

  test("is refused at start when damaged, rather than replaced by one no device trusts", async () => {
    const s = await startLocal();
    await s.running.stop();
    writeFileSync(
      join(s.dataDir, "tls", "local-ca.key"),
      "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n",
    );
    const err = await startLocal({ dataDir: s.dataDir }).then(
      () => null,
      (e) => e as Error,
    );
    expect(err?.message).toContain("local-ca.key is not a PEM private key");
  });
});

describe("one port for HTTPS and the trust page", () => {
  test("plain HTTP gets the trust page and its downloads, anything else goes to HTTPS on the same port", async () => {
    const httpPort = await freePort();
    const s = await startLocal({ httpPort: String(httpPort) });
    const port = s.running.config.port;
    const ca = readFileSync(join(s.dataDir, "tls", "local-ca.crt"), "utf8");
    const fingerprint = new X509Certificate(ca).fingerprint256;
    for (const base of [`http://127.0.0.1:${port}`, `http://127.0.0.1:${httpPort}`]) {
      for (const path of ["/", "/trust"]) {
        const page = await fetch(base + path);
        expect(page.status).toBe(200);
        expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
        const html = await page.text();
        expect(html).toContain(fingerprint);
        expect(html).toContain(`https://127.0.0.1:${port}/`);
        for (const system of ["Android", "iPhone and iPad", "macOS", "Windows", "Linux", "Firefox (any system)"])
          expect(html).toContain(`<summary>${system}</summary>`);
        expect(html).toContain("<svg");
      }
      const der = await fetch(`${base}/trust/parley-ca.crt`);
      expect(der.headers.get("content-type")).toBe("application/x-x509-ca-cert");
      expect(Buffer.from(await der.arrayBuffer()).equals(new X509Certificate(ca).raw)).toBe(true);
      expect(await (await fetch(`${base}/trust/parley-ca.pem`)).text()).toBe(ca);
      const app = await fetch(`${base}/login?next=%2F`, { redirect: "manual" });
      expect(app.status).toBe(308);
      expect(app.headers.get("location")).toBe(`https://127.0.0.1:${port}/login?next=%2F`);
    }
    // Over HTTPS the app answers, and the same page is there for the sign-in page to link to.
    expect((await send(s, "/healthz")).body).toEqual({ status: "ok" });
    expect((await send(s, "/trust")).body).toContain(fingerprint);
    expect((await send(s, "/trust/check")).status).toBe(204);
    expect((await send(s, "/api/v1/instance")).body.features.trustPage).toBe(true);
  });

  test("the app sees the device's own address through the front, not the front's", async () => {
    const s = await startLocal();
    const token = (await send(s, "/api/v1/setup", { method: "POST", body: ADMIN, from: "127.0.0.5" })).body.token;
    const sessions = await send(s, "/api/v1/me/sessions", { token, from: "127.0.0.6" });
    expect(sessions.body.sessions.map((x: any) => x.ip)).toEqual(["127.0.0.5"]);
  });

  test("a large upload and its download pass through whole", async () => {
    const s = await startLocal();
    const token = (await send(s, "/api/v1/setup", { method: "POST", body: ADMIN })).body.token;
    const data = new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
    const form = new FormData();
    form.append("file", new File([data], "big.bin", { type: "application/octet-stream" }));
    const base = `https://127.0.0.1:${s.running.config.port}`;
    const tls = { rejectUnauthorized: false };
    const up = await fetch(`${base}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: form,
      tls,
    } as RequestInit);
    expect(up.status).toBe(201);
    const id = ((await up.json()) as any).attachment.id as string;
    const down = await fetch(`${base}/api/v1/files/${id}`, {
      headers: { authorization: `Bearer ${token}` },
      tls,
    } as RequestInit);
    const digest = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    expect(digest(new Uint8Array(await down.arrayBuffer()))).toBe(digest(data));
  });
});

describe("the port front and what arrives on it", () => {
  test("any bytes, cut anywhere, on either side of the first byte: the port keeps answering both ways", async () => {
    const s = await startLocal();
    const port = s.running.config.port;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 2048 }),
          // Looks like a TLS handshake, then is not.
          fc.uint8Array({ maxLength: 2048 }).map((rest) => Uint8Array.of(0x16, 0x03, 0x01, ...rest)),
          fc.string({ maxLength: 200 }).map((t) => new TextEncoder().encode(`GET /${t} HTTP/1.1\r\n`)),
        ),
        fc.boolean(),
        async (bytes, waitForAnswer) => {
          const closed = Promise.withResolvers<void>();
          const socket = await Bun.connect({
            hostname: "127.0.0.1",
            port,
            socket: { data() {}, close: () => closed.resolve(), error: () => closed.resolve() },
          });
          socket.write(bytes);
          socket.end();
          if (waitForAnswer) await closed.promise;
        },
      ),
      { numRuns: 150 },
    );
    expect((await send(s, "/healthz")).body).toEqual({ status: "ok" });
    expect((await fetch(`http://127.0.0.1:${port}/trust`)).status).toBe(200);
    expect(s.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });
});

describe("renewal", () => {
  test("a certificate that comes due is remade and served to new connections while an open socket stays", async () => {
    const first = await startLocal();
    const dataDir = first.dataDir;
    const tls = join(dataDir, "tls");
    const names = new X509Certificate(readFileSync(join(tls, "local-server.crt"))).subjectAltName!;
    await first.running.stop();
    // A certificate with the same names, due 3 seconds from now (two thirds of a 6-second life).
    const authority = {
      cert: readFileSync(join(tls, "local-ca.crt"), "utf8"),
      key: readFileSync(join(tls, "local-ca.key"), "utf8"),
    };
    const now = Date.now();
    const short = await issueByAuthority(
      authority,
      names.split(", ").map((n) => n.replace(/^(DNS|IP Address):/, "")),
      { from: new Date(now - 1000), to: new Date(now + 5000) },
    );
    writeFileSync(join(tls, "local-server.crt"), short.cert);
    writeFileSync(join(tls, "local-server.key"), short.key);
    const s = await startLocal({ dataDir });
    const port = s.running.config.port;
    expect(await served(port)).toBe(short.cert);

    const token = (await send(s, "/api/v1/setup", { method: "POST", body: ADMIN })).body.token as string;
    const notes = { type: "group", title: "Notes", memberIds: [] };
    const conversationId = (await send(s, "/api/v1/conversations", { method: "POST", body: notes, token })).body
      .conversation.id as string;
    const socket = await TestSocket.ready(`https://127.0.0.1:${port}`, token, undefined, { rejectUnauthorized: false });

    await waitFor(async () => (await served(port)) !== short.cert, "a new certificate served", 15_000);
    const renewed = await served(port);
    expect(verify(dataDir, renewed, "localhost")).toEndWith(": OK");
    expect(new X509Certificate(renewed).validToDate.getTime()).toBeGreaterThan(now + 300 * 86_400_000);
    const message = { clientId: "r1", text: "after the renewal" };
    const sent = await send(s, `/api/v1/conversations/${conversationId}/messages`, {
      method: "POST",
      body: message,
      token,
    });
    expect(sent.status).toBe(201);
    // The socket opened before the renewal hears it.
    await socket.next((f) => f.type === "event" && f.event.message?.text === "after the renewal");
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});
