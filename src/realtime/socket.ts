import type { WebSocketHandler } from "bun";
import { touchSessionLater, validateSessionToken } from "../accounts/sessions.ts";
import { toAccountView } from "../accounts/users.ts";
import type { Chat } from "../chat/context.ts";
import { listMemberConversationIds } from "../chat/conversations.ts";
import { latestEventId, listEvents } from "../chat/events.ts";
import { sendMessage } from "../chat/messages.ts";
import { markDelivered, markRead } from "../chat/receipts.ts";
import { requireAccess } from "../chat/conversations.ts";
import type { Config } from "../config/config.ts";
import { AppError, errorCatalogue, refuseOnFault } from "../lib/errors.ts";
import type { Logger } from "../lib/log.ts";
import { parseWith } from "../lib/parse.ts";
import { TokenBucket } from "../lib/token-bucket.ts";
import type { Hub, Socket, SocketData } from "./hub.ts";
import {
  CloseCode,
  HARD_FRAME_LIMIT,
  helloFrame,
  pingFrame,
  presenceFrame,
  receiptFrame,
  sendFrame,
  TYPING_TTL_MS,
  typingFrame,
  type ServerFrame,
} from "./protocol.ts";
import { conversationTopic } from "./hub.ts";
import type { Calls } from "./calls.ts";
import { onCallFrame } from "./call-frames.ts";
import type { ErrorFrame } from "../protocol/frames.ts";

const REPLAY_PAGE = 200;

export interface RealtimeDeps {
  config: Config;
  chat: Chat;
  hub: Hub;
  calls: Calls;
  log: Logger;
}

/** What a socket starts with; auth comes from the upgrade request when it carried a valid session. */
export function newSocketData(auth: SocketData["auth"]): SocketData {
  return {
    auth,
    state: "new",
    presenceChanges: null,
    resumeReplay: null,
    openedAt: Date.now(),
    slowSweeps: 0,
    away: false,
    typedAt: null,
  };
}

/** The limits Bun enforces itself; they must be known when the server starts listening. */
export function socketLimits(config: Config) {
  return {
    maxPayloadLength: HARD_FRAME_LIMIT,
    backpressureLimit: config.wsBufferBytes,
    closeOnBackpressureLimit: true,
    idleTimeout: config.wsIdleTimeoutSeconds,
    sendPings: true,
  };
}

/** What a socket is told when its frame failed: the catalogue's code, or INTERNAL (logged) for anything else. */
export function errorFrameOf(err: unknown, id: string | null, log: Logger): ErrorFrame {
  err = refuseOnFault(err, log, "frame", { requestId: id });
  if (err instanceof AppError)
    return {
      type: "error",
      id,
      code: err.code,
      message: err.message,
      ...(err.field ? { field: err.field } : {}),
      ...(err.retryAfterSeconds ? { retryAfter: err.retryAfterSeconds } : {}),
    };
  log.error("websocket frame failed", { requestId: id, err });
  return { type: "error", id, code: "INTERNAL", message: errorCatalogue.INTERNAL.message };
}

