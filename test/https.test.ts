// HTTPS from Parley itself with PARLEY_TLS=files: the certificate and key from their files, a replaced pair
// taken up without a restart (new connections get it, open sockets stay), a broken one refused while the
// one in use keeps serving, plain HTTP sent to HTTPS, and clear errors for a pair that cannot be used.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { ConfigError, loadConfig } from "../src/config/config.ts";
import { readTlsPair } from "../src/tls/files.ts";
import { TlsFileError } from "../src/tls/pair.ts";
import { makeCertificate } from "./certificates.ts";
import { ADMIN, resetMeansNotYet, startTestServer, tempDir, waitFor, type TestServer } from "./harness.ts";
import { freePort } from "./services.ts";
import { TestSocket } from "./ws-client.ts";

const dir = tempDir("parley-https-");
const certPath = join(dir, "cert.pem");
const keyPath = join(dir, "key.pem");
/** A second pair made beside the first, to replace it with. */
const next = tempDir("parley-https-next-");
let s: TestServer;
let httpPort: number;
let port: number;

const pem = (path: string) => readFileSync(path, "utf8");
const fingerprint = (path: string) => new X509Certificate(pem(path)).fingerprint256;

/** The certificate a new TLS connection is given (not checked: the test compares it). */
function served(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on("error", reject);
  });
}

/** A request that trusts exactly this certificate (self-signed: it is its own authority). */
async function call(method: string, path: string, trust: string, token?: string, body?: unknown) {
  const res = await fetch(`https://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    tls: { ca: pem(trust) },
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  makeCertificate(dir, "IP:127.0.0.1");
  makeCertificate(next, "IP:127.0.0.1");
  httpPort = await freePort();
  s = await startTestServer({
    tls: "files",
    tlsCert: certPath,
    tlsKey: keyPath,
    tlsCheckSeconds: "1",
    httpPort: String(httpPort),
  });
  port = s.running.config.port;
});

afterAll(async () => {
  await s?.stop();
});

describe("HTTPS from certificate files", () => {
  test("serves its certificate, and a replaced pair reaches new connections without a restart while open sockets stay", async () => {
    expect(s.url).toStartWith("https://");
    expect(await served()).toBe(fingerprint(certPath));
    const admin = await call("POST", "/api/v1/setup", certPath, undefined, ADMIN);
    expect(admin.status).toBe(201);
    const token = admin.body.token as string;
    const notes = await call("POST", "/api/v1/conversations", certPath, token, {
      type: "group",
      title: "Notes",
      memberIds: [],
    });
    const conversationId = notes.body.conversation.id as string;

    // A socket opened on the first certificate.
    const socket = await TestSocket.ready(`https://127.0.0.1:${port}`, token, undefined, { ca: pem(certPath) });

    // A renewal: the key first, then the certificate (a watcher may see the pair half-written in between).
    copyFileSync(join(next, "key.pem"), keyPath);
    copyFileSync(join(next, "cert.pem"), certPath);
    await waitFor(
      async () => (await resetMeansNotYet(served())) === fingerprint(join(next, "cert.pem")),
      "the new certificate served",
    );
    expect(s.logs.some((l) => l.includes("TLS certificate taken up"))).toBe(true);

    // The socket from before still hears what is sent now.
    const sent = await call("POST", `/api/v1/conversations/${conversationId}/messages`, certPath, token, {
      clientId: "after-renewal",
      text: "after the renewal",
    });
    expect(sent.status).toBe(201);
    // The socket opened before the renewal hears it.
    await socket.next((f) => f.type === "event" && f.event.message?.text === "after the renewal");
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    socket.close();
  });

  test("a pair that cannot be used is logged and the certificate in use keeps serving", async () => {
    const inUse = await served();
    writeFileSync(certPath, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
    await waitFor(() => s.logs.some((l) => l.includes("cannot be used")), "the refusal in the log");
    expect(await served()).toBe(inUse);
    expect((await call("GET", "/healthz", join(next, "cert.pem"))).status).toBe(200);
    copyFileSync(join(next, "cert.pem"), certPath);
  });

  test("plain HTTP on PARLEY_HTTP_PORT is sent to the same address over HTTPS, method and body kept", async () => {
    const res = await fetch(`http://127.0.0.1:${httpPort}/c/abc?x=1`, { method: "POST", redirect: "manual" });
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe(`https://127.0.0.1:${port}/c/abc?x=1`);
  });
});

