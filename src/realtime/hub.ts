import type { Server, ServerWebSocket } from "bun";
import { listValidSessionIds, type UserRow } from "../accounts/sessions.ts";
import type { ChatPublisher } from "../chat/context.ts";
import type { EventView } from "../chat/events.ts";
import type { Logger } from "../lib/log.ts";
import type { Db } from "../store/store.ts";
import type { TokenBucket } from "../lib/token-bucket.ts";
import type { SignalFrame } from "../protocol/frames.ts";
import { CloseCode, type ServerFrame } from "./protocol.ts";

/** How long a new socket has to send hello; the slow-consumer sweep (every second) enforces it. */
export const HELLO_TIMEOUT_MS = 10_000;

export interface SocketData {
  /** Set at the upgrade (cookie or bearer header) or by the hello frame's token. */
  auth: { user: UserRow; sessionId: string } | null;
  /** new: waiting for hello · replaying: sending missed events · live: subscribed to its topics. */
  state: "new" | "replaying" | "live";
  /** Presence changes this socket may send (PARLEY_PRESENCE_RATE); made at its first change. */
  presenceChanges: TokenBucket | null;
  /** Continues a replay that paused because the socket's buffer was full. */
  resumeReplay: (() => void) | null;
  /** When it connected: a socket still without hello after HELLO_TIMEOUT_MS is closed by the sweep. */
  openedAt: number;
  /** Consecutive sweeps that found the socket's buffer over the soft limit. */
  slowSweeps: number;
  /** The client says its user is away (idle, tab hidden); presence is "away" when all their sockets are. */
  away: boolean;
  /** When this socket last announced typing, per conversation (throttle); made when it first types. */
  typedAt: Map<string, number> | null;
}

export type Socket = ServerWebSocket<SocketData>;

export const conversationTopic = (id: string) => `conv:${id}`;
export const userTopic = (id: string) => `user:${id}`;

/**
 * Knows every authenticated socket by user, and fans committed events out through Bun's native pub/sub:
 * one topic per conversation and one per user, never a global topic, so only members receive anything.
 */
export class Hub implements ChatPublisher {
  private servers: Server<SocketData>[] = [];
  private readonly byUser = new Map<string, Set<Socket>>();
  private readonly open = new Set<Socket>();
  /** Frames turned into JSON and handed to Bun's pub/sub, since start: the work budgets read them. */
  readonly work = { serializations: 0, publishes: 0 };
  /** Every signed-in socket by user, live or still replaying: the per-person connection cap counts these. */
  private readonly signedIn = new Map<string, Set<Socket>>();

  constructor(private readonly log: Logger) {}

  /**
   * A listener whose sockets hear what is published. Several while a certificate is changed: the new
   * listener takes new connections and the old one keeps its sockets until they close (server.ts).
   */
  attach(server: Server<SocketData>): void {
    this.servers.push(server);
  }

  /** A listener that closed its last connection. */
  detach(server: Server<SocketData>): void {
    this.servers = this.servers.filter((s) => s !== server);
  }

  opened(ws: Socket): void {
    this.open.add(ws);
  }

  /**
   * Counts a socket that has just signed in against its person's cap; false (and not counted) when they
   * already hold `max`. Without a cap one account could open sockets until the server runs out of memory.
   */
  admit(ws: Socket, max: number): boolean {
    const userId = ws.data.auth!.user.id;
    let set = this.signedIn.get(userId);
    if (!set) this.signedIn.set(userId, (set = new Set()));
    if (set.size >= max) return false;
    set.add(ws);
    return true;
  }

  /** A socket that finished its replay: it now receives live events. */
  goLive(ws: Socket, conversationIds: string[]): void {
    const userId = ws.data.auth!.user.id;
    ws.subscribe(userTopic(userId));
    for (const id of conversationIds) ws.subscribe(conversationTopic(id));
    ws.data.state = "live";
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(ws);
    this.onUserChanged(userId);
  }

  closed(ws: Socket): void {
    this.open.delete(ws);
    const userId = ws.data.auth?.user.id;
    if (!userId) return;
    const all = this.signedIn.get(userId);
    all?.delete(ws);
    if (all?.size === 0) this.signedIn.delete(userId);
    const set = this.byUser.get(userId);
    const wasLive = set?.delete(ws) ?? false;
    if (set?.size === 0) this.byUser.delete(userId);
    if (wasLive) this.onUserChanged(userId);
  }

  /** Told after people leave a conversation, or it is deleted (calls: realtime/calls.ts). */
  onMembersLeft: (conversationId: string, userIds: string[] | "everyone") => void = () => {};

