// A node's place in a cluster: what it commits goes to its own sockets through the sequencer and to the
// other nodes over the bus; what the others commit comes back the same way. Signals (typing, presence,
// call signalling) cross nodes over the bus too, without order or recovery, like the frames they are.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { EventView } from "../chat/events.ts";
import { listAllEventRows, publishedChange, renderEvents } from "../chat/events.ts";
import type { Logger } from "../lib/log.ts";
import type { SignalFrame } from "../protocol/frames.ts";
import type { Hub } from "../realtime/hub.ts";
import type { Presence } from "../realtime/presence.ts";
import type { Calls } from "../realtime/calls.ts";
import { parseCallFrame, runCallFrame } from "../realtime/call-frames.ts";
import { errorFrameOf } from "../realtime/socket.ts";
import type { RemoteStore } from "../store/remote/remote-store.ts";
import { Bus } from "./bus.ts";
import { Sequencer, type Change } from "./sequencer.ts";
import { PeerPresence, type PresenceMessage } from "./peer-presence.ts";
import { JOBS_LEASE, Lease } from "./leases.ts";
import { CallRouter, type CallMessage } from "./call-routing.ts";

type To = { conversationId?: string; userIds?: string[] };

/**
 * What travels on the bus: an event with the cluster clock after its commit, a signal, a commit's clock
 * alone, or a word on who is online (cluster/peer-presence.ts). `n` is the sending node.
 */
type BusMessage =
  | { n: string; t: "e"; v: number; e: EventView; c: Change }
  | { n: string; t: "s"; to: To; f: SignalFrame }
  | { n: string; t: "c"; v: number }
  | ({ n: string } & PresenceMessage)
  | ({ n: string } & CallMessage);

const HEAD_CHECK_MS = 1000;

export class ClusterNode {
  /** Unique per process: a node's own messages come back to it from the channel and are skipped. */
  readonly id = `${hostname()}-${randomBytes(4).toString("hex")}`;
  readonly sequencer: Sequencer;
  /** Who is online on the other nodes (realtime/presence.ts combines it with this node's sockets). */
  readonly presence = new PeerPresence(this.id, (msg) => this.send({ n: this.id, ...msg }));
  /** Calls held by other nodes, and this node's calls for their sockets (cluster/call-routing.ts). */
  readonly calls: CallRouter;
  /** Held by the one node that runs the cluster's background jobs (cluster/leases.ts). */
  readonly jobs: Lease;
  private readonly bus: Bus;
  private readonly timer: Timer;

  constructor(
    busUrl: string,
    private readonly store: RemoteStore,
    private readonly hub: Hub,
    private readonly log: Logger,
  ) {
    const db = store.db;
    this.sequencer = new Sequencer(
      {
        head: () => (store.readPrimary("SELECT max(id) AS id FROM events")[0]?.id as number | null) ?? 0,
        after: (since, until, limit) => {
          // What is about to be read was committed elsewhere: the replica catches up first.
          store.catchUpReplica();
          const rows = listAllEventRows(db, since, until, limit);
          const views = renderEvents(db, rows);
          return rows.map((row, i) => ({ event: views[i]!, change: publishedChange(db, row) }));
        },
      },
      (event, change) => hub.publish(event, change),
      log,
      store.durability.durableHead(() => (store.readPrimary("SELECT max(id) AS id FROM events")[0]?.id as number) ?? 0),
    );
    // A replay, and the head a fresh client starts from, stop at what this node has handed out.
    store.durability.limitVisibleTo(() => this.sequencer.head);
    this.bus = new Bus(
      busUrl,
      log,
      (text) => this.received(text),
      () => this.sequencer.checkHead(),
    );
    this.jobs = new Lease(store, JOBS_LEASE, this.id, log);
    this.calls = new CallRouter(this.id, store, hub, (msg) => this.send({ n: this.id, ...msg }), log);
    this.presence.onNodeLost = (node) => this.calls.nodeLost(node);
    this.timer = setInterval(() => {
      this.sequencer.checkHead();
      this.presence.beat();
      this.jobs.tick();
      this.calls.tick();
    }, HEAD_CHECK_MS);
    this.timer.unref();
  }

