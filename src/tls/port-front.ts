// One port for HTTPS and plain HTTP (PARLEY_TLS=local). Someone who types http://192.168.1.20:8080 must land
// on the page that sets their device up, not on a connection error; Bun.serve cannot look at a connection's
// first byte before choosing TLS, so this front owns the port: a connection whose first byte opens a TLS
// handshake (0x16) is joined to the HTTPS listener, any other to the plain one (the trust page, redirects).
// Both listen on 127.0.0.1 on ports of the kernel's choosing; the front copies bytes both ways with
// back-pressure (a side that cannot take more pauses the other). It also remembers which client each joined
// connection stands for, so that rate limits and logs see the device's address, not 127.0.0.1.
import type { Socket, TCPSocketListener } from "bun";
import type { Logger } from "../lib/log.ts";

const TLS_HANDSHAKE = 0x16;
/** A client that connects and says nothing is let go (seconds). */
const FIRST_BYTE_SECONDS = 30;

interface Side {
  /** The other end; null until the joined connection is open. */
  peer: Socket<Side> | null;
  /** What this end could not take yet (a short write), sent on its drain. */
  waiting: Uint8Array[];
  /** From a client before its joined connection is open (the front's client sockets only). */
  early: Uint8Array[];
  /** The other end has closed: this one ends once what waits for it is sent. */
  closing: boolean;
  /** This end has closed. */
  gone: boolean;
  /** The front's client socket: its address; for a joined connection, the client it stands for. */
  client: { address: string; port: number };
  joined: boolean;
}

export interface PortFront {
  readonly port: number;
  /** Where new TLS connections go (a new listener after a certificate renewal). */
  setSecurePort(port: number): void;
  /** The client a connection from the front to our listeners stands for (by that connection's port). */
  clientOf(frontPort: number): { address: string; port: number } | undefined;
  /** Resolves once no connection the front joined to a listener's port is open or being opened. */
  drained(port: number): Promise<void>;
  stop(): void;
}

export function startPortFront(opts: {
  hostname: string;
  port: number;
  securePort: number;
  plainPort: number;
  log: Logger;
}): PortFront {
  let securePort = opts.securePort;
  const joinedBy = new Map<number, { address: string; port: number }>();
  /** Per listener port: the connections joined to it that are open or opening, and who waits for none. */
  const joinedTo = new Map<number, number>();
  const drainWaiters = new Map<number, (() => void)[]>();
  const release = (port: number) => {
    const left = joinedTo.get(port)! - 1;
    if (left > 0) return void joinedTo.set(port, left);
    joinedTo.delete(port);
    for (const done of drainWaiters.get(port) ?? []) done();
    drainWaiters.delete(port);
  };

  /** Sends to `to`; what it cannot take now waits, and `from` stops reading until `to` drains. */
  const pass = (from: Socket<Side>, to: Socket<Side>, data: Uint8Array) => {
    if (to.data.waiting.length > 0) {
      to.data.waiting.push(data.slice());
      from.pause();
      return;
    }
    const sent = to.write(data);
    if (sent < data.byteLength) {
      to.data.waiting.push(data.slice(Math.max(sent, 0)));
      from.pause();
    }
  };
  const flush = (socket: Socket<Side>) => {
    const { waiting } = socket.data;
    while (waiting.length > 0) {
      const next = waiting[0]!;
      const sent = socket.write(next);
      if (sent < next.byteLength) {
        waiting[0] = next.slice(Math.max(sent, 0));
        return;
      }
      waiting.shift();
    }
    if (socket.data.closing) socket.end();
    else socket.data.peer?.resume();
  };
  /** One end closed: the other ends too, after what it still has to send. */
  const closeBoth = (socket: Socket<Side>) => {
    socket.data.gone = true;
    const peer = socket.data.peer;
    socket.data.peer = null;
    if (!peer) return;
    peer.data.peer = null;
    peer.data.closing = true;
    if (peer.data.waiting.length === 0) peer.end();
  };
  const side = (client: Side["client"]): Side => ({
    peer: null,
    waiting: [],
    early: [],
    closing: false,
    gone: false,
    client,
    joined: false,
  });

  const connect = (client: Socket<Side>, port: number) => {
    joinedTo.set(port, (joinedTo.get(port) ?? 0) + 1);
    let held = true;
    const letGo = () => {
      if (held) ((held = false), release(port));
    };
    return Bun.connect<Side>({
      hostname: "127.0.0.1",
      port,
      data: { ...side(client.data.client), peer: client, joined: true },
      socket: {
        open(socket) {
          joinedBy.set(socket.localPort, client.data.client);
          socket.setNoDelay(true);
        },
        data(socket, data) {
          if (socket.data.peer) pass(socket, socket.data.peer, data);
        },
        drain: flush,
        close(socket) {
          joinedBy.delete(socket.localPort);
          letGo();
          closeBoth(socket);
        },
        error(socket) {
          letGo();
          closeBoth(socket);
        },
      },
    }).catch((err: unknown) => {
      letGo();
      throw err;
    });
  };

  const join = async (client: Socket<Side>, first: Uint8Array) => {
    const secure = first[0] === TLS_HANDSHAKE;
    client.data.early.push(first.slice());
    client.pause();
    const port = secure ? securePort : opts.plainPort;
    let upstream: Socket<Side>;
    try {
      upstream = await connect(client, port);
    } catch (err) {
      opts.log.warn("port front: could not reach the listener", { port, err: (err as Error).message });
      client.end();
      return;
    }
    // The client left, or the listener already closed the joined connection, while it opened.
    if (client.data.gone || client.data.closing) {
      upstream.end();
      return;
    }
    client.data.peer = upstream;
    // What came before the join goes first.
    for (const chunk of client.data.early.splice(0)) pass(client, upstream, chunk);
    client.resume();
  };

  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: opts.hostname,
    port: opts.port,
    socket: {
      open(socket) {
        socket.data = side({ address: socket.remoteAddress, port: socket.remotePort });
        socket.setNoDelay(true);
        socket.timeout(FIRST_BYTE_SECONDS);
      },
      data(socket, data) {
        if (socket.data.peer) return pass(socket, socket.data.peer, data);
        if (socket.data.joined) return void socket.data.early.push(data.slice());
        socket.data.joined = true;
        socket.timeout(0);
        void join(socket, data);
      },
      drain: flush,
      timeout(socket) {
        socket.end();
      },
      close: closeBoth,
      error: closeBoth,
    },
  });

  return {
    port: listener.port,
    setSecurePort: (port) => void (securePort = port),
    clientOf: (frontPort) => joinedBy.get(frontPort),
    drained: (port) =>
      joinedTo.has(port)
        ? new Promise<void>((done) => drainWaiters.set(port, [...(drainWaiters.get(port) ?? []), done]))
        : Promise.resolve(),
    // Joined connections stay: they end as the listeners behind finish with them.
    stop: () => listener.stop(false),
  };
}
