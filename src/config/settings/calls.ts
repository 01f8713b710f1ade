// Calls: how many may join one, how long a dropped participant or an unanswered ring is waited for, and the
// STUN/TURN servers that get calls through NAT (handed to browsers with short-lived TURN credentials).
import type { SettingDef } from "./setting.ts";

export const callsSettings = {
  callMaxParticipants: {
    kind: "int",
    env: "PARLEY_CALL_MAX_PARTICIPANTS",
    flag: "--call-max-participants",
    default: "8",
    min: 2,
    max: 16,
    description:
      "Most people in one call. Calls are a full mesh (each browser sends its audio and video to every other), so each one's upload grows with the number of others: 8 suits a home connection.",
  },
  callGraceSeconds: {
    kind: "int",
    env: "PARLEY_CALL_GRACE_SECONDS",
    flag: "--call-grace-seconds",
    default: "20",
    min: 1,
    max: 300,
    description:
      "How long a participant whose connection dropped stays in the call: reconnecting within it rejoins without others noticing.",
  },
  callRingSeconds: {
    kind: "int",
    env: "PARLEY_CALL_RING_SECONDS",
    flag: "--call-ring-seconds",
    default: "45",
    min: 5,
    max: 600,
    description: "How long a direct call rings before it ends as missed.",
  },
  stunUrls: {
    kind: "string",
    env: "PARLEY_STUN_URLS",
    flag: "--stun-urls",
    default: "",
    description:
      "STUN servers for calls across networks, comma-separated (stun:stun.example.com:3478). Empty: on a LAN none are needed.",
  },
  turnUrls: {
    kind: "string",
    env: "PARLEY_TURN_URLS",
    flag: "--turn-urls",
    default: "",
    description:
      "TURN servers that relay calls no direct path can carry, comma-separated (turn:turn.example.com:3478?transport=udp, turns:…). Needs PARLEY_TURN_SECRET (docs/operations.md: coturn).",
  },
  turnSecret: {
    kind: "string",
    env: "PARLEY_TURN_SECRET",
    flag: "--turn-secret",
    default: "",
    secret: true,
    description:
      "The shared secret of the TURN server's REST API (coturn: use-auth-secret, static-auth-secret): Parley makes each participant a credential from it that expires.",
  },
  turnTtlSeconds: {
    kind: "int",
    env: "PARLEY_TURN_TTL_SECONDS",
    flag: "--turn-ttl-seconds",
    default: "14400",
    min: 60,
    max: 86400,
    description:
      "How long a TURN credential handed out for a call works (a relay is renewed with it while the call lasts).",
  },
} satisfies Record<string, SettingDef>;
