// Every frame on /ws, both ways, as discriminated unions on `type`. The server validates incoming frames
// with the zod schemas in realtime/protocol.ts (checked against these types there) and builds outgoing
// ones as ServerFrame; the web app sends ClientFrame and narrows what arrives by `type`.
import type { AccountView, ConversationSummary, EventView, MessageView, PresenceStatus, PublicUser } from "./views.ts";
import type { ErrorCode } from "./errors.ts";

/** Optional on every client frame: replies (ack, pong, error) name it. */
interface Request {
  id?: string | null;
}

export interface HelloFrame extends Request {
  type: "hello";
  /** The last event id this client handled: everything after it is replayed before live events. */
  since?: string | null;
  /** For clients that cannot send a cookie or an Authorization header with the upgrade. */
  token?: string | null;
}

export interface SendFrame extends Request {
  type: "send";
  conversationId: string;
  clientId: string;
  text?: string;
  replyToId?: string | null;
  attachmentIds?: string[];
}

export interface PingFrame extends Request {
  type: "ping";
}

export interface PresenceChangeFrame extends Request {
  type: "presence";
  status: "active" | "away";
}

export interface TypingStartFrame extends Request {
  type: "typing";
  conversationId: string;
}

export interface ReceiptMarkFrame extends Request {
  type: "delivered" | "read";
  conversationId: string;
  messageId: string;
}

export type ClientFrame =
  HelloFrame | SendFrame | PingFrame | PresenceChangeFrame | TypingStartFrame | ReceiptMarkFrame;

/** Someone's status changed (at most PARLEY_PRESENCE_RATE times a second per person). */
export interface PresenceFrame {
  type: "presence";
  userId: string;
  status: PresenceStatus;
  /** Null when they hide it. */
  lastSeenAt: string | null;
}

/** Someone is typing in a conversation; it lapses after expiresInMs without a repeat. */
export interface TypingFrame {
  type: "typing";
  conversationId: string;
  userId: string;
  expiresInMs: number;
}

/** One of someone's devices received, or they read, messages up to messageId. */
export interface ReceiptFrame {
  type: "receipt";
  kind: "delivered" | "read";
  conversationId: string;
  userId: string;
  messageId: string;
}

/** My own unread, mute and marked-unread state of a conversation, after a change on another of my devices. */
export interface SummaryFrame {
  type: "summary";
  conversation: ConversationSummary | null;
}

/**
 * Someone changed what others see of them (name, about, picture): to everyone who shares a conversation with
 * them and to their own other devices, so lists, headers and old messages show the new one at once.
 */
export interface ProfileFrame {
  type: "profile";
  user: PublicUser;
}

export interface ErrorFrame {
  type: "error";
  id: string | null;
  code: ErrorCode;
  message: string;
  field?: string;
  /** Seconds to wait before sending the same frame again (RATE_LIMITED, STORAGE_FULL, DATABASE_BUSY). */
  retryAfter?: number;
}

export type ServerFrame =
  | { type: "ready"; user: AccountView; lastEventId: string }
  | { type: "ack"; id: string | null; message: MessageView }
  | { type: "event"; event: EventView }
  | { type: "pong"; id: string | null }
  | ErrorFrame
  | PresenceFrame
  | TypingFrame
  | ReceiptFrame
  | SummaryFrame
  | ProfileFrame;

/** Frames that are not part of the event stream: lost if nobody is connected, not replayed. */
export type SignalFrame = PresenceFrame | TypingFrame | ReceiptFrame | SummaryFrame | ProfileFrame;
