/**
 * Every setting Parley reads: its default, why, its environment variable and its flag.
 * `--help`, docs/configuration.md and the loader all come from this one list.
 */
export type SettingKind = "string" | "int" | "bool" | "enum";

interface SettingDef {
  kind: SettingKind;
  env: string;
  flag: string;
  /** The value used when neither the environment nor a flag sets it ("" means unset). */
  default: string;
  description: string;
  values?: readonly string[];
  min?: number;
  max?: number;
  /** Secrets are never echoed back in errors or logs. */
  secret?: boolean;
}

export const settings = {
  port: {
    kind: "int", env: "PARLEY_PORT", flag: "--port", default: "8080", min: 0, max: 65535,
    description: "TCP port for HTTP and WebSocket. 0 picks a free port.",
  },
  host: {
    kind: "string", env: "PARLEY_HOST", flag: "--host", default: "0.0.0.0",
    description: "Address to listen on. 0.0.0.0 lets other devices on your network connect; 127.0.0.1 keeps Parley behind a local reverse proxy.",
  },
  dataDir: {
    kind: "string", env: "PARLEY_DATA_DIR", flag: "--data-dir", default: "./data",
    description: "Folder for the database and uploaded files (created with mode 0700). Back up this folder.",
  },
  publicUrl: {
    kind: "string", env: "PARLEY_PUBLIC_URL", flag: "--public-url", default: "",
    description: "The origin browsers use, e.g. https://chat.example.com. Drives Secure cookies, the Origin check, links in emails, passkeys and push. Default: http://localhost:<port>.",
  },
  logFormat: {
    kind: "enum", env: "PARLEY_LOG_FORMAT", flag: "--log-format", default: "auto", values: ["auto", "pretty", "json"],
    description: "Log lines as JSON (for collectors) or pretty text (for people). auto: pretty on a terminal, JSON otherwise.",
  },
  logLevel: {
    kind: "enum", env: "PARLEY_LOG_LEVEL", flag: "--log-level", default: "info", values: ["debug", "info", "warn", "error"],
    description: "Lowest level of log line written.",
  },
  sessionTtlDays: {
    kind: "int", env: "PARLEY_SESSION_TTL_DAYS", flag: "--session-ttl-days", default: "30", min: 1, max: 3650,
    description: "A session unused for this many days expires; every use extends it.",
  },
  authRateLimit: {
    kind: "int", env: "PARLEY_AUTH_RATE_LIMIT", flag: "--auth-rate-limit", default: "10", min: 1, max: 100000,
    description: "Login, registration and password-reset attempts allowed per minute from one address, and per username.",
  },
  trustProxy: {
    kind: "bool", env: "PARLEY_TRUST_PROXY", flag: "--trust-proxy", default: "false",
    description: "Take the client address from X-Forwarded-For. Enable only behind a reverse proxy you run, or clients can dodge rate limits.",
  },
  maxJsonBytes: {
    kind: "int", env: "PARLEY_MAX_JSON_BYTES", flag: "--max-json-bytes", default: "262144", min: 1024, max: 16777216,
    description: "Largest JSON request body accepted, in bytes; larger ones get 413 before they are read whole.",
  },
  passwordMinLength: {
    kind: "int", env: "PARLEY_PASSWORD_MIN_LENGTH", flag: "--password-min-length", default: "8", min: 8, max: 128,
    description: "Shortest password accepted (passwords may be up to 256 characters).",
  },
  smtpUrl: {
    kind: "string", env: "PARLEY_SMTP_URL", flag: "--smtp-url", default: "", secret: true,
    description: "SMTP server for password-reset emails: smtp://user:pass@host:587 (STARTTLS) or smtps://...:465. Empty: no email; admins hand out reset links.",
  },
  smtpFrom: {
    kind: "string", env: "PARLEY_SMTP_FROM", flag: "--smtp-from", default: "Parley <parley@localhost>",
    description: "Sender address of Parley's emails.",
  },
  shutdownTimeoutSeconds: {
    kind: "int", env: "PARLEY_SHUTDOWN_TIMEOUT", flag: "--shutdown-timeout", default: "10", min: 0, max: 600,
    description: "On SIGTERM/SIGINT, how long to let in-flight requests finish before closing anyway.",
  },
} as const satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof settings;
