import { z } from "zod";
import { sendFields, textOrAttachments } from "../chat/messages.ts";
import type {
  HelloFrame,
  PingFrame,
  PresenceChangeFrame,
  ReceiptMarkFrame,
  SendFrame,
  ServerFrame,
  TypingStartFrame,
} from "../protocol/frames.ts";

/**
 * Close codes are a contract with every client: 4000–4499 mean "reconnect and resume from your last
 * event id", 4500–4999 mean "do not reconnect" (sign in again first). Any other close (1006 when the
 * network or the server's hard buffer limit cut the connection) also means reconnect and resume.
 */
export const CloseCode = {
  /** The server is restarting or shutting down. */
  SHUTTING_DOWN: 4000,
  /** The client read too slowly and its buffer filled up; nothing is lost, resume to catch up. */
  SLOW_CONSUMER: 4001,
  /**
   * The person already has PARLEY_WS_MAX_SOCKETS_PER_USER connections open. Reconnect later with backoff:
   * a slot frees when one of their other tabs or devices goes.
   */
  TOO_MANY_CONNECTIONS: 4002,
  /** No valid session: none at the upgrade and none in the first frame, or the token is wrong. */
  UNAUTHENTICATED: 4500,
  /** The session was signed out, revoked, expired, or its account deactivated. */
  SESSION_REVOKED: 4501,
} as const;

/** Frames larger than this are cut off by the WebSocket layer itself (close 1009), before we parse them. */
export const HARD_FRAME_LIMIT = 1024 * 1024;

/** Event ids are decimal strings; clients echo back the last one they saw. */
export const eventId = z.string().regex(/^\d{1,15}$/, "must be an event id");

export const helloFrame = z.object({
  type: z.literal("hello"),
  id: z.string().max(100).nullish(),
  since: eventId.nullish(),
  token: z.string().max(300).nullish(),
});

export const sendFrame = z
  .object({
    type: z.literal("send"),
    id: z.string().max(100).nullish(),
    conversationId: z.string().min(1).max(100),
    ...sendFields,
  })
  .superRefine(textOrAttachments);

export const pingFrame = z.object({ type: z.literal("ping"), id: z.string().max(100).nullish() });

/** The client's own activity: "away" after idling or with the tab hidden. */
export const presenceFrame = z.object({
  type: z.literal("presence"),
  id: z.string().max(100).nullish(),
  status: z.enum(["active", "away"]),
});

/** "I am typing in this conversation": repeated every few seconds while it lasts; never stored. */
export const typingFrame = z.object({
  type: z.literal("typing"),
  id: z.string().max(100).nullish(),
  conversationId: z.string().min(1).max(100),
});

/** A device has received (delivered) or its person has read messages up to this one. */
export const receiptFrame = z.object({
  type: z.enum(["delivered", "read"]),
  id: z.string().max(100).nullish(),
  conversationId: z.string().min(1).max(100),
  messageId: z.string().min(1).max(100),
});

/** How long a typing notice holds without a repeat. */
export const TYPING_TTL_MS = 6000;

// The frames themselves are the contract's (src/protocol/frames.ts). What these schemas accept must be a
// frame of that contract: a schema that drifts from it fails the typecheck here.
export type Accepts<Schema extends z.ZodType, Frame> = z.infer<Schema> extends Frame ? true : never;
const schemasMatchTheContract: [
  Accepts<typeof helloFrame, HelloFrame>,
  Accepts<typeof sendFrame, SendFrame>,
  Accepts<typeof pingFrame, PingFrame>,
  Accepts<typeof presenceFrame, PresenceChangeFrame>,
  Accepts<typeof typingFrame, TypingStartFrame>,
  Accepts<typeof receiptFrame, ReceiptMarkFrame>,
] = [true, true, true, true, true, true];
void schemasMatchTheContract;

export type { ServerFrame };
