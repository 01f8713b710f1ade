// A hand-made WebSocket client over TCP, for what a browser never does: stop reading, or ignore pings.
import net from "node:net";

export interface RawSocket {
  socket: net.Socket;
  /** Sends one masked text frame, as a client must. */
  sendText(text: string): void;
  /** Bytes received so far (handshake included). */
  received(): number;
  ended: Promise<void>;
}

export async function openRawSocket(baseUrl: string, token: string): Promise<RawSocket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  let bytes = 0;
  const { promise: ended, resolve: onEnd } = Promise.withResolvers<void>();
  const { promise: upgraded, resolve: onUpgrade, reject } = Promise.withResolvers<void>();
  socket.on("data", (d) => {
    bytes += d.length;
    if (d.toString("latin1").startsWith("HTTP/1.1 101")) onUpgrade();
  });
  socket.on("close", () => onEnd());
  socket.on("error", reject);
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64")}\r\n` +
      `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  await upgraded;
  return {
    socket,
    sendText(text) {
      const payload = Buffer.from(text);
      const mask = crypto.getRandomValues(new Uint8Array(4));
      const len = payload.length;
      const header =
        len < 126 ? Buffer.from([0x81, 0x80 | len]) : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
      const masked = Buffer.alloc(len);
      for (let i = 0; i < len; i++) masked[i] = payload[i]! ^ mask[i % 4]!;
      socket.write(Buffer.concat([header, Buffer.from(mask), masked]));
    },
    received: () => bytes,
    ended,
  };
}
