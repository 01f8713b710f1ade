// The port front (PARLEY_TLS=local) between clients and the listeners behind it, with real loopback sockets:
// what it joins to a listener stays joined to it after a renewed certificate's listener takes new connections,
// and it says when a listener has no connection of its own left, so the old one stops only then.
import { afterAll, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { silentLogger } from "../src/lib/log.ts";
import { startPortFront } from "../src/tls/port-front.ts";
import { waitFor } from "./harness.ts";

/** A listener that keeps every byte it is sent, per connection, and closes a connection on request. */
function listener() {
  const received: string[] = [];
  const sockets: Socket<{ n: number }>[] = [];
  const server: TCPSocketListener<{ n: number }> = Bun.listen<{ n: number }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { n: sockets.push(socket) - 1 };
        received.push("");
      },
      data(socket, data) {
        received[socket.data.n] += Buffer.from(data).toString("latin1");
      },
    },
  });
  return { server, received, sockets };
}

function client(port: number) {
  const closed = Promise.withResolvers<void>();
  return Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, close: () => closed.resolve() } }).then(
    (socket) => ({ socket, closed: closed.promise }),
  );
}

const stops: (() => void)[] = [];
afterAll(() => stops.forEach((stop) => stop()));

describe("the port front across a certificate renewal", () => {
  test("a listener is drained only once every connection joined to it has closed; new ones go to its successor", async () => {
    const [old, next, plain] = [listener(), listener(), listener()];
    const front = startPortFront({
      hostname: "127.0.0.1",
      port: 0,
      securePort: old.server.port,
      plainPort: plain.server.port,
      log: silentLogger,
    });
    stops.push(front.stop, () => [old, next, plain].forEach((l) => l.server.stop(true)));

    // Nothing joined to the new listener yet: nothing to wait for.
    let nextDrained = false;
    await front.drained(next.server.port).then(() => (nextDrained = true));
    expect(nextDrained).toBe(true);

    const early = await client(front.port);
    early.socket.write(new Uint8Array([0x16]));
    await waitFor(() => old.received[0] === "\x16", "the first byte at the old listener");

    front.setSecurePort(next.server.port);
    let oldDrained = false;
    const drained = front.drained(old.server.port).then(() => (oldDrained = true));
    // Still joined to the old listener: what the client sends now arrives there (a handshake's rest).
    early.socket.write(new Uint8Array([0x03, 0x01]));
    await waitFor(() => old.received[0] === "\x16\x03\x01", "the rest at the old listener");
    const later = await client(front.port);
    later.socket.write(new Uint8Array([0x16, 0x03]));
    await waitFor(() => next.received[0] === "\x16\x03", "a new connection at the new listener");
    expect(old.received).toHaveLength(1);
    expect(oldDrained).toBe(false);

    // The old listener's last connection ends (its side closes it): now it may stop.
    old.sockets[0]!.end();
    await early.closed;
    await drained;
    expect(oldDrained).toBe(true);
    expect(next.received).toHaveLength(1);
    later.socket.end();
  });

  test("a connection the client closes, and one whose listener is gone, are let go too", async () => {
    const [secure, plain] = [listener(), listener()];
    const front = startPortFront({
      hostname: "127.0.0.1",
      port: 0,
      securePort: secure.server.port,
      plainPort: plain.server.port,
      log: silentLogger,
    });
    stops.push(front.stop, () => plain.server.stop(true));
    const one = await client(front.port);
    one.socket.write(new Uint8Array([0x16]));
    await waitFor(() => secure.received.length === 1, "the connection joined");
    const drained = front.drained(secure.server.port);
    one.socket.end();
    await drained;

    // A listener that went away: joining to it fails, and nothing is left waiting on its port.
    const port = secure.server.port;
    secure.server.stop(true);
    const two = await client(front.port);
    two.socket.write(new Uint8Array([0x16]));
    await two.closed;
    await front.drained(port);
  });
});
