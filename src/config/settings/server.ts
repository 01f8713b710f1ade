// Where Parley listens, where it keeps its data, and how it logs.
import type { SettingDef } from "./setting.ts";

export const serverSettings = {
  port: {
    kind: "int",
    env: "PARLEY_PORT",
    flag: "--port",
    default: "8080",
    min: 0,
    max: 65535,
    description: "TCP port for HTTP and WebSocket. 0 picks a free port.",
  },
  host: {
    kind: "string",
    env: "PARLEY_HOST",
    flag: "--host",
    default: "0.0.0.0",
    description:
      "Address to listen on. 0.0.0.0 lets other devices on your network connect; 127.0.0.1 keeps Parley behind a local reverse proxy.",
  },
  dataDir: {
    kind: "string",
    env: "PARLEY_DATA_DIR",
    flag: "--data-dir",
    default: "./data",
    description: "Folder for the database and uploaded files (created with mode 0700). Back up this folder.",
  },
  publicUrl: {
    kind: "string",
    env: "PARLEY_PUBLIC_URL",
    flag: "--public-url",
    default: "",
    description:
      "The origin browsers use, e.g. https://chat.example.com. Drives Secure cookies, the Origin check, links in emails, passkeys and push. Default: http://localhost:<port>.",
  },
  logFormat: {
    kind: "enum",
    env: "PARLEY_LOG_FORMAT",
    flag: "--log-format",
    default: "auto",
    values: ["auto", "pretty", "json"],
    description:
      "Log lines as JSON (for collectors) or pretty text (for people). auto: pretty on a terminal, JSON otherwise.",
  },
  logLevel: {
    kind: "enum",
    env: "PARLEY_LOG_LEVEL",
    flag: "--log-level",
    default: "info",
    values: ["debug", "info", "warn", "error"],
    description: "Lowest level of log line written.",
  },
} as const satisfies Record<string, SettingDef>;