/** Bun's WebSocket handlers for /ws: hello → ready → replay of missed events → live; send → ack after commit. */
export function createSocketHandlers(deps: RealtimeDeps): WebSocketHandler<SocketData> {
  const { config, chat, hub, calls, log } = deps;
  const db = chat.store.db;

  function send(ws: Socket, frame: ServerFrame): void {
    if (ws.readyState !== 1) return;
    hub.work.serializations++;
    // 0: dropped at the hard buffer limit. The client would have a gap, so it must resume instead.
    if (ws.send(JSON.stringify(frame)) === 0)
      ws.close(CloseCode.SLOW_CONSUMER, "too slow; resume from your last event");
  }

  function sendError(ws: Socket, id: string | null, err: unknown): void {
    send(ws, errorFrameOf(err, id, log));
  }

  /** Sends missed events page by page, pausing whenever the socket's buffer is full, then goes live. */
  function replay(ws: Socket, since: number): void {
    const userId = ws.data.auth!.user.id;
    let cursor = since;
    for (;;) {
      if (ws.readyState !== 1) return;
      // Only what is on disk: newer events are published to this socket live once synced, as it
      // subscribes below in the same turn as this page's read (store/durability.ts).
      const page = listEvents(db, userId, cursor, REPLAY_PAGE, chat.store.durability.replayBound());
      let status = 1;
      ws.cork(() => {
        for (const event of page.events) {
          hub.work.serializations++;
          status = ws.send(JSON.stringify({ type: "event", event } satisfies ServerFrame));
          if (status === 0) return;
          cursor = Number(event.id);
          if (status === -1) return;
        }
      });
      if (status === 0) return ws.close(CloseCode.SLOW_CONSUMER, "too slow; resume from your last event");
      if (status === -1) {
        // Sent, but the buffer is now over its limit: continue from here once Bun reports it drained.
        ws.data.resumeReplay = () => replay(ws, cursor);
        return;
      }
      if (!page.more) {
        // Same synchronous turn as the last read: no commit can slip between it and the subscription,
        // so nothing is missed and nothing arrives twice.
        goLive(ws, listMemberConversationIds(db, userId));
        return;
      }
    }
  }

  /** Subscribed to its conversations, and told of the calls going on in them. */
  function goLive(ws: Socket, conversationIds: string[]): void {
    hub.goLive(ws, conversationIds);
    calls.greet(ws, conversationIds);
  }

  function onHello(ws: Socket, raw: unknown): void {
    const frame = parseWith(helloFrame, raw);
    if (ws.data.state !== "new") throw new AppError("BAD_REQUEST", "hello was already received on this connection.");
    if (!ws.data.auth) {
      const found = frame.token
        ? validateSessionToken(db, frame.token, config.sessionTtlDays, touchSessionLater(chat.queue, chat.background))
        : null;
      if (!found) {
        sendError(ws, frame.id ?? null, new AppError("UNAUTHENTICATED", "The token is missing, expired or revoked."));
        ws.close(CloseCode.UNAUTHENTICATED, "unauthenticated");
        return;
      }
      ws.data.auth = { user: found.user, sessionId: found.session.id };
    }
    if (!hub.admit(ws, config.wsMaxSocketsPerUser)) {
      sendError(
        ws,
        frame.id ?? null,
        new AppError(
          "RATE_LIMITED",
          `At most ${config.wsMaxSocketsPerUser} connections per person; close another tab or device.`,
        ),
      );
      ws.close(CloseCode.TOO_MANY_CONNECTIONS, "too many connections for this person");
      return;
    }
    ws.data.state = "replaying";
    const head = chat.store.durability.durableHead(() => latestEventId(db));
    send(ws, { type: "ready", user: toAccountView(ws.data.auth.user), lastEventId: String(frame.since ?? head) });
    // A fresh start begins at the head read just now, in this same turn: there is nothing to replay.
    if (frame.since == null) goLive(ws, listMemberConversationIds(db, ws.data.auth.user.id));
    else replay(ws, Number(frame.since));
  }

  function onSend(ws: Socket, raw: unknown, id: string | null): void {
    live(ws);
    const frame = parseWith(sendFrame, raw);
    const { conversationId, ...input } = frame;
    sendMessage(chat, ws.data.auth!.user, conversationId, input).then(
      ({ message }) => send(ws, { type: "ack", id, message }),
      (err) => sendError(ws, id, err),
    );
  }

  function live(ws: Socket): string {
    if (ws.data.state === "new") throw new AppError("UNAUTHENTICATED", "Send hello first.");
    return ws.data.auth!.user.id;
  }

  function onPresence(ws: Socket, raw: unknown): void {
    const userId = live(ws);
    const { status } = parseWith(presenceFrame, raw);
    const away = status === "away";
    if (ws.data.away === away) return;
    ws.data.presenceChanges ??= new TokenBucket(config.presenceRate, config.presenceRate * 5);
    const wait = ws.data.presenceChanges.take();
    if (wait > 0) throw new AppError("RATE_LIMITED", "Presence changes too often; slow down.", "status", wait);
    ws.data.away = away;
    if (ws.data.state === "live") hub.onUserChanged(userId);
  }

  /** Typing goes to the conversation's other sockets only, at most every 2 s per socket; never stored. */
  function onTyping(ws: Socket, raw: unknown): void {
    const userId = live(ws);
    const { conversationId } = parseWith(typingFrame, raw);
    requireAccess(db, conversationId, userId, "post");
    const now = Date.now();
    const typedAt = (ws.data.typedAt ??= new Map());
    if (now - (typedAt.get(conversationId) ?? 0) < 2000) return;
    typedAt.set(conversationId, now);
    const frame = { type: "typing", conversationId, userId, expiresInMs: TYPING_TTL_MS } satisfies ServerFrame;
    ws.publish(conversationTopic(conversationId), JSON.stringify(frame));
    chat.publisher.relay({ conversationId }, frame);
  }

  function onReceipt(ws: Socket, raw: unknown, id: string | null): void {
    live(ws);
    const frame = parseWith(receiptFrame, raw);
    const mark = frame.type === "read" ? markRead : markDelivered;
    mark(chat, ws.data.auth!.user, frame.conversationId, frame.messageId).catch((err) => sendError(ws, id, err));
  }

  return {
    ...socketLimits(config),
    open(ws) {
      hub.opened(ws);
    },
    message(ws, data) {
      let id: string | null = null;
      try {
        if (typeof data !== "string") throw new AppError("BAD_REQUEST", "Send JSON in text frames.");
        if (Buffer.byteLength(data) > config.wsMaxFrameBytes) {
          id = /"id"\s*:\s*"([^"]{1,100})"/.exec(data.slice(0, 300))?.[1] ?? null;
          throw new AppError("FRAME_TOO_LARGE", `Frames may be at most ${config.wsMaxFrameBytes} bytes.`);
        }
        let raw: unknown;
        try {
          raw = JSON.parse(data);
        } catch {
          throw new AppError("BAD_REQUEST", "The frame is not valid JSON.");
        }
        if (typeof raw !== "object" || raw === null || Array.isArray(raw))
          throw new AppError("BAD_REQUEST", "A frame is a JSON object.");
        const frame = raw as { type?: unknown; id?: unknown };
        if (typeof frame.id === "string" && frame.id.length <= 100) id = frame.id;
        switch (frame.type) {
          case "hello":
            return onHello(ws, raw);
          case "send":
            return onSend(ws, raw, id);
          case "ping":
            parseWith(pingFrame, raw);
            return send(ws, { type: "pong", id });
          case "presence":
            return onPresence(ws, raw);
          case "typing":
            return onTyping(ws, raw);
          case "delivered":
          case "read":
            return onReceipt(ws, raw, id);
          case "call.start":
          case "call.join":
          case "call.leave":
          case "call.decline":
          case "call.state":
          case "call.signal":
            live(ws);
            return onCallFrame(calls, ws, raw, id);
          default:
            throw new AppError(
              "UNKNOWN_FRAME",
              typeof frame.type === "string"
                ? `Unknown frame type "${frame.type.slice(0, 40)}".`
                : "A frame needs a type.",
              "type",
            );
        }
      } catch (err) {
        sendError(ws, id, err);
      }
    },
    drain(ws) {
      const resume = ws.data.resumeReplay;
      ws.data.resumeReplay = null;
      resume?.();
    },
    close(ws) {
      ws.data.resumeReplay = null;
      hub.closed(ws);
      calls.socketClosed(ws);
    },
  };
}
