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
  /** A reply in the thread of this message (the conversation's, not itself a thread reply). */
  threadRootId?: string | null;
  attachmentIds?: string[];
  /** End-to-end encrypted conversations: the MLS application message (base64); `text` stays empty. */
  encrypted?: { deviceId: string; ciphertext: string };
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

/** Starts a call in a conversation (the startCalls right); joins the one going on if there is one. */
export interface CallStartFrame extends Request {
  type: "call.start";
  conversationId: string;
  media: "audio" | "video";
}

/** Joins the conversation's call; `rejoin` takes back this device's place after a dropped connection. */
export interface CallJoinFrame extends Request {
  type: "call.join";
  conversationId: string;
  rejoin?: string | null;
}

/** Leaves the call (this device), or declines a direct call that rings. */
export interface CallLeaveFrame extends Request {
  type: "call.leave" | "call.decline";
  conversationId: string;
}

/** My microphone, camera and screen sharing, shown to everyone in the conversation. */
export interface CallStateFrame extends Request {
  type: "call.state";
  conversationId: string;
  muted?: boolean;
  camera?: boolean;
  sharing?: boolean;
}

/** Negotiation for another participant of the same call (`to`: their peer id). */
export interface CallSignalSendFrame extends Request {
  type: "call.signal";
  conversationId: string;
  to: string;
  data: CallSignalData;
}

export type CallClientFrame = CallStartFrame | CallJoinFrame | CallLeaveFrame | CallStateFrame | CallSignalSendFrame;

export type ClientFrame =
  HelloFrame | SendFrame | PingFrame | PresenceChangeFrame | TypingStartFrame | ReceiptMarkFrame | CallClientFrame;

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

/** One of the ICE servers a browser may use for a call (RTCIceServer). */
export interface IceServerView {
  urls: string[];
  username?: string;
  credential?: string;
}

/** Someone in a call, as everyone in the conversation sees them. */
export interface CallParticipantView {
  /** This participant's address for signalling: one per device that joined. */
  peerId: string;
  userId: string;
  muted: boolean;
  camera: boolean;
  sharing: boolean;
  joinedAt: string;
}

/** A call going on in a conversation. */
export interface CallView {
  id: string;
  conversationId: string;
  media: "audio" | "video";
  startedBy: string;
  startedAt: string;
  participants: CallParticipantView[];
  /** Members of a direct call who declined it (their devices stop ringing). */
  declinedBy: string[];
}

/**
 * A conversation's call began, changed (someone joined, left, muted, shared) or ended (null): to every
 * member's sockets, and to a socket once it is live, for each call going on in its conversations.
 */
export interface CallFrame {
  type: "call";
  conversationId: string;
  call: CallView | null;
}

/** The answer to call.start or call.join: this device's peer id in the call, and the ICE servers to use. */
export interface CallJoinedFrame {
  type: "call.joined";
  id: string | null;
  conversationId: string;
  peerId: string;
  iceServers: IceServerView[];
}

/** WebRTC negotiation between two participants of the same call, relayed as it came. */
export interface CallSignalData {
  sdp?: { type: "offer" | "answer"; sdp: string };
  candidate?: {
    candidate: string;
    sdpMid?: string | null;
    sdpMLineIndex?: number | null;
    usernameFragment?: string | null;
  } | null;
}

export interface CallSignalFrame {
  type: "call.signal";
  conversationId: string;
  /** The sender's peer id, and who they are. */
  from: string;
  fromUserId: string;
  data: CallSignalData;
}

/** The frames about calls a client receives. */
export type CallServerFrame = CallFrame | CallJoinedFrame | CallSignalFrame;

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
  | ProfileFrame
  | CallFrame
  | CallJoinedFrame
  | CallSignalFrame;

/** Frames that are not part of the event stream: lost if nobody is connected, not replayed. */
export type SignalFrame = PresenceFrame | TypingFrame | ReceiptFrame | SummaryFrame | ProfileFrame | CallFrame;
