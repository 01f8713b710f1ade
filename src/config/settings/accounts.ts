// Sign-in, sessions, passwords and the mail that resets them.
import type { SettingDef } from "./setting.ts";

export const accountsSettings = {
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
} as const satisfies Record<string, SettingDef>;
