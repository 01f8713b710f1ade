// Starts the real server on a free port with a fresh data folder, and talks to it as a client would.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSession } from "../src/accounts/sessions.ts";
import { insertUser } from "../src/accounts/users.ts";
import { loadConfig, type ConfigInput } from "../src/config/config.ts";
import { createLogger } from "../src/lib/log.ts";
import { startServer, type RunningServer } from "../src/server.ts";
import { startSqld } from "./services.ts";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestServer {
  url: string;
  running: RunningServer;
  dataDir: string;
  logs: string[];
  call<T = any>(
    method: string,
    path: string,
    opts?: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: BodyInit },
  ): Promise<Reply<T>>;
  /** Every row of every table, to prove that a refused request changed nothing. */
  snapshot(): string;
  /** Resolves once the write queue and the work after commits (`…Later`) have nothing left to do. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** A JSON request to a server at base (http://host:port) as its clients make it, with an optional bearer token. */
export async function callAt(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<Reply> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    // A server of the tests' own over HTTPS is asked without checking its certificate (see call below).
    ...(base.startsWith("https:") ? { tls: { rejectUnauthorized: false } } : {}),
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export function tempDir(prefix = "parley-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestServer(overrides: ConfigInput = {}): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? join(tempDir(), "data");
  // PARLEY_TEST_CLUSTER=1 runs a test file's servers each on a libSQL server of its own (multi-node's store).
  const sqld = process.env.PARLEY_TEST_CLUSTER && !overrides.databaseUrl ? await startSqld() : null;
  if (sqld) overrides = { ...overrides, databaseUrl: sqld.url };
  const config = loadConfig({
    env: {},
    overrides: {
      port: "0",
      host: "127.0.0.1",
      dataDir,
      authRateLimit: "10000",
      sendRate: "100000",
      logLevel: "info",
      // Every in-process test writes its plain sends through the send thread (chat/send-thread.ts), the path
      // with the most to get wrong; the event loop's own path is what servers spawned by tests use (auto is
      // off on the test machines' two cores) and what the work budgets measure.
      sendThread: "on",
      // Going offline is told at once here; test/presence-receipts.test.ts tests the grace itself.
      presenceGraceSeconds: "0",
      ...overrides,
    },
  });
  const logs: string[] = [];
  const log = createLogger({ format: "json", level: config.logLevel, write: (l) => logs.push(l) });
  const running = await startServer(config, log);
  const { url } = running;
  const sqlite = running.app.deps.store.sqlite;
  let stopped = false;

  return {
    url,
    running,
    dataDir,
    logs,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: BodyInit | undefined = opts.raw;
      if (opts.body !== undefined) {
        headers["content-type"] ??= "application/json";
        body = JSON.stringify(opts.body);
      }
      // A server with TLS is asked without checking its certificate: the HTTPS tests check it themselves.
      const tls = url.startsWith("https:") ? { tls: { rejectUnauthorized: false } } : {};
      const res = await fetch(url + path, { method, headers, body, redirect: "manual", ...tls } as RequestInit);
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {}
      return { status: res.status, body: parsed as any, headers: res.headers };
    },
    snapshot() {
      const tables = sqlite
        .query<{ name: string }, []>(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all()
        // The search indexes (FTS5 tables and their shadow tables) are derived from the tables kept here; the
        // cluster clock moves with every transaction of a node, refused ones too (store/cluster-schema.ts).
        .filter(({ name }) => !/_fts($|_)/.test(name) && name !== "cluster_clock");
      // last_seen_at follows sockets coming and going in the background (presence), not requests.
      const rows = (name: string) =>
        sqlite
          .query<Record<string, unknown>, []>(`SELECT * FROM "${name}" ORDER BY rowid`)
          .all()
          .map(({ last_seen_at: _, ...row }) => row);
      return JSON.stringify(tables.map(({ name }) => [name, rows(name)]));
    },
    async idle() {
      const { chat } = running.app.deps;
      // What a transaction outside the queue causes runs after its sync.
      await chat.store.durability.barrier();
      await chat.queue.idle();
      await chat.background.idle();
      await chat.queue.idle();
      await chat.store.durability.barrier();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.stop();
      await sqld?.stop();
      rmSync(join(dataDir, ".."), { recursive: true, force: true });
    },
  };
}

export const ADMIN = { username: "ana", password: "ana-password-1", displayName: "Ana Admin" };

/** Sets the server up with its admin; returns the admin's token. */
export async function setUp(s: TestServer): Promise<{ token: string; user: any }> {
  const r = await s.call("POST", "/api/v1/setup", { body: ADMIN });
  if (r.status !== 201) throw new Error(`setup failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A group made by `token`'s user with these members; its id. */
export async function createGroup(s: TestServer, token: string, title: string, memberIds: string[]): Promise<string> {
  const r = await s.call("POST", "/api/v1/conversations", { token, body: { type: "group", title, memberIds } });
  if (r.status !== 201) throw new Error(`group failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.conversation.id;
}

let counter = 0;
/** Registers a member through a fresh invite; returns their token and user. */
export async function addMember(
  s: TestServer,
  adminToken: string,
  name = `user${++counter}`,
  password = `${name}-password`,
): Promise<{ token: string; user: any; password: string }> {
  const inv = await s.call("POST", "/api/v1/admin/invites", { token: adminToken, body: {} });
  const r = await s.call("POST", "/api/v1/auth/register", {
    body: { username: name, password, displayName: name.toUpperCase(), inviteCode: inv.body.invite.code },
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...r.body, password };
}

/**
 * n people made straight in the database, each signed in (registering each would hash a password): ids
 * `${prefix}-0`…, usernames `${prefix}0`…, display names `Prefix 0`….
 */
export function insertPeople(s: TestServer, prefix: string, n: number): { id: string; token: string }[] {
  const { db } = s.running.app.deps.store;
  const name = prefix[0]!.toUpperCase() + prefix.slice(1);
  return Array.from({ length: n }, (_, i) => {
    const u = insertUser(db, {
      id: `${prefix}-${i}`,
      username: `${prefix}${i}`,
      displayName: `${name} ${i}`,
      passwordHash: null,
      role: "member",
    });
    return { id: u.id, token: createSession(db, u.id, 30).token };
  });
}

export function cookieFrom(headers: Headers): string {
  const set = headers.getSetCookie().find((c) => c.startsWith("parley_session="));
  return set ? set.split(";")[0]! : "";
}

/** Someone signed in, as the tests hold them: their token and who they are. */
export type Person = { token: string; user: { id: string; username: string }; password?: string };

/**
 * The API as the tests' people call it: `const api = apiAs(() => s)`, then `api(ana, "GET", "/me")`. The
 * server is looked up at call time, so the helper can be made before `beforeAll` starts it.
 */
export function apiAs(server: () => TestServer) {
  return (p: Person, method: string, path: string, body?: unknown): Promise<Reply> =>
    server().call(method, `/api/v1${path}`, { token: p.token, body });
}

/**
 * Waits until a condition holds, checking every few milliseconds, or fails after the deadline: for effects
 * that have no event of their own (a file removed, a backup written). Never a stand-in for "the work is done"
 * when an awaitable signal exists (`s.idle()`, a frame, a sentinel).
 */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/**
 * A probe polled across a certificate swap, whose connection may be reset in the instant the new listener
 * takes over (docs/operations.md, "Taking up a new certificate"): a reset is null, "not yet"; any other
 * failure stands.
 */
export function resetMeansNotYet<T>(probe: Promise<T>): Promise<T | null> {
  return probe.catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ECONNRESET") throw err;
    return null;
  });
}

/** Sets someone's picture (PUT /api/v1/me/avatar) to the app's own icon, as a browser uploads it. */
export async function setPicture(baseUrl: string, token: string): Promise<{ status: number; body: any }> {
  const form = new FormData();
  const icon = readFileSync(join(import.meta.dir, "..", "web", "public", "icon-192.png"));
  form.append("file", new File([icon], "picture.png"));
  const res = await fetch(`${baseUrl}/api/v1/me/avatar`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}
