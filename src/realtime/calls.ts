// Calls: who is in which conversation's call, with their microphone, camera and sharing, and the relay of
// WebRTC negotiation between them. Media never passes through Parley (a full mesh of browsers); this is
// signalling only, held in memory like presence: a call does not outlive the process, and its participants'
// browsers simply call again. Every action is checked against the conversation's membership and rights at
// the moment it is asked; a signal goes only to another participant of the same call.
import { recordCall, type EndedCall } from "../chat/call-log.ts";
import { requireAccess, requireMember } from "../chat/conversations.ts";
import type { Chat } from "../chat/context.ts";
import { iceServersFor } from "../calls/ice-servers.ts";
import type { Config } from "../config/config.ts";
import { AppError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import type { Logger } from "../lib/log.ts";
import { TokenBucket } from "../lib/token-bucket.ts";
import type { CallFrame, CallSignalData, CallView, ServerFrame } from "../protocol/frames.ts";
import type { Hub, Socket } from "./hub.ts";
import type { CallClientFrame } from "./call-frames.ts";

/** Signalling a socket may send: a renegotiation is a handful of frames, ICE gathering a few dozen. */
const SIGNALS_PER_SECOND = 50;
const SIGNAL_BURST = 200;

interface Peer {
  peerId: string;
  userId: string;
  /** Null while its connection is gone, within the grace. */
  ws: Socket | null;
  muted: boolean;
  camera: boolean;
  sharing: boolean;
  joinedAt: number;
  dropTimer: Timer | null;
}

interface Call {
  id: string;
  conversationId: string;
  media: "audio" | "video";
  direct: boolean;
  startedBy: string;
  startedAt: number;
  peers: Map<string, Peer>;
  declinedBy: Set<string>;
  /** Everyone who took part at some point (the history's "3 people"). */
  everJoined: Set<string>;
  /** Someone other than the caller joined (a direct call stops ringing and can no longer be missed). */
  answered: boolean;
  ringTimer: Timer | null;
}

/**
 * The other nodes of a cluster (cluster/call-routing.ts). A conversation's call is held by one node: the one
 * where it started (a lease on the primary settles two starting at once). Frames of sockets on other nodes
 * are carried out there, and what it tells them comes back to their sockets.
 */
export interface CallsElsewhere {
  /**
   * When another node holds (or, for a start, takes first) the conversation's call: the frame is sent there
   * and true is answered. False: this node carries it out (and, for a start, now holds the call).
   */
  forward(ws: Socket, frame: CallClientFrame, id: string | null): boolean;
  /** A call frame this node's sockets had: for the other nodes' sockets, and who holds the call. */
  announce(frame: CallFrame): void;
  /** This node's call in the conversation ended: its hold is given up. */
  ended(conversationId: string): void;
  /** A socket of this node closed: the nodes holding its calls are told. */
  socketClosed(ws: Socket): void;
  /** The calls other nodes hold in these conversations (a socket going live hears of them). */
  framesFor(conversationIds: string[]): CallFrame[];
}

export type CallsConfig = Pick<
  Config,
  | "callMaxParticipants"
  | "callGraceSeconds"
  | "callRingSeconds"
  | "stunUrls"
  | "turnUrls"
  | "turnSecret"
  | "turnTtlSeconds"
>;

export class Calls {
  private readonly calls = new Map<string, Call>();
  /** The calls each socket is in (conversation id → peer id), to find its places when it closes. */
  private readonly bySocket = new WeakMap<Socket, Map<string, string>>();
  private readonly signalBuckets = new WeakMap<Socket, TokenBucket>();
  private elsewhere: CallsElsewhere | null = null;

  constructor(
    private readonly hub: Hub,
    private readonly chat: Chat,
    private readonly config: CallsConfig,
    private readonly log: Logger,
    /** Told when a direct call starts to ring (push notifications for people away from the app). */
    private readonly onRing: (call: {
      conversationId: string;
      startedBy: string;
      media: "audio" | "video";
    }) => void = () => {},
  ) {}

  /** A node of a cluster: calls held by other nodes are reached through them. */
  spanNodes(elsewhere: CallsElsewhere): void {
    this.elsewhere = elsewhere;
  }

  /** In a cluster: whether the frame was sent to the node that holds the conversation's call. */
  runsElsewhere(ws: Socket, frame: CallClientFrame, id: string | null): boolean {
    if (!this.elsewhere || this.calls.has(frame.conversationId)) return false;
    return this.elsewhere.forward(ws, frame, id);
  }

  /** Whether this node holds a call in the conversation. */
  has(conversationId: string): boolean {
    return this.calls.has(conversationId);
  }

  /** Calls going on now, and the people in them (metrics). */
  get activeCount(): number {
    return this.calls.size;
  }
  get participantCount(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c.peers.size;
    return n;
  }

  /** Starts a call (the startCalls right), or joins the one already going on in the conversation. */
  start(ws: Socket, id: string | null, conversationId: string, media: "audio" | "video"): void {
    const userId = ws.data.auth!.user.id;
    const { subject } = requireAccess(this.chat.store.db, conversationId, userId, "startCalls");
    if (this.calls.has(conversationId)) return this.join(ws, id, conversationId, null);
    const call: Call = {
      id: newId(),
      conversationId,
      media,
      direct: subject.type === "direct",
      startedBy: userId,
      startedAt: Date.now(),
      peers: new Map(),
      declinedBy: new Set(),
      everJoined: new Set(),
      answered: false,
      ringTimer: null,
    };
    if (call.direct) call.ringTimer = this.timer(this.config.callRingSeconds, () => this.unanswered(call));
    this.calls.set(conversationId, call);
    this.addPeer(ws, id, call);
    if (call.direct) this.onRing({ conversationId, startedBy: userId, media });
  }

  /** Joins the conversation's call; `rejoin` takes back this person's place after a dropped connection. */
  join(ws: Socket, id: string | null, conversationId: string, rejoin: string | null): void {
    const userId = ws.data.auth!.user.id;
    requireMember(this.chat.store.db, conversationId, userId);
    const call = this.calls.get(conversationId);
    if (!call) throw new AppError("CALL_NOT_FOUND");
    const mine = this.bySocket.get(ws)?.get(conversationId);
    const back = call.peers.get(rejoin ?? mine ?? "");
    if (back && back.userId === userId) {
      // The same place, on this connection: nobody else needs to hear of it.
      if (back.dropTimer) clearTimeout(back.dropTimer);
      back.dropTimer = null;
      if (back.ws && back.ws !== ws) this.bySocket.get(back.ws)?.delete(conversationId);
      back.ws = ws;
      this.placesOf(ws).set(conversationId, back.peerId);
      return this.sendJoined(ws, id, call, back);
    }
    if (call.peers.size >= this.config.callMaxParticipants)
      throw new AppError("CALL_FULL", `This call is full: at most ${this.config.callMaxParticipants} people.`);
    this.addPeer(ws, id, call);
  }

  /** This device leaves the call; a call nobody is in (or a direct one left alone) ends. */
  leave(ws: Socket, conversationId: string): void {
    const { call, peer } = this.peerOf(ws, conversationId);
    this.removePeer(call, peer);
  }

  /** Declines a direct call that rings: it ends for the caller too. In a group, only stops this one's ring. */
  decline(ws: Socket, conversationId: string): void {
    const userId = ws.data.auth!.user.id;
    requireMember(this.chat.store.db, conversationId, userId);
    const call = this.calls.get(conversationId);
    if (!call) throw new AppError("CALL_NOT_FOUND");
    call.declinedBy.add(userId);
    if (call.direct && !call.answered && userId !== call.startedBy) return this.end(call);
    this.announce(call);
  }

  /** My microphone, camera and screen sharing: shown to everyone in the conversation. */
  setState(ws: Socket, conversationId: string, patch: { muted?: boolean; camera?: boolean; sharing?: boolean }): void {
    const { call, peer } = this.peerOf(ws, conversationId);
    const before = [peer.muted, peer.camera, peer.sharing].join();
    peer.muted = patch.muted ?? peer.muted;
    peer.camera = patch.camera ?? peer.camera;
    peer.sharing = patch.sharing ?? peer.sharing;
    if ([peer.muted, peer.camera, peer.sharing].join() !== before) this.announce(call);
  }

  /** Relays negotiation to another participant of the same call, as it came, saying who it is from. */
  signal(ws: Socket, conversationId: string, to: string, data: CallSignalData): void {
    const { call, peer } = this.peerOf(ws, conversationId);
    let bucket = this.signalBuckets.get(ws);
    if (!bucket) this.signalBuckets.set(ws, (bucket = new TokenBucket(SIGNALS_PER_SECOND, SIGNAL_BURST)));
    const wait = bucket.take();
    if (wait > 0) throw new AppError("RATE_LIMITED", "Too much signalling; slow down.", undefined, wait);
    const target = call.peers.get(to);
    if (!target || target === peer) throw new AppError("PEER_NOT_FOUND");
    // A participant within its grace has no connection: what it misses, it renegotiates when back.
    if (target.ws)
      this.sendTo(target.ws, { type: "call.signal", conversationId, from: peer.peerId, fromUserId: peer.userId, data });
  }

  /** A socket closed: its places are kept for the grace, then given up. */
  socketClosed(ws: Socket): void {
    this.elsewhere?.socketClosed(ws);
    const places = this.bySocket.get(ws);
    if (!places) return;
    this.bySocket.delete(ws);
    for (const [conversationId, peerId] of places) {
      const call = this.calls.get(conversationId);
      const peer = call?.peers.get(peerId);
      if (!call || !peer || peer.ws !== ws) continue;
      peer.ws = null;
      peer.dropTimer = this.timer(this.config.callGraceSeconds, () => {
        peer.dropTimer = null;
        if (call.peers.get(peerId) === peer && !peer.ws) this.removePeer(call, peer);
      });
    }
  }

  /** A socket went live: it hears of the calls going on in its conversations. */
  greet(ws: Socket, conversationIds: string[]): void {
    for (const conversationId of conversationIds) {
      const call = this.calls.get(conversationId);
      if (call) this.sendTo(ws, this.frame(call));
    }
    for (const frame of this.elsewhere?.framesFor(conversationIds) ?? []) this.sendTo(ws, frame);
  }

  /** People left or were removed from a conversation (or it was deleted: everyone): they leave its call. */
  membersLeft(conversationId: string, userIds: string[] | "everyone"): void {
    const call = this.calls.get(conversationId);
    if (!call) return;
    if (userIds === "everyone") return this.end(call);
    for (const peer of [...call.peers.values()])
      if (userIds.includes(peer.userId) && this.calls.get(conversationId) === call) this.removePeer(call, peer);
  }

  /** Shutdown: timers stop; the calls end with the process (clients see their sockets close). */
  stop(): void {
    for (const call of this.calls.values()) {
      // The other nodes' sockets hear that it is over (this node's are closing).
      this.elsewhere?.announce({ type: "call", conversationId: call.conversationId, call: null });
      this.elsewhere?.ended(call.conversationId);
      if (call.ringTimer) clearTimeout(call.ringTimer);
      for (const p of call.peers.values()) if (p.dropTimer) clearTimeout(p.dropTimer);
    }
    this.calls.clear();
  }

  private addPeer(ws: Socket, id: string | null, call: Call): void {
    const userId = ws.data.auth!.user.id;
    const peer: Peer = {
      peerId: newId(),
      userId,
      ws,
      muted: false,
      camera: call.media === "video",
      sharing: false,
      joinedAt: Date.now(),
      dropTimer: null,
    };
    call.peers.set(peer.peerId, peer);
    call.everJoined.add(userId);
    this.placesOf(ws).set(call.conversationId, peer.peerId);
    call.declinedBy.delete(userId);
    if (userId !== call.startedBy && !call.answered) {
      call.answered = true;
      if (call.ringTimer) clearTimeout(call.ringTimer);
      call.ringTimer = null;
    }
    this.sendJoined(ws, id, call, peer);
    this.announce(call);
  }

  private removePeer(call: Call, peer: Peer): void {
    if (peer.dropTimer) clearTimeout(peer.dropTimer);
    call.peers.delete(peer.peerId);
    if (peer.ws) this.bySocket.get(peer.ws)?.delete(call.conversationId);
    const people = new Set([...call.peers.values()].map((p) => p.userId));
    // A direct call is two people: when one goes (or the caller hangs up before an answer), it is over.
    if (call.peers.size === 0 || (call.direct && people.size < 2 && (call.answered || peer.userId === call.startedBy)))
      return this.end(call);
    this.announce(call);
  }

  private unanswered(call: Call): void {
    call.ringTimer = null;
    if (!call.answered && this.calls.get(call.conversationId) === call) this.end(call);
  }

  private end(call: Call): void {
    if (this.calls.get(call.conversationId) !== call) return;
    this.calls.delete(call.conversationId);
    if (call.ringTimer) clearTimeout(call.ringTimer);
    for (const p of call.peers.values()) {
      if (p.dropTimer) clearTimeout(p.dropTimer);
      if (p.ws) this.bySocket.get(p.ws)?.delete(call.conversationId);
    }
    this.tell({ type: "call", conversationId: call.conversationId, call: null });
    this.elsewhere?.ended(call.conversationId);
    // The history keeps it: "Call · 12 min · 3 people", or a missed call.
    const ended: EndedCall = {
      id: call.id,
      conversationId: call.conversationId,
      media: call.media,
      startedBy: call.startedBy,
      startedAt: call.startedAt,
      endedAt: Date.now(),
      answered: call.answered,
      participants: call.everJoined.size,
    };
    this.chat.background.later("recordCallLater", () => recordCall(this.chat, ended));
  }

  private peerOf(ws: Socket, conversationId: string): { call: Call; peer: Peer } {
    requireMember(this.chat.store.db, conversationId, ws.data.auth!.user.id);
    const call = this.calls.get(conversationId);
    const peer = call?.peers.get(this.bySocket.get(ws)?.get(conversationId) ?? "");
    if (!call || !peer || peer.ws !== ws) throw new AppError("NOT_IN_CALL");
    return { call, peer };
  }

  private placesOf(ws: Socket): Map<string, string> {
    let places = this.bySocket.get(ws);
    if (!places) this.bySocket.set(ws, (places = new Map()));
    return places;
  }

  private announce(call: Call): void {
    this.tell(this.frame(call));
  }

  /** To the conversation's sockets, here and on the other nodes. */
  private tell(frame: CallFrame): void {
    this.hub.notify({ conversationId: frame.conversationId }, frame);
    this.elsewhere?.announce(frame);
  }

  private frame(call: Call): CallFrame {
    return { type: "call", conversationId: call.conversationId, call: view(call) };
  }

  private sendJoined(ws: Socket, id: string | null, call: Call, peer: Peer): void {
    const iceServers = iceServersFor(this.config, peer.userId);
    this.sendTo(ws, { type: "call.joined", id, conversationId: call.conversationId, peerId: peer.peerId, iceServers });
  }

  private sendTo(ws: Socket, frame: ServerFrame): void {
    if (ws.readyState === 1) ws.send(JSON.stringify(frame));
  }

  private timer(seconds: number, fn: () => void): Timer {
    const t = setTimeout(() => {
      try {
        fn();
      } catch (err) {
        this.log.error("call timer failed", { err });
      }
    }, seconds * 1000);
    t.unref();
    return t;
  }
}

function view(call: Call): CallView {
  return {
    id: call.id,
    conversationId: call.conversationId,
    media: call.media,
    startedBy: call.startedBy,
    startedAt: new Date(call.startedAt).toISOString(),
    participants: [...call.peers.values()].map((p) => ({
      peerId: p.peerId,
      userId: p.userId,
      muted: p.muted,
      camera: p.camera,
      sharing: p.sharing,
      joinedAt: new Date(p.joinedAt).toISOString(),
    })),
    declinedBy: [...call.declinedBy],
  };
}
