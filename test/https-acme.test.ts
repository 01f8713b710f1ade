// HTTPS with PARLEY_TLS=acme against Let's Encrypt's test CA (pebble, started here): a certificate is
// obtained through HTTP-01 on PARLEY_HTTP_PORT and served, kept in the data folder for the next start,
// renewed when it is due without dropping open connections, and a CA that fails leaves the certificate in
// use serving while it is tried again with back-off.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { connect } from "node:tls";
import { loadConfig, ConfigError } from "../src/config/config.ts";
import { selfSigned } from "../src/tls/certificates.ts";
import { ADMIN, resetMeansNotYet, startTestServer, tempDir, waitFor, type TestServer } from "./harness.ts";
import { startPebble, type Pebble } from "./pebble.ts";
import { freePort } from "./services.ts";
import { TestSocket } from "./ws-client.ts";

const DOMAIN = "chat.parley.test";
const DAY = 86_400_000;
let pebble: Pebble;
let httpPort: number;
const servers: TestServer[] = [];

/** The certificate a new TLS connection to the port is given, as the domain's browser would ask for it. */
function served(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: DOMAIN, rejectUnauthorized: false }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate().raw));
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** A request to https://chat.parley.test:port (reached on 127.0.0.1) trusting only `ca`. */
function send(
  port: number,
  path: string,
  ca: string,
  opts: { method?: string; body?: unknown; token?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host: `${DOMAIN}:${port}` };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const req = request(
      { host: "127.0.0.1", port, path, method: opts.method ?? "GET", servername: DOMAIN, ca, headers },
      (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: text.startsWith("{") ? JSON.parse(text) : text,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

async function startAcme(port: number, dataDir = join(tempDir(), "data")) {
  const s = await startTestServer({
    port: String(port),
    dataDir,
    tls: "acme",
    publicUrl: `https://${DOMAIN}:${port}`,
    httpPort: String(httpPort),
    acmeDirectory: pebble.directory,
    acmeCa: pebble.caFile,
    tlsCheckSeconds: "1",
  });
  servers.push(s);
  return s;
}

const fromPebble = (cert: X509Certificate | null) => cert !== null && cert.issuer.includes("Pebble");

beforeAll(async () => {
  httpPort = await freePort();
  pebble = await startPebble(httpPort);
});

afterAll(async () => {
  for (const s of servers) await s.stop();
  await pebble?.stop();
});

describe("a certificate from an ACME CA", () => {
  let dataDir: string;
  let port: number;
  let issued: string;

  test("is obtained at the first start through HTTP-01, served in place of the stand-in, and kept in the data folder", async () => {
    port = await freePort();
    const s = await startAcme(port);
    dataDir = s.dataDir;
    await waitFor(async () => fromPebble(await resetMeansNotYet(served(port))), "the CA's certificate served");
    expect(s.logs.some((l) => l.includes("serving a self-signed stand-in"))).toBe(true);
    const cert = await served(port);
    expect(cert.subjectAltName).toBe(`DNS:${DOMAIN}`);
    issued = cert.fingerprint256;

    // A client that trusts only the CA's root reaches the app, and is told to stay on HTTPS (acme only).
    const res = await send(port, "/healthz", await pebble.root());
    expect(res.status).toBe(200);
    expect(res.headers["strict-transport-security"]).toBe("max-age=31536000");

    // Kept for the next start, readable by Parley's user alone.
    const tls = join(dataDir, "tls");
    expect(new X509Certificate(readFileSync(join(tls, `acme-${DOMAIN}.crt`))).fingerprint256).toBe(issued);
    expect(statSync(join(tls, `acme-${DOMAIN}.key`)).mode & 0o777).toBe(0o600);
    expect(statSync(tls).mode & 0o777).toBe(0o700);

    // The plain port answers only the CA's checks; everything else goes to HTTPS.
    const unknown = await fetch(`http://127.0.0.1:${httpPort}/.well-known/acme-challenge/nope`);
    expect(unknown.status).toBe(404);
    const page = await fetch(`http://127.0.0.1:${httpPort}/login`, { redirect: "manual", headers: { host: DOMAIN } });
    expect(page.status).toBe(308);
    expect(page.headers.get("location")).toBe(`https://${DOMAIN}:${port}/login`);
    // Stopped, its data folder kept for the restart.
    await s.running.stop();
  });

  test("a restart serves the kept certificate at once and asks the CA for nothing", async () => {
    const s = await startAcme(port, dataDir);
    expect((await served(port)).fingerprint256).toBe(issued);
    await s.running.certificates!.idle();
    expect(s.logs.some((l) => l.includes("asking for a new one"))).toBe(false);
    await s.stop();
  });
});

describe("renewal", () => {
  let s: TestServer;
  let port: number;
  /** A certificate made 2.5 days into a 3-day life: due for renewal. It also names 127.0.0.1 for the socket. */
  let old: { cert: string; key: string };

  test("a failing CA leaves the certificate in use serving, logged and tried again with a growing wait", async () => {
    await pebble.server.kill();
    port = await freePort();
    const dataDir = join(tempDir(), "data");
    mkdirSync(join(dataDir, "tls"), { recursive: true, mode: 0o700 });
    old = await selfSigned([DOMAIN, "127.0.0.1"], 3, new Date(Date.now() - 2.5 * DAY));
    writeFileSync(join(dataDir, "tls", `acme-${DOMAIN}.crt`), old.cert);
    writeFileSync(join(dataDir, "tls", `acme-${DOMAIN}.key`), old.key, { mode: 0o600 });
    s = await startAcme(port, dataDir);

    const failures = () => s.logs.filter((l) => l.includes("could not be renewed")).map((l) => JSON.parse(l));
    await waitFor(() => failures().length >= 2, "two failed attempts in the log");
    // The cause, as the network gave it.
    expect(failures()[0].err).toContain("ECONNREFUSED");
    expect(failures()[0].nextAttemptSeconds).toBe(1);
    expect(failures()[1].nextAttemptSeconds).toBe(2);
    expect(failures()[0].inUseUntil).toBe(new X509Certificate(old.cert).validToDate.toISOString());
    expect((await served(port)).fingerprint256).toBe(new X509Certificate(old.cert).fingerprint256);
    expect((await send(port, "/healthz", old.cert)).status).toBe(200);
  });

  test("once the CA answers, the due certificate is swapped for new connections while an open socket stays", async () => {
    const call = (ca: string, path: string, body: unknown, token?: string) =>
      send(port, path, ca, { method: "POST", body, token });
    const token = (await call(old.cert, "/api/v1/setup", ADMIN)).body.token as string;
    const notes = { type: "group", title: "Notes", memberIds: [] };
    const conversationId = (await call(old.cert, "/api/v1/conversations", notes, token)).body.conversation.id as string;
    const socket = await TestSocket.ready(`https://127.0.0.1:${port}`, token, undefined, { ca: old.cert });

    await pebble.server.restart();
    await waitFor(
      async () => fromPebble(await resetMeansNotYet(served(port))),
      "the renewed certificate served",
      30_000,
    );
    expect(s.logs.some((l) => l.includes("renewed and served to new connections"))).toBe(true);
    const root = await pebble.root();
    expect((await send(port, "/healthz", root)).status).toBe(200);
    // What the socket opened on the old certificate hears after the swap.
    const message = { clientId: "r1", text: "renewed" };
    const sent = await call(root, `/api/v1/conversations/${conversationId}/messages`, message, token);
    expect(sent.status).toBe(201);
    // The socket opened before the renewal hears it.
    await socket.next((f) => f.type === "event" && f.event.message?.text === "renewed");
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });
});

describe("acme settings", () => {
  test("a private CA's certificate that cannot be read stops the start, naming the file", async () => {
    const missing = join(tempDir(), "missing-ca.pem");
    const err = await startTestServer({
      tls: "acme",
      publicUrl: `https://${DOMAIN}`,
      httpPort: String(await freePort()),
      acmeCa: missing,
    }).then(
      () => null,
      (e) => e as Error,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toBe(`the certificate authority (PARLEY_ACME_CA) ${missing} cannot be read (ENOENT)`);
  });

  const config = (overrides: Record<string, string>) => () =>
    loadConfig({ env: {}, overrides: { port: "443", dataDir: tempDir(), tls: "acme", ...overrides } });

  test("need a public https URL with a domain, the plain HTTP port, an https directory and a real email", () => {
    const ok = { publicUrl: "https://chat.example.com", httpPort: "80" };
    expect(config(ok)().tls).toBe("acme");
    expect(config({ httpPort: "80" })).toThrow(ConfigError);
    expect(config({ ...ok, publicUrl: "http://chat.example.com" })).toThrow("needs PARLEY_PUBLIC_URL with the domain");
    expect(config({ ...ok, publicUrl: "https://192.168.1.20" })).toThrow("needs PARLEY_PUBLIC_URL with the domain");
    expect(config({ ...ok, publicUrl: "https://localhost" })).toThrow("needs PARLEY_PUBLIC_URL with the domain");
    expect(config({ ...ok, httpPort: "0" })).toThrow("needs PARLEY_HTTP_PORT");
    expect(config({ ...ok, acmeDirectory: "http://ca.example.com/dir" })).toThrow("must be an https:// URL");
    expect(config({ ...ok, acmeEmail: "not an address" })).toThrow("must be an email address");
    expect(config({ ...ok, acmeEmail: "me@example.com" })().acmeEmail).toBe("me@example.com");
    // One node only: several have HTTPS at their balancer (or the same certificate files on each).
    const cluster = { databaseUrl: "ws://127.0.0.1:1", busUrl: "redis://127.0.0.1:1", storage: "s3" };
    const s3 = { s3Bucket: "b", s3AccessKeyId: "k", s3SecretAccessKey: "s" };
    expect(config({ ...ok, ...cluster, ...s3 })).toThrow("PARLEY_TLS=acme is for one node");
    expect(config({ ...cluster, ...s3, tls: "local" })).toThrow("PARLEY_TLS=local is for one node");
  });
});
