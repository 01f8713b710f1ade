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
  sessionTtlDays: {
    kind: "int",
    env: "PARLEY_SESSION_TTL_DAYS",
    flag: "--session-ttl-days",
    default: "30",
    min: 1,
    max: 3650,
    description: "A session unused for this many days expires; every use extends it.",
  },
  authRateLimit: {
    kind: "int",
    env: "PARLEY_AUTH_RATE_LIMIT",
    flag: "--auth-rate-limit",
    default: "10",
    min: 1,
    max: 100000,
    description:
      "Login, registration and password-reset attempts allowed per minute from one address, and per username.",
  },
  contactMatchRateLimit: {
    kind: "int",
    env: "PARLEY_CONTACT_MATCH_RATE_LIMIT",
    flag: "--contact-match-rate-limit",
    default: "10",
    min: 1,
    max: 10000,
    description: "Contact-matching requests (up to 500 identifiers each) one person may make per minute.",
  },
  backupDir: {
    kind: "string",
    env: "PARLEY_BACKUP_DIR",
    flag: "--backup-dir",
    default: "",
    description: "Folder for scheduled backups (the same archives as `parley backup`). Empty: no scheduled backups.",
  },
  backupEverySeconds: {
    kind: "int",
    env: "PARLEY_BACKUP_EVERY_SECONDS",
    flag: "--backup-every-seconds",
    default: "86400",
    min: 1,
    max: 31536000,
    description: "How often a scheduled backup is taken (a day by default; the first one that long after start).",
  },
  backupKeep: {
    kind: "int",
    env: "PARLEY_BACKUP_KEEP",
    flag: "--backup-keep",
    default: "7",
    min: 1,
    max: 10000,
    description: "Scheduled backups kept; older ones are deleted after each new one.",
  },
  metricsToken: {
    kind: "string",
    env: "PARLEY_METRICS_TOKEN",
    flag: "--metrics-token",
    default: "",
    secret: true,
    description:
      "GET /metrics answers requests with Authorization: Bearer <this token>. Without one it answers only requests from this machine (loopback), and not at all behind a trusted proxy, where every request comes from loopback.",
  },
  trustProxy: {
    kind: "bool",
    env: "PARLEY_TRUST_PROXY",
    flag: "--trust-proxy",
    default: "false",
    description:
      "Take the client address from X-Forwarded-For. Enable only behind a reverse proxy you run, or clients can dodge rate limits.",
  },
  maxJsonBytes: {
    kind: "int",
    env: "PARLEY_MAX_JSON_BYTES",
    flag: "--max-json-bytes",
    default: "262144",
    min: 1024,
    max: 16777216,
    description: "Largest JSON request body accepted, in bytes; larger ones get 413 before they are read whole.",
  },
  maxUploadBytes: {
    kind: "int",
    env: "PARLEY_MAX_UPLOAD_BYTES",
    flag: "--max-upload-bytes",
    default: "104857600",
    min: 1024,
    max: 10737418240,
    description:
      "Largest file one upload may carry, in bytes (100 MiB by default); larger ones get 413, before or while they stream in.",
  },
  userQuotaBytes: {
    kind: "int",
    env: "PARLEY_USER_QUOTA_BYTES",
    flag: "--user-quota-bytes",
    default: "2147483648",
    min: 1024,
    max: 1099511627776,
    description: "How many bytes of files one person may have stored (2 GiB by default).",
  },
  unsentUploadTtlSeconds: {
    kind: "int",
    env: "PARLEY_UNSENT_UPLOAD_TTL_SECONDS",
    flag: "--unsent-upload-ttl-seconds",
    default: "86400",
    min: 1,
    max: 31536000,
    description:
      "Uploads that no message carries after this long (a day by default) are removed; checked every hour, or sooner if this is shorter.",
  },
  uploadUrlTtlSeconds: {
    kind: "int",
    env: "PARLEY_UPLOAD_URL_TTL_SECONDS",
    flag: "--upload-url-ttl-seconds",
    default: "900",
    min: 10,
    max: 604800,
    description: "How long a presigned upload URL stays valid (15 minutes by default).",
  },
  stripImageLocation: {
    kind: "bool",
    env: "PARLEY_STRIP_IMAGE_LOCATION",
    flag: "--strip-image-location",
    default: "true",
    description:
      "Remove location and other camera metadata (EXIF, XMP, IPTC) from uploaded JPEG, PNG and WebP images, keeping their orientation. Set false to keep photos byte for byte.",
  },
  storage: {
    kind: "enum",
    env: "PARLEY_STORAGE",
    flag: "--storage",
    default: "local",
    values: ["local", "s3"],
    description:
      "Where uploaded files are kept: local (the data folder, files/) or s3 (any S3-compatible bucket, set with the PARLEY_S3_* settings).",
  },
  s3Endpoint: {
    kind: "string",
    env: "PARLEY_S3_ENDPOINT",
    flag: "--s3-endpoint",
    default: "",
    description:
      "The bucket service's URL, e.g. http://127.0.0.1:9000 for MinIO or https://s3.eu-central-003.backblazeb2.com. Empty: AWS S3.",
  },
  s3Bucket: {
    kind: "string",
    env: "PARLEY_S3_BUCKET",
    flag: "--s3-bucket",
    default: "",
    description:
      "Bucket name (required with PARLEY_STORAGE=s3). Browsers upload to it directly with presigned URLs, so allow PUT from your public URL in its CORS rules.",
  },
  s3Region: {
    kind: "string",
    env: "PARLEY_S3_REGION",
    flag: "--s3-region",
    default: "us-east-1",
    description: "Bucket region; most S3-compatible services accept us-east-1.",
  },
  s3AccessKeyId: {
    kind: "string",
    env: "PARLEY_S3_ACCESS_KEY_ID",
    flag: "--s3-access-key-id",
    default: "",
    description: "Access key id for the bucket.",
  },
  s3SecretAccessKey: {
    kind: "string",
    env: "PARLEY_S3_SECRET_ACCESS_KEY",
    flag: "--s3-secret-access-key",
    default: "",
    secret: true,
    description: "Secret access key for the bucket.",
  },
  pushAwaySeconds: {
    kind: "int",
    env: "PARLEY_PUSH_AWAY_SECONDS",
    flag: "--push-away-seconds",
    default: "30",
    min: 0,
    max: 86400,
    description:
      "Push notifications go to people with no open app, and to those whose app has been in the background (away) this long.",
  },
  pushPrivate: {
    kind: "bool",
    env: "PARLEY_PUSH_PRIVATE",
    flag: "--push-private",
    default: "false",
    description:
      'Private push mode: notifications carry no conversation name, sender or words through the browser\'s push service, only "New message"; the app fetches the rest from Parley when it shows them.',
  },
  pushAllowedHosts: {
    kind: "string",
    env: "PARLEY_PUSH_ALLOWED_HOSTS",
    flag: "--push-allowed-hosts",
    default: "",
    description:
      "Push services beyond the browsers' own (Google, Mozilla, Apple, Microsoft), comma separated: a host (port 443), *.domain for its subdomains, or host:port. For a self-hosted ntfy or UnifiedPush server, e.g. ntfy.example.com.",
  },
  outboundAllowedNetworks: {
    kind: "string",
    env: "PARLEY_OUTBOUND_ALLOWED_NETWORKS",
    flag: "--outbound-allowed-networks",
    default: "",
    description:
      "Private networks Parley may send requests to on someone else's say-so (push endpoints), comma separated, e.g. 192.168.1.0/24 for a push server on your LAN. Empty: public addresses only; loopback, private, link-local and metadata addresses are refused.",
  },
  pushContact: {
    kind: "string",
    env: "PARLEY_PUSH_CONTACT",
    flag: "--push-contact",
    default: "",
    description:
      "Contact for push services (VAPID subject): a mailto: address or an https URL. Default: the public URL when it is https, else mailto:parley@<its host>.",
  },
  passwordMinLength: {
    kind: "int",
    env: "PARLEY_PASSWORD_MIN_LENGTH",
    flag: "--password-min-length",
    default: "8",
    min: 8,
    max: 128,
    description: "Shortest password accepted (passwords may be up to 256 characters).",
  },
  smtpUrl: {
    kind: "string",
    env: "PARLEY_SMTP_URL",
    flag: "--smtp-url",
    default: "",
    secret: true,
    description:
      "SMTP server for password-reset emails: smtp://user:pass@host:587 (STARTTLS) or smtps://...:465. Empty: no email; admins hand out reset links.",
  },
  smtpFrom: {
    kind: "string",
    env: "PARLEY_SMTP_FROM",
    flag: "--smtp-from",
    default: "Parley <parley@localhost>",
    description: "Sender address of Parley's emails.",
  },
  shutdownTimeoutSeconds: {
    kind: "int",
    env: "PARLEY_SHUTDOWN_TIMEOUT",
    flag: "--shutdown-timeout",
    default: "10",
    min: 0,
    max: 600,
    description: "On SIGTERM/SIGINT, how long to let in-flight requests finish before closing anyway.",
  },
  wsIdleTimeoutSeconds: {
    kind: "int",
    env: "PARLEY_WS_IDLE_TIMEOUT",
    flag: "--ws-idle-timeout",
    default: "60",
    min: 8,
    max: 960,
    description:
      "Seconds a WebSocket may stay silent. The server pings before this runs out; a peer that does not answer (a dead phone, a dropped NAT entry) is closed.",
  },
  sendRate: {
    kind: "int",
    env: "PARLEY_SEND_RATE",
    flag: "--send-rate",
    default: "20",
    min: 1,
    max: 100000,
    description:
      "Messages one person may send per second over all their connections and the HTTP API together, with bursts of twice that; more get RATE_LIMITED (429, or an error frame with retryAfter).",
  },
  wsMaxSocketsPerUser: {
    kind: "int",
    env: "PARLEY_WS_MAX_SOCKETS_PER_USER",
    flag: "--ws-max-sockets-per-user",
    default: "32",
    min: 1,
    max: 10000,
    description:
      "WebSocket connections one person may hold open at once (tabs and devices). One more is closed with 4002 TOO_MANY_CONNECTIONS (a reconnect code: the client tries again later with backoff).",
  },
  presenceRate: {
    kind: "int",
    env: "PARLEY_PRESENCE_RATE",
    flag: "--presence-rate",
    default: "2",
    min: 1,
    max: 1000,
    description:
      "Presence changes (online/away) one connection may send per second, bursts of five times that; a person's changes reach others at most this often, the latest state last.",
  },
  wsMaxFrameBytes: {
    kind: "int",
    env: "PARLEY_WS_MAX_FRAME_BYTES",
    flag: "--ws-max-frame-bytes",
    default: "65536",
    min: 32768,
    max: 1048576,
    description:
      "Largest WebSocket frame handled; larger ones get a FRAME_TOO_LARGE error frame. Frames over 1 MiB close the connection (1009).",
  },
  wsBufferBytes: {
    kind: "int",
    env: "PARLEY_WS_BUFFER_BYTES",
    flag: "--ws-buffer-bytes",
    default: "1048576",
    min: 65536,
    max: 67108864,
    description:
      "Outgoing bytes the server holds for one slow connection. Past it the connection is closed with a reconnect code and the client resumes from its last event.",
  },
  dbBusyTimeoutMs: {
    kind: "int",
    env: "PARLEY_DB_BUSY_TIMEOUT_MS",
    flag: "--db-busy-timeout-ms",
    default: "5000",
    min: 0,
    max: 60000,
    description:
      "How long a write waits while another process holds the database's write lock. Past it the request fails with a retryable 503 DATABASE_BUSY (with Retry-After) instead of waiting without bound; the server waits in place meanwhile, so keep it short.",
  },
  minFreeBytes: {
    kind: "int",
    env: "PARLEY_MIN_FREE_BYTES",
    flag: "--min-free-bytes",
    default: "67108864",
    min: 0,
    max: 1125899906842624,
    description:
      "Free space the data folder's disk must keep. Below it /readyz reports not ready and uploads get 507 STORAGE_FULL, keeping the rest for messages; below twice this a warning is logged. 0 turns the floor off.",
  },
  writeBatchMax: {
    kind: "int",
    env: "PARLEY_WRITE_BATCH_MAX",
    flag: "--write-batch-max",
    default: "256",
    min: 1,
    max: 10000,
    description:
      "Most writes committed in one transaction (group commit). Bounds how long one commit holds the server.",
  },
  sendThread: {
    kind: "enum",
    env: "PARLEY_SEND_THREAD",
    flag: "--send-thread",
    default: "auto",
    values: ["auto", "on", "off"],
    description:
      "Sends of words alone written by a thread of their own, beside the event loop: on, off, or auto (on when the process may use four CPU cores or more). It can pay only where a core is to spare: on two cores, with the clients beside it, it cost more than it saved (docs/performance.md).",
  },
  writeBatchWaitMs: {
    kind: "int",
    env: "PARLEY_WRITE_BATCH_WAIT_MS",
    flag: "--write-batch-wait-ms",
    default: "0",
    min: 0,
    max: 100,
    description:
      "How long the first write of a batch waits for others. 0 batches what arrives while the previous commit runs: the same peak as waiting, without the added latency (docs/performance.md).",
  },
} as const satisfies Record<string, SettingDef>;

export type SettingKey = keyof typeof settings;
