// Backups, metrics, the reverse proxy in front, and stopping.
import type { SettingDef } from "./setting.ts";

export const operationsSettings = {
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
  shutdownTimeoutSeconds: {
    kind: "int",
    env: "PARLEY_SHUTDOWN_TIMEOUT",
    flag: "--shutdown-timeout",
    default: "10",
    min: 0,
    max: 600,
    description: "On SIGTERM/SIGINT, how long to let in-flight requests finish before closing anyway.",
  },
  drainSeconds: {
    kind: "int",
    env: "PARLEY_DRAIN_SECONDS",
    flag: "--drain-seconds",
    default: "0",
    min: 0,
    max: 300,
    description:
      "On SIGTERM/SIGINT, how long /readyz says 503 before sockets are closed: time for a load balancer to stop sending this node new connections (3 with scripts/deploy/haproxy.cfg). 0 on a single node.",
  },
} as const satisfies Record<string, SettingDef>;
