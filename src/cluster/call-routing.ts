// Calls across nodes. A conversation's call is held by one node — where it started; when two nodes start one
// at once, a lease on the primary ("call:<conversation>") settles which — and lives in that node's memory
// as on a single node (realtime/calls.ts). The other nodes:
//   - learn of it from its call frames, which cross the bus ("ca", sent by the holder), tell their own
//     sockets, and tell a socket going live of the calls going on in its conversations;
//   - send the call frames of their sockets to the holder ("cf"), which carries them out for a stand-in of
//     the socket and answers through it ("cd": joined, signals, errors, back to that one socket);
//   - tell the holder when such a socket closes ("cx"), so that its place is kept for the grace and then given up.
// A holder that is killed goes silent: the others forget its calls (their sockets hear "no call") and the
// people in them start again; its lease runs out for the next start.
import type { Logger } from "../lib/log.ts";
import type { CallFrame } from "../protocol/frames.ts";
import type { CallClientFrame } from "../realtime/call-frames.ts";
import type { CallsElsewhere } from "../realtime/calls.ts";
import type { Hub, Socket } from "../realtime/hub.ts";
import type { RemoteStore } from "../store/remote/remote-store.ts";
import { newId } from "../lib/ids.ts";
import { releaseLease, RENEW_MS, takeLease } from "./leases.ts";

export type CallMessage =
  | { t: "cf"; to: string; k: string; u: string; f: CallClientFrame; id: string | null }
  | { t: "cd"; to: string; k: string; x: string }
  | { t: "cx"; to: string; k: string }
  | { t: "ca"; f: CallFrame };

const leaseOf = (conversationId: string) => `call:${conversationId}`;

export class CallRouter implements CallsElsewhere {
  /** This node's sockets that have sent frames elsewhere, by the key the holders know them by. */
  private readonly keys = new WeakMap<Socket, string>();
  private readonly sockets = new Map<string, Socket>();
  /** The nodes holding calls each of those sockets is in. */
  private readonly holdersOf = new WeakMap<Socket, Set<string>>();
  /** Stand-ins for other nodes' sockets in the calls this node holds ("node key"). */
  private readonly standIns = new Map<string, Socket>();
  /** The calls other nodes hold, by conversation, with their latest frame. */
  private readonly held = new Map<string, { node: string; frame: CallFrame }>();
  /** Conversations whose call this node holds the lease of. */
  private readonly claimed = new Set<string>();
  private lastRenewal = 0;

  /** Carries out a frame from another node's socket (set by the app: the calls and its error frames). */
  run: (ws: Socket, frame: CallClientFrame, id: string | null) => void = () => {};
  /** Another node's socket closed, or its node is gone. */
  closeStandIn: (ws: Socket) => void = () => {};
  /** Whether this node's calls have one in the conversation (a lease held for none is given up). */
  hasCall: (conversationId: string) => boolean = () => false;

  constructor(
    private readonly self: string,
    private readonly store: RemoteStore,
    private readonly hub: Hub,
    private readonly send: (msg: CallMessage) => void,
    private readonly log: Logger,
  ) {}

  forward(ws: Socket, frame: CallClientFrame, id: string | null): boolean {
    const conversationId = frame.conversationId;
    let holder = this.held.get(conversationId)?.node ?? null;
    if (!holder && frame.type === "call.start") {
      const who = takeLease(this.store, leaseOf(conversationId), this.self);
      if (who === this.self) {
        this.claimed.add(conversationId);
        return false;
      }
      holder = who;
    }
    if (!holder) return false;
    let key = this.keys.get(ws);
    if (!key) this.keys.set(ws, (key = newId()));
    this.sockets.set(key, ws);
    let holders = this.holdersOf.get(ws);
    if (!holders) this.holdersOf.set(ws, (holders = new Set()));
    holders.add(holder);
    this.send({ t: "cf", to: holder, k: key, u: ws.data.auth!.user.id, f: frame, id });
    return true;
  }

  announce(frame: CallFrame): void {
    this.send({ t: "ca", f: frame });
  }

  ended(conversationId: string): void {
    if (this.claimed.delete(conversationId)) releaseLease(this.store, leaseOf(conversationId), this.self);
  }

  socketClosed(ws: Socket): void {
    const key = this.keys.get(ws);
    if (!key) return;
    this.sockets.delete(key);
    for (const node of this.holdersOf.get(ws) ?? []) this.send({ t: "cx", to: node, k: key });
  }

  framesFor(conversationIds: string[]): CallFrame[] {
    return conversationIds.flatMap((c) => this.held.get(c)?.frame ?? []);
  }

  received(node: string, msg: CallMessage): void {
    switch (msg.t) {
      case "ca": {
        const { conversationId, call } = msg.f;
        if (call) this.held.set(conversationId, { node, frame: msg.f });
        else if (this.held.get(conversationId)?.node === node) this.held.delete(conversationId);
        this.hub.notify({ conversationId }, msg.f);
        return;
      }
      case "cf":
        if (msg.to === this.self) this.run(this.standIn(node, msg.k, msg.u), msg.f, msg.id);
        return;
      case "cd": {
        const ws = msg.to === this.self ? this.sockets.get(msg.k) : undefined;
        if (ws?.readyState === 1) ws.send(msg.x);
        return;
      }
      case "cx": {
        const standIn = msg.to === this.self ? this.standIns.get(`${node} ${msg.k}`) : undefined;
        if (!standIn) return;
        this.standIns.delete(`${node} ${msg.k}`);
        this.closeStandIn(standIn);
        return;
      }
    }
  }

  /** A node went silent: its calls are over for this node's sockets, and its sockets leave this node's calls. */
  nodeLost(node: string): void {
    for (const [conversationId, h] of this.held)
      if (h.node === node) {
        this.held.delete(conversationId);
        this.hub.notify({ conversationId }, { type: "call", conversationId, call: null });
      }
    for (const [id, standIn] of this.standIns)
      if (id.startsWith(`${node} `)) {
        this.standIns.delete(id);
        this.closeStandIn(standIn);
      }
  }

  /** Each second: the leases of this node's calls are renewed (or given up for calls that are over). */
  tick(now = Date.now()): void {
    if (now - this.lastRenewal < RENEW_MS || this.claimed.size === 0) return;
    this.lastRenewal = now;
    for (const conversationId of [...this.claimed]) {
      if (!this.hasCall(conversationId)) {
        this.ended(conversationId);
        continue;
      }
      try {
        if (takeLease(this.store, leaseOf(conversationId), this.self, now) !== this.self)
          this.log.warn("a call's lease went to another node", { conversationId });
      } catch (err) {
        this.log.warn("a call's lease was not renewed", { conversationId, err: String(err) });
      }
    }
  }

  /** The same stand-in for every frame of one socket of another node: the calls know it by identity. */
  private standIn(node: string, key: string, userId: string): Socket {
    const id = `${node} ${key}`;
    let ws = this.standIns.get(id);
    if (!ws) {
      const send = (text: string) => {
        this.send({ t: "cd", to: node, k: key, x: text });
        return text.length;
      };
      ws = { data: { auth: { user: { id: userId } } }, readyState: 1, send } as unknown as Socket;
      this.standIns.set(id, ws);
    }
    return ws;
  }
}
