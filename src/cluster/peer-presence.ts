// Who is online on the other nodes. Each node knows only its own sockets; a person is online when any node
// has them online, and each node tells its own sockets (realtime/presence.ts) from that combined status, so
// presence frames never cross the bus — only each node's own changes do, numbered:
//
//   "p"  one person's status on the sending node changed (its change number v);
//   "h"  a heartbeat each second with the sender's latest change number;
//   "p?" asks a node for everything it has online;
//   "pa" everything a node has online, as of change v (the answer to "p?", or its goodbye: nobody).
//
// The bus may drop any of these. A change number that skips, or a heartbeat ahead of what was heard, makes
// the listener ask for the whole list; a node silent for NODE_LOST_MS (killed, or cut off from Redis) is
// forgotten, and the people it had online go offline after the usual grace.
import type { PresenceStatus } from "../protocol/views.ts";
import { best, type PresenceElsewhere } from "../realtime/presence.ts";

type Shown = Exclude<PresenceStatus, "offline">;

export type PresenceMessage =
  | { t: "p"; v: number; u: string; s: PresenceStatus }
  | { t: "h"; v: number }
  | { t: "p?"; to: string }
  | { t: "pa"; v: number; all: [string, Shown][] };

/** A node heard from nothing for this long (heartbeats come each second) is gone. */
export const NODE_LOST_MS = 5000;
/** A node is asked for its whole list at most this often. */
const ASK_EVERY_MS = 1000;

interface Peer {
  heard: number;
  /** The last change number applied in order; -1 while nothing is known. */
  version: number;
  asked: number;
  users: Map<string, Shown>;
}

export class PeerPresence implements PresenceElsewhere {
  private readonly peers = new Map<string, Peer>();
  private version = 0;
  /** A person's status on other nodes changed (presence recomputes and tells this node's sockets). */
  onChange: (userId: string) => void = () => {};
  /** A node went silent for NODE_LOST_MS (its calls are over: cluster/call-routing.ts). */
  onNodeLost: (node: string) => void = () => {};
  /** This node's own statuses, for a node that asks for them all. */
  ownStatuses: () => Iterable<[string, Shown]> = () => [];

  constructor(
    /** This node's id: a "p?" naming it is answered. */
    private readonly self: string,
    private readonly send: (msg: PresenceMessage) => void,
  ) {}

  /** The best status a person has on any other node. */
  statusOf(userId: string): PresenceStatus {
    let status: PresenceStatus = "offline";
    for (const peer of this.peers.values()) status = best(status, peer.users.get(userId) ?? "offline");
    return status;
  }

  /** This node's own status for a person changed. */
  announce(userId: string, status: PresenceStatus): void {
    this.send({ t: "p", v: ++this.version, u: userId, s: status });
  }

  /** Each second: tells the others this node's change number, and forgets nodes that went silent. */
  beat(now = Date.now()): void {
    this.send({ t: "h", v: this.version });
    for (const [node, peer] of this.peers)
      if (now - peer.heard > NODE_LOST_MS) {
        this.peers.delete(node);
        for (const userId of peer.users.keys()) this.onChange(userId);
        this.onNodeLost(node);
      }
  }

  /** Leaving: the others forget this node's people now rather than after NODE_LOST_MS. */
  goodbye(): void {
    this.send({ t: "pa", v: ++this.version, all: [] });
  }

  /** Any message from a node shows it is alive. */
  heard(node: string, now = Date.now()): void {
    this.peerOf(node, now).heard = now;
  }

  /** A presence message from a node (the node has already been marked as heard from: `heard`). */
  received(node: string, msg: PresenceMessage, now = Date.now()): void {
    const peer = this.peerOf(node, now);
    switch (msg.t) {
      case "p": {
        // Applied even out of turn (it is the newest word on that person); the rest is asked for.
        if (msg.v !== peer.version + 1) this.ask(node, peer, now);
        else peer.version = msg.v;
        this.set(peer, msg.u, msg.s);
        return;
      }
      case "h":
        if (msg.v !== peer.version) this.ask(node, peer, now);
        return;
      case "p?":
        if (msg.to === this.self) this.send({ t: "pa", v: this.version, all: [...this.ownStatuses()] });
        return;
      case "pa": {
        peer.version = msg.v;
        const next = new Map(msg.all);
        const before = peer.users;
        peer.users = next;
        for (const userId of new Set([...before.keys(), ...next.keys()]))
          if (before.get(userId) !== next.get(userId)) this.onChange(userId);
        return;
      }
    }
  }

  private set(peer: Peer, userId: string, status: PresenceStatus): void {
    if ((peer.users.get(userId) ?? "offline") === status) return;
    if (status === "offline") peer.users.delete(userId);
    else peer.users.set(userId, status);
    this.onChange(userId);
  }

  private ask(node: string, peer: Peer, now: number): void {
    if (now - peer.asked < ASK_EVERY_MS) return;
    peer.asked = now;
    this.send({ t: "p?", to: node });
  }

  private peerOf(node: string, now: number): Peer {
    let peer = this.peers.get(node);
    if (!peer) {
      peer = { heard: now, version: -1, asked: -Infinity, users: new Map() };
      this.peers.set(node, peer);
    }
    return peer;
  }

  /** Nodes heard from recently (metrics). */
  get nodes(): number {
    return this.peers.size;
  }
}