  /** Presence and calls span the nodes: this node's are told of the others' and answer for their sockets. */
  attach(presence: Presence, calls: Calls): void {
    presence.spanNodes(this.presence);
    this.presence.onChange = (userId) => presence.recompute(userId);
    this.presence.ownStatuses = () => presence.localStatuses();
    calls.spanNodes(this.calls);
    // A frame of another node's socket, carried out here: its errors go back to that socket as frames.
    this.calls.run = (ws, frame, id) => {
      try {
        runCallFrame(calls, ws, parseCallFrame(frame), id);
      } catch (err) {
        ws.send(JSON.stringify(errorFrameOf(err, id, this.log)));
      }
    };
    this.calls.closeStandIn = (ws) => calls.socketClosed(ws);
    this.calls.hasCall = (conversationId) => calls.has(conversationId);
  }

  /** Resolves once the bus is subscribed, or after timeoutMs (the node then starts and keeps trying). */
  async start(timeoutMs: number): Promise<void> {
    this.jobs.tick();
    const late = Bun.sleep(timeoutMs).then(() => "late" as const);
    if ((await Promise.race([this.bus.start().then((ok) => (ok ? "ok" : "late")), late])) === "late")
      this.log.warn("cluster bus not reachable yet; starting anyway (events are filled from the database)");
  }

  get busUp(): boolean {
    return this.bus.up;
  }

  get busStats() {
    return this.bus.stats;
  }

  /** This node committed an event: to its own sockets in order, and to the other nodes. */
  publish(event: EventView, change: Change): void {
    this.sequencer.offer(event, change);
    this.send({ n: this.id, t: "e", v: this.store.clockVersion(), e: event, c: change });
  }

  /** A signal for sockets wherever they are. */
  notify(to: To, frame: SignalFrame): void {
    this.hub.notify(to, frame);
    this.relay(to, frame);
  }

  /** A signal for the sockets on the other nodes only (this node's had it already). */
  relay(to: To, frame: SignalFrame): void {
    this.send({ n: this.id, t: "s", to, f: frame });
  }

  /** A batch committed: other nodes' caches learn of it even when it made no event (a session revoked). */
  committed(): void {
    this.send({ n: this.id, t: "c", v: this.store.clockVersion() });
  }

  private send(msg: BusMessage): void {
    this.bus.publish(JSON.stringify(msg));
  }

  private received(text: string): void {
    let msg: BusMessage;
    try {
      msg = JSON.parse(text) as BusMessage;
    } catch {
      this.log.warn("cluster bus: a message that is not JSON was ignored");
      return;
    }
    if (msg.n === this.id) return;
    this.presence.heard(msg.n);
    try {
      this.handle(msg);
    } catch (err) {
      // The store may be away (an outage seen here first): what was missed is filled from it later.
      this.log.error("cluster bus: a message could not be handled", { type: msg.t, err });
    }
  }

  private handle(msg: BusMessage): void {
    switch (msg.t) {
      case "e":
        this.store.foreignCommit(msg.v);
        this.sequencer.offer(msg.e, msg.c);
        return;
      case "c":
        this.store.foreignCommit(msg.v);
        return;
      case "s":
        this.hub.notify(msg.to, msg.f);
        return;
      case "p":
      case "h":
      case "p?":
      case "pa":
        this.presence.received(msg.n, msg);
        return;
      case "ca":
      case "cf":
      case "cd":
      case "cx":
        this.calls.received(msg.n, msg);
        return;
    }
  }

  stop(): void {
    this.presence.goodbye();
    clearInterval(this.timer);
    this.jobs.release();
    this.sequencer.stop();
    this.bus.close();
  }
}