  publish(event: EventView, change: { join?: string[]; leave?: string[]; only?: string[] } = {}): void {
    const topic = conversationTopic(event.conversationId);
    // Membership changes take effect on every open tab and device before the event goes out, so the
    // new member receives it and the removed one receives nothing more of the conversation.
    for (const userId of change.join ?? []) for (const ws of this.byUser.get(userId) ?? []) ws.subscribe(topic);
    for (const userId of change.leave ?? []) for (const ws of this.byUser.get(userId) ?? []) ws.unsubscribe(topic);
    const frame = JSON.stringify({ type: "event", event } satisfies ServerFrame);
    this.work.serializations++;
    const topics = change.only ? change.only.map(userTopic) : [topic, ...(change.leave ?? []).map(userTopic)];
    for (const server of this.servers) for (const t of topics) server.publish(t, frame);
    this.work.publishes += topics.length;
    if (event.type === "conversation.deleted") this.onMembersLeft(event.conversationId, "everyone");
    else if (change.leave?.length) this.onMembersLeft(event.conversationId, change.leave);
  }

  /** One process: no other node to relay to. */
  relay(): void {}

  notify(to: { conversationId?: string; userIds?: string[] }, frame: SignalFrame): void {
    const text = JSON.stringify(frame);
    this.work.serializations++;
    const topics = [
      ...(to.conversationId ? [conversationTopic(to.conversationId)] : []),
      ...(to.userIds ?? []).map(userTopic),
    ];
    for (const server of this.servers) for (const t of topics) server.publish(t, text);
    this.work.publishes += topics.length;
  }

  /** Open WebSocket connections, signed in or not yet (for metrics). */
  get connectionCount(): number {
    return this.open.size;
  }

  /** Sockets subscribed to a conversation now: how many a message event was handed to. */
  subscribers(conversationId: string): number {
    let n = 0;
    for (const server of this.servers) n += server.subscriberCount(conversationTopic(conversationId));
    return n;
  }

  /** The live sockets of a user (after their replay), for presence. */
  liveSockets(userId: string): Socket[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Called when a user's set of live sockets or their activity changes (presence listens). */
  onUserChanged: (userId: string) => void = () => {};

  /** Live sockets of a user, for tests and metrics. */
  socketsOf(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  get connections(): number {
    return this.open.size;
  }

  /** Closes the sockets of the given sessions (signed out, revoked) with a code that says "sign in again". */
  closeSessions(sessionIds: Iterable<string>): void {
    const ids = new Set(sessionIds);
    for (const ws of this.open)
      if (ws.data.auth && ids.has(ws.data.auth.sessionId)) ws.close(CloseCode.SESSION_REVOKED, "session revoked");
  }

  closeUser(userId: string): void {
    for (const ws of [...this.open])
      if (ws.data.auth?.user.id === userId) ws.close(CloseCode.SESSION_REVOKED, "session revoked");
  }

  closeAll(code: number, reason: string): void {
    for (const ws of [...this.open]) ws.close(code, reason);
  }

  /**
   * Closes sockets whose session no longer works (signed out, revoked, expired, account deactivated or
   * deleted). Run after every account change and periodically; one query whatever the number of sockets.
   */
  recheckSessions(db: Db): void {
    const connected = new Set<string>();
    for (const ws of this.open) if (ws.data.auth) connected.add(ws.data.auth.sessionId);
    if (connected.size === 0) return;
    const valid = listValidSessionIds(db, [...connected]);
    this.closeSessions([...connected].filter((id) => !valid.has(id)));
  }

  /**
   * Closes, with a reconnect code, sockets whose outgoing buffer stayed over half the limit for two
   * sweeps: they resume from their last event instead of making the server hold more for them. Bun's
   * closeOnBackpressureLimit is the hard stop behind this (it cuts the connection, 1006, never drops a frame silently).
   */
  closeSlowConsumers(softLimit: number, now = Date.now()): number {
    let closed = 0;
    for (const ws of this.open) {
      // One sweep instead of a timer per socket: a connection that never says hello is closed here.
      if (ws.data.state === "new" && now - ws.data.openedAt > HELLO_TIMEOUT_MS) {
        ws.close(CloseCode.UNAUTHENTICATED, "no hello received");
        continue;
      }
      if (ws.getBufferedAmount() > softLimit) {
        if (++ws.data.slowSweeps >= 2) {
          ws.close(CloseCode.SLOW_CONSUMER, "too slow; resume from your last event");
          closed++;
        }
      } else ws.data.slowSweeps = 0;
    }
    if (closed > 0) this.log.info("closed slow websocket clients", { count: closed });
    return closed;
  }
}
