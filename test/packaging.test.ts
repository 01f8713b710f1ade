// The service unit in scripts/ is one systemd accepts, with the hardening it promises.
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./harness.ts";

const unit = readFileSync(join(import.meta.dir, "..", "scripts", "parley.service"), "utf8");

describe("systemd unit", () => {
  test("systemd-analyze verify accepts it", () => {
    // verify checks that ExecStart exists: point it at a binary this machine has.
    const file = join(tempDir("parley-unit-"), "parley.service");
    writeFileSync(file, unit.replaceAll("/usr/local/bin/parley", process.execPath));
    const r = Bun.spawnSync(["systemd-analyze", "verify", file], { stdout: "pipe", stderr: "pipe" });
    expect(r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });

  test("runs as its own user with a private data folder and the sandboxing options", () => {
    for (const line of [
      "User=parley",
      "StateDirectory=parley",
      "StateDirectoryMode=0700",
      "NoNewPrivileges=true",
      "ProtectSystem=strict",
      "ProtectHome=true",
      "PrivateTmp=true",
      // No privilege but binding 443 and 80 (PARLEY_TLS).
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      "SystemCallFilter=@system-service",
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
      "KillSignal=SIGTERM",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
  });
});
