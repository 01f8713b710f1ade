// What one request, socket or person may send, and how fast.
import type { SettingDef } from "./setting.ts";

export const limitsSettings = {
  maxJsonBytes: {
    kind: "int",
    env: "PARLEY_MAX_JSON_BYTES",
    flag: "--max-json-bytes",
    default: "262144",
    min: 1024,
    max: 16777216,
    description: "Largest JSON request body accepted, in bytes; larger ones get 413 before they are read whole.",
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
  presenceGraceSeconds: {
    kind: "int",
    env: "PARLEY_PRESENCE_GRACE_SECONDS",
    flag: "--presence-grace-seconds",
    default: "5",
    min: 0,
    max: 300,
    description:
      "How long someone whose last connection dropped still shows as online: a phone changing networks or a page reloading reconnects within it, and nobody sees them leave and come back.",
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
} as const satisfies Record<string, SettingDef>;
