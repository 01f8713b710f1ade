// Runs Parley as a child process (from source or the compiled binary) and waits until it listens.
import type { Subprocess } from "bun";

export interface ChildServer {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  lines: string[];
  exited: Promise<number>;
}

export async function spawnServer(
  cmd: string[],
  opts: { cwd: string; env: Record<string, string> },
): Promise<ChildServer> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: opts.cwd,
      PARLEY_PORT: "0",
      PARLEY_HOST: "127.0.0.1",
      PARLEY_LOG_FORMAT: "json",
      ...opts.env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines: string[] = [];
  const { promise: listening, resolve, reject } = Promise.withResolvers<string>();
  (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    const reader = proc.stdout.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      buf += decoder.decode(r.value);
      let nl: number;
      while ((nl = buf.indexOf("\n")) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        const m = /"address":"[^"]*:(\d+)"/.exec(line);
        if (m) resolve(`http://127.0.0.1:${m[1]}`);
      }
    }
    reject(new Error(`server exited before listening: ${await new Response(proc.stderr).text()} ${lines.join("\n")}`));
  })();
  const url = await listening;
  return { proc, url, lines, exited: proc.exited };
}

/**
 * A command run under strace with some of its system calls delayed or failed on purpose (Debian's strace,
 * fault injection), e.g. `straced(cmd, "fsync,fdatasync", "delay_exit=20000")`: a slow or failing disk
 * made on a fast one. Only the injected calls are traced; strace's own output is discarded.
 */
export function straced(cmd: string[], calls: string, inject: string): string[] {
  return [
    "strace",
    "-f",
    "--seccomp-bpf",
    "-qq",
    "-o",
    "/dev/null",
    "-e",
    `trace=${calls}`,
    "-e",
    `inject=${calls}:${inject}`,
    ...cmd,
  ];
}

/**
 * Stops a server started under strace (straced): the signal goes to the traced server itself, whose exit
 * ends strace. Killing strace alone would leave the server running, orphaned.
 */
export async function stopStraced(server: ChildServer, signal: "SIGTERM" | "SIGKILL"): Promise<number> {
  Bun.spawnSync(["pkill", `-${signal.slice(3)}`, "-P", String(server.proc.pid)]);
  return server.exited;
}
