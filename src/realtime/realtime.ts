import type { WebSocketHandler } from "bun";
import type { Chat } from "../chat/context.ts";
import type { Config } from "../config/config.ts";
import type { Logger } from "../lib/log.ts";
import type { Hub, SocketData } from "./hub.ts";
import { CloseCode } from "./protocol.ts";
import type { Calls } from "./calls.ts";
import { createSocketHandlers } from "./socket.ts";

const SLOW_SWEEP_MS = 1000;
const SESSION_SWEEP_MS = 30_000;

export interface Realtime {
  hub: Hub;
  calls: Calls;
  websocket: WebSocketHandler<SocketData>;
  /** Closes every socket with "reconnect and resume" and stops the sweeps; called on shutdown. */
  stop(): void;
}

/** The hub, its socket handlers, and the sweeps that keep open sockets honest. */
export function createRealtime(config: Config, chat: Chat, hub: Hub, calls: Calls, log: Logger): Realtime {
  hub.onMembersLeft = (conversationId, userIds) => calls.membersLeft(conversationId, userIds);
  const websocket = createSocketHandlers({ config, chat, hub, calls, log });
  const slow = setInterval(() => hub.closeSlowConsumers(config.wsBufferBytes / 2), SLOW_SWEEP_MS);
  // Sign-outs close their sockets at once; this catches what no request announces: expiry, and
  // changes made by another node or straight in the database.
  const sessions = setInterval(() => hub.recheckSessions(chat.store.db), SESSION_SWEEP_MS);
  slow.unref();
  sessions.unref();
  return {
    hub,
    calls,
    websocket,
    stop() {
      calls.stop();
      clearInterval(slow);
      clearInterval(sessions);
      hub.closeAll(CloseCode.SHUTTING_DOWN, "server restarting");
    },
  };
}
