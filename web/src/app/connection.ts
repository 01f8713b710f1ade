// The one WebSocket to /ws: hello → ready → events, resuming from the last event id after any drop.
import { signal } from "@preact/signals";
import type { CallServerFrame, ClientFrame, ServerFrame, SignalFrame } from "../../../src/protocol/frames.ts";
import type { ChatEvent, Message, User } from "./api.ts";

export type ConnectionStatus = "connecting" | "online" | "offline";
export const status = signal<ConnectionStatus>("connecting");

export interface ConnectionHandlers {
  /** The socket is ready; `resumed` is false on a fresh start, when the caller must load state anew. */
  ready(user: User, resumed: boolean): void;
  event(e: ChatEvent): void;
  ack(id: string | null, message: Message): void;
  error(id: string | null, code: string, message: string, retryAfter?: number): void;
  /** The server says this session is over (signed out elsewhere, revoked, expired). */
  signedOut(): void;
  /** The socket closed; in-flight requests will not be answered on it. */
  dropped(): void;
  /** Frames outside the event stream: presence, typing, receipt, summary, profile, calls. */
  signal(frame: SignalFrame | CallServerFrame): void;
}

const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
const MAX_BACKOFF_MS = 15_000;

let ws: WebSocket | null = null;
let handlers: ConnectionHandlers | null = null;
let lastEventId: string | null = null;
let attempt = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let pingTimer: ReturnType<typeof setInterval> | undefined;
let pongTimer: ReturnType<typeof setTimeout> | undefined;
let ready = false;

export function connect(h: ConnectionHandlers): void {
  handlers = h;
  lastEventId = null;
  open();
}

/** Stops for good (signing out): no reconnects, and the next connect starts fresh. */
export function disconnect(): void {
  handlers = null;
  clearTimeout(retryTimer);
  const old = ws;
  ws = null;
  cleanup();
  old?.close(1000, "signed out");
  status.value = "offline";
}

/** Sends a frame if the socket is ready; false means "not now", and the caller keeps it for later. */
export function sendFrame(frame: ClientFrame): boolean {
  if (!ws || !ready || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

function open(): void {
  if (!handlers) return;
  status.value = "connecting";
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws = socket;
  socket.onopen = () =>
    socket.send(
      JSON.stringify({ type: "hello", ...(lastEventId ? { since: lastEventId } : {}) } satisfies ClientFrame),
    );
  socket.onmessage = (e) => {
    if (ws !== socket) return;
    // The server's frames are the contract's ServerFrame; each case below narrows it by type.
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(e.data)) as ServerFrame;
    } catch {
      return;
    }
    switch (frame.type) {
      case "ready": {
        const resumed = lastEventId !== null;
        lastEventId = frame.lastEventId;
        ready = true;
        attempt = 0;
        status.value = "online";
        startHeartbeat(socket);
        handlers?.ready(frame.user, resumed);
        break;
      }
      case "event":
        lastEventId = frame.event.id;
        handlers?.event(frame.event);
        break;
      case "ack":
        handlers?.ack(frame.id, frame.message);
        break;
      case "pong":
        clearTimeout(pongTimer);
        break;
      case "error":
        handlers?.error(frame.id, frame.code, frame.message, frame.retryAfter);
        break;
      case "presence":
      case "typing":
      case "receipt":
      case "summary":
      case "profile":
      case "call":
      case "call.joined":
      case "call.signal":
        handlers?.signal(frame);
        break;
    }
  };
  socket.onclose = (e) => {
    if (ws !== socket) return;
    ws = null;
    cleanup();
    handlers?.dropped();
    // 4500–4999: the session is gone; reconnecting would only be refused again.
    if (e.code >= 4500 && e.code <= 4999) {
      status.value = "offline";
      const h = handlers;
      handlers = null;
      h?.signedOut();
      return;
    }
    status.value = "offline";
    scheduleReconnect();
  };
}

function cleanup(): void {
  ready = false;
  clearInterval(pingTimer);
  clearTimeout(pongTimer);
}

function startHeartbeat(socket: WebSocket): void {
  clearInterval(pingTimer);
  // The server pings too, but a browser cannot see those: our own ping finds a dead link from this side.
  pingTimer = setInterval(() => {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ type: "ping" } satisfies ClientFrame));
    clearTimeout(pongTimer);
    pongTimer = setTimeout(() => socket.close(4000, "no pong"), PONG_WITHIN_MS);
  }, PING_EVERY_MS);
}

function scheduleReconnect(): void {
  clearTimeout(retryTimer);
  // Exponential backoff with jitter, so a restarted server is not hit by every client at once.
  const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
  attempt++;
  retryTimer = setTimeout(open, delay);
}

/** Reconnects at once when the browser says the network is back or the tab comes to the front. */
function reconnectNow(): void {
  if (!handlers || ws) return;
  clearTimeout(retryTimer);
  attempt = 0;
  open();
}
addEventListener("online", reconnectNow);
document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && reconnectNow());
