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
  const write = opts.write ?? ((line: string) => process.stdout.write(line + "\n"));
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
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
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
