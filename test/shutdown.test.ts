import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./harness.ts";
import { spawnServer } from "./process.ts";

const main = join(import.meta.dir, "..", "src", "main.ts");

describe("graceful shutdown", () => {
  test("on SIGTERM, finishes the request in flight, stops accepting, closes the database and exits 0", async () => {
    const cwd = tempDir("parley-stop-");
    const server = await spawnServer([process.execPath, main, "serve"], {
      cwd,
      env: { PARLEY_DATA_DIR: join(cwd, "data") },
    });
    // Setup hashes a password (tens of milliseconds): the signal arrives while it is in flight.
    const inFlight = fetch(`${server.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ana", password: "ana-password", displayName: "Ana" }),
    });
    await Bun.sleep(5);
    server.proc.kill("SIGTERM");
    const res = await inFlight;
    expect(res.status).toBe(201);
    expect(await server.exited).toBe(0);
    expect(server.lines.join("\n")).toContain('"msg":"stopped"');
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

    // What was acknowledged is in the database.
    const db = new Database(join(cwd, "data", "parley.db"), { readonly: true });
    expect(db.query<any, []>("SELECT username FROM users").all()).toEqual([{ username: "ana" }]);
    db.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  test("SIGINT stops it the same way", async () => {
    const cwd = tempDir("parley-stop-");
    const server = await spawnServer([process.execPath, main], { cwd, env: { PARLEY_DATA_DIR: join(cwd, "data") } });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    server.proc.kill("SIGINT");
    expect(await server.exited).toBe(0);
    rmSync(cwd, { recursive: true, force: true });
  });

  test("a second server on the same data folder is refused at start, and the folder is free again once the first is killed", async () => {
    const cwd = tempDir("parley-lock-");
    const env = { PARLEY_DATA_DIR: join(cwd, "data") };
    const first = await spawnServer([process.execPath, main, "serve"], { cwd, env });
    const second = Bun.spawnSync([process.execPath, main, "serve", "--port", "0", "--data-dir", join(cwd, "data")], {
      stderr: "pipe",
      stdout: "pipe",
    });
    expect(second.exitCode).toBe(2);
    expect(second.stderr.toString()).toContain("another Parley server is already running on the data folder");
    // A restore, even forced, must not pull the folder from under it either.
    const restore = Bun.spawnSync(
      [process.execPath, main, "restore", join(cwd, "none.tar"), "--force", "--data-dir", join(cwd, "data")],
      { stderr: "pipe" },
    );
    expect(restore.exitCode).toBe(1);
    expect(restore.stderr.toString()).toContain("another Parley server is already running");
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    // SIGKILL leaves no stale lock: the kernel releases it with the process.
    first.proc.kill("SIGKILL");
    await first.exited;
    const third = await spawnServer([process.execPath, main, "serve"], { cwd, env });
    expect((await fetch(`${third.url}/healthz`)).status).toBe(200);
    third.proc.kill("SIGTERM");
    expect(await third.exited).toBe(0);
    rmSync(cwd, { recursive: true, force: true });
  });

  test("a bad setting stops start-up with a clear message and exit code 2", async () => {
    const proc = Bun.spawnSync([process.execPath, main, "serve", "--port", "eighty"], { stderr: "pipe" });
    expect(proc.exitCode).toBe(2);
    expect(proc.stderr.toString()).toContain("PARLEY_PORT must be a whole number");
  });
});
