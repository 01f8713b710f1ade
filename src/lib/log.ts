export type LogLevel = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// A safety net: call sites never pass these, but a stray object must not leak them into logs.
const redacted = new Set([
  "password",
  "currentPassword",
  "newPassword",
  "token",
  "secret",
  "text",
  "authorization",
  "cookie",
]);

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export function createLogger(
  opts: { format: "auto" | "pretty" | "json"; level: LogLevel; write?: (line: string) => void },
  base: Fields = {},
): Logger {
  const pretty = opts.format === "pretty" || (opts.format === "auto" && Boolean(process.stdout.isTTY));
  const out = opts.write ? { write: opts.write, flush() {} } : stdoutLines();
  const write = (line: string) => out.write(line);
  const emit = (level: LogLevel, msg: string, fields?: Fields) => {
    if (rank[level] < rank[opts.level]) return;
    const all = clean({ ...base, ...fields });
    if (pretty) {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? "  " + extra : ""}`);
    } else {
      write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...all }));
    }
    // A warning or an error goes out at once, with what waits before it: it may be the last line before a stop.
    if (rank[level] >= rank.warn) out.flush();
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

let stdout: { write(line: string): void; flush(): void } | null = null;

/**
 * Lines to stdout written once per turn of the event loop, not once per line: the access log alone made a
 * write per request, a fifth of what a history page costs under load (docs/performance.md). What waits is
 * written when the process exits.
 */
function stdoutLines(): { write(line: string): void; flush(): void } {
  if (stdout) return stdout;
  let lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length === 0) return;
    const text = lines.join("\n") + "\n";
    lines = [];
    process.stdout.write(text);
  };
  process.on("exit", flush);
  stdout = {
    write(line) {
      lines.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
  return stdout;
}

function clean(fields: Fields): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (redacted.has(k)) out[k] = "[redacted]";
    else if (v instanceof Error) out[k] = { name: v.name, message: v.message, stack: v.stack };
    else out[k] = v;
  }
  return out;
}

/** For tests and tools that must stay quiet. */
export const silentLogger: Logger = createLogger({ format: "json", level: "error", write: () => {} });
