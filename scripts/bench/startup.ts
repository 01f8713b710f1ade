// How fast the compiled executable starts and how much memory it holds doing nothing: what a Raspberry Pi
// owner feels after a reboot. Cold start is from spawning the process to its first 200 on /healthz, on a
// fresh data folder (the database is created and migrated) and again on an existing one; idle RSS is read
// from /proc two seconds after start, with one admin set up and nobody connected.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../../test/harness.ts";

export interface Startup {
  firstRunMs: number;
  warmRunMs: number;
  idleRssMb: number;
  /** Of which private memory (heap, SQLite's cache, buffers): what the process really costs. */
  anonMb: number;
  /** Of which pages of the executable file itself: shared and dropped by the kernel under pressure. */
  fileMb: number;
}

function statusMb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

/** Starts the executable and polls /healthz on a fixed port until it answers (the start itself is timed). */
async function start(executable: string, dataDir: string, port: number, extraEnv: Record<string, string> = {}) {
  const t0 = performance.now();
  const proc = Bun.spawn([executable], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dataDir,
      PARLEY_DATA_DIR: join(dataDir, "data"),
      PARLEY_PORT: String(port),
      PARLEY_HOST: "127.0.0.1",
      PARLEY_LOG_FORMAT: "json",
      ...extraEnv,
    },
    stdout: "ignore",
    stderr: "ignore",
  });
  const deadline = t0 + 10_000;
  for (;;) {
    if (performance.now() > deadline) throw new Error("the executable did not answer /healthz in 10 s");
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await Bun.sleep(1);
  }
  return { proc, ms: performance.now() - t0 };
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Best of three for each start, so that a page cache that was cold by chance does not decide it. */
export async function benchStartup(executable: string): Promise<Startup> {
  const dir = tempDir("parley-startup-");
  try {
    let firstRunMs = Infinity;
    let warmRunMs = Infinity;
    let idleRssMb = NaN;
    let anonMb = NaN;
    let fileMb = NaN;
    for (let i = 0; i < 3; i++) {
      const runDir = join(dir, `run${i}`);
      require("node:fs").mkdirSync(runDir);
      const port = await freePort();
      const first = await start(executable, runDir, port);
      firstRunMs = Math.min(firstRunMs, first.ms);
      first.proc.kill("SIGTERM");
      await first.proc.exited;
      const warm = await start(executable, runDir, port);
      warmRunMs = Math.min(warmRunMs, warm.ms);
      if (i === 0) {
        const setup = await fetch(`http://127.0.0.1:${port}/api/v1/setup`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ username: "admin", password: "startup-password-1", displayName: "Admin" }),
        });
        if (!setup.ok) throw new Error(`setup failed: ${setup.status}`);
        await Bun.sleep(2000); // idle, as after a reboot with nobody connected
        idleRssMb = statusMb(warm.proc.pid, "VmRSS");
        anonMb = statusMb(warm.proc.pid, "RssAnon");
        fileMb = statusMb(warm.proc.pid, "RssFile");
      }
      warm.proc.kill("SIGTERM");
      await warm.proc.exited;
    }
    return { firstRunMs, warmRunMs, idleRssMb, anonMb, fileMb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Idle RSS of floor-app.ts compiled as Parley is (minified, bytecode): what Bun itself holds for the same
 * kinds of work (SQLite, HTTP and WebSocket, a password hash, one worker), measured as benchStartup does.
 */
export async function benchIdleFloor(): Promise<Pick<Startup, "idleRssMb" | "anonMb" | "fileMb">> {
  const dir = tempDir("parley-floor-");
  try {
    const exe = join(dir, "floor");
    const entry = join(import.meta.dir, "floor-app.ts");
    const flags = ["--compile", "--minify", "--bytecode", "--format=esm"]; // as scripts/build.ts builds Parley
    const build = Bun.spawnSync([process.execPath, "build", ...flags, entry, "--outfile", exe], {
      stdout: "ignore",
      stderr: "inherit",
    });
    if (build.exitCode !== 0) throw new Error("building the floor app failed");
    const port = await freePort();
    const { proc } = await start(exe, dir, port, { FLOOR_DIR: dir, FLOOR_PORT: String(port) });
    try {
      const setup = await fetch(`http://127.0.0.1:${port}/setup`);
      if (!setup.ok) throw new Error(`floor setup failed: ${setup.status}`);
      await Bun.sleep(2000); // the same idle wait as benchStartup's
      return {
        idleRssMb: statusMb(proc.pid, "VmRSS"),
        anonMb: statusMb(proc.pid, "RssAnon"),
        fileMb: statusMb(proc.pid, "RssFile"),
      };
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const executable = process.argv[2];
  if (!executable) throw new Error("usage: bun scripts/bench/startup.ts <executable>");
  console.table([await benchStartup(executable), { ...(await benchIdleFloor()), firstRunMs: NaN, warmRunMs: NaN }]);
}