describe("certificate files that cannot be used stop the start with a clear error", () => {
  const config = (overrides: Record<string, string>) =>
    loadConfig({ env: {}, overrides: { port: "0", dataDir: join(tempDir(), "data"), ...overrides } });

  test("a key of another certificate, a file that is not PEM, a missing file, an ended certificate", async () => {
    const other = tempDir("parley-https-other-");
    makeCertificate(other, "IP:127.0.0.1");
    const refused = (cert: string, key: string) =>
      startTestServer({ tls: "files", tlsCert: cert, tlsKey: key }).then(
        () => {
          throw new Error("started");
        },
        (err) => err as Error,
      );
    const mismatch = await refused(join(next, "cert.pem"), join(other, "key.pem"));
    expect(mismatch).toBeInstanceOf(TlsFileError);
    expect(mismatch.message).toContain("is not the key of the certificate");
    writeFileSync(join(other, "junk.pem"), "hello");
    expect((await refused(join(other, "junk.pem"), join(other, "key.pem"))).message).toContain(
      "is not a PEM certificate",
    );
    expect((await refused(join(other, "junk.pem"), join(other, "junk.pem"))).message).toContain(
      "is not a PEM certificate",
    );
    expect((await refused(join(other, "cert.pem"), join(other, "junk.pem"))).message).toContain(
      "is not a PEM private key",
    );
    expect((await refused(join(other, "missing.pem"), join(other, "key.pem"))).message).toContain("cannot be read");
    // Made for two days: three days from now it has ended.
    const later = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    expect(() => readTlsPair(join(other, "cert.pem"), join(other, "key.pem"), later)).toThrow("ended on");
  });

  test("a port another server holds is refused even when it shares ports (the listeners' port is theirs alone)", async () => {
    // Another server that shares ports as Parley's listeners do: the kernel would split connections between them.
    const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, reusePort: true, fetch: () => new Response("other") });
    try {
      const err = await startTestServer({
        tls: "files",
        tlsCert: join(next, "cert.pem"),
        tlsKey: join(next, "key.pem"),
        port: String(taken.port),
      }).then(
        () => null,
        (e) => e as Error,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect(err!.message).toBe(`port ${taken.port} on 127.0.0.1 is in use by another program (PARLEY_PORT)`);
    } finally {
      taken.stop(true);
    }
  });

  test("a redirect port that is taken stops the start and leaves nothing listening", async () => {
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const main = await freePort();
    try {
      const err = await startTestServer({
        tls: "files",
        tlsCert: join(next, "cert.pem"),
        tlsKey: join(next, "key.pem"),
        port: String(main),
        httpPort: String(taken.port),
      }).then(
        () => null,
        (e) => e as Error,
      );
      expect(err).not.toBeNull();
      // The HTTPS port it had bound first is free again.
      Bun.listen({ hostname: "127.0.0.1", port: main, socket: { data() {} } }).stop(true);
    } finally {
      taken.stop(true);
    }
  });

  test("TLS settings that do not fit together", () => {
    expect(() => config({ tls: "files" })).toThrow(ConfigError);
    expect(() => config({ tls: "files" })).toThrow("PARLEY_TLS=files needs PARLEY_TLS_CERT and PARLEY_TLS_KEY");
    expect(() => config({ httpPort: "8081" })).toThrow("PARLEY_HTTP_PORT redirects to HTTPS: it needs PARLEY_TLS");
    expect(() => config({ tls: "nope" })).toThrow(ConfigError);
  });
});
