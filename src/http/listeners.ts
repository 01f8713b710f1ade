// The sockets Parley listens on. Plain HTTP on PARLEY_PORT; with TLS, HTTPS there, plain HTTP on
// PARLEY_HTTP_PORT answering what the certificate's source needs (ACME checks, the trust page) and sending
// the rest to HTTPS; with PARLEY_TLS=local, a front on PARLEY_PORT that passes TLS to the HTTPS listener and
// plain HTTP to a plain one (tls/port-front.ts).
//
// A renewed certificate: Bun cannot change a listener's certificate (server.reload ignores tls,
// oven-sh/bun#43815), so a second listener with the new one opens beside the old, which stops listening
// (behind the front, once the front's connections to it have ended). New connections get the new
// certificate; open ones, WebSockets included, stay until they close.
import type { Server, WebSocketHandler } from "bun";
import { ConfigError, type Config } from "../config/config.ts";
import { settings } from "../config/settings.ts";
import type { Logger } from "../lib/log.ts";
import type { SocketData } from "../realtime/hub.ts";
import type { TlsPair } from "../tls/pair.ts";
import { startPortFront, type PortFront } from "../tls/port-front.ts";
import type { CertificateSource } from "../tls/source.ts";
import type { Listener } from "./context.ts";

export interface Listeners {
  /** The port clients connect to. */
  readonly port: number;
  /** The listeners serving the app now (two while a renewed certificate takes over). */
  readonly serving: Set<Server<SocketData>>;
  /** Serves a new certificate to new connections; `retired` is called once the old listener has stopped. */
  swap(pair: TlsPair, opened: (next: Server<SocketData>) => void, retired: (old: Server<SocketData>) => void): void;
  /** Stops listening for new connections (plain port, front) at once; the app's listeners stop gracefully. */
  stopAccepting(): void;
}

export function openListeners(opts: {
  config: Config;
  certificates: CertificateSource | null;
  fetch: (req: Request, listener: Listener) => Response | Promise<Response>;
  websocket: WebSocketHandler<SocketData>;
  log: Logger;
}): Listeners {
  const { config, certificates, log } = opts;
  const fronted = config.tls === "local";
  const started: { stop(force?: boolean): unknown }[] = [];
  const plain: Server<undefined>[] = [];
  let front: PortFront | null = null;
  // The app sees the device's address through the front, not 127.0.0.1.
  const seenThrough = (srv: Server<SocketData>): Listener =>
    !fronted
      ? srv
      : {
          requestIP: (req) => {
            const near = srv.requestIP(req);
            return (near && front?.clientOf(near.port)) ?? near;
          },
          upgrade: (req, options) => srv.upgrade(req, options),
        };
  const serve = (pair: TlsPair | null): Server<SocketData> => {
    const srv: Server<SocketData> = Bun.serve<SocketData>({
      // Behind the front: loopback, a port of the kernel's choice. Otherwise PARLEY_PORT (the one first
      // bound, when 0 asked the kernel), shared by a renewed certificate's listener while the old one
      // finishes (SO_REUSEPORT).
      ...(fronted
        ? { port: 0, hostname: "127.0.0.1" }
        : { port: port || config.port, hostname: config.host, reusePort: pair !== null }),
      ...(pair ? { tls: { cert: pair.cert, key: pair.key } } : {}),
      fetch: (req) => opts.fetch(req, env),
      websocket: opts.websocket,
      development: false,
    });
    const env = seenThrough(srv);
    return srv;
  };

  let port = 0;
  const serving = new Set<Server<SocketData>>();
  let current!: Server<SocketData>;
  try {
    const pair = certificates?.initial ?? null;
    // SO_REUSEPORT would let the listener share the port with another process that set it too (another
    // Parley with TLS): make sure nobody holds it.
    if (pair && !fronted && config.port !== 0) assertPortFree(config.host, config.port);
    current = serve(pair);
    started.push(current);
    serving.add(current);
    port = current.port!;
    if (fronted) {
      const inside = servePlainHttp("127.0.0.1", 0, () => port, certificates!);
      started.push(inside);
      plain.push(inside);
      front = startPortFront({
        hostname: config.host,
        port: config.port,
        securePort: current.port!,
        plainPort: inside.port!,
        log,
      });
      started.push(front);
      port = front.port;
    }
    if (config.httpPort) {
      const redirect = servePlainHttp(config.host, config.httpPort, () => port, certificates!);
      started.push(redirect);
      plain.push(redirect);
    }
  } catch (err) {
    // A port taken after another was bound: nothing stays listening.
    for (const s of started) s.stop(true);
    throw err;
  }

  return {
    port,
    serving,
    swap(pair, opened, retired) {
      const next = serve(pair);
      opened(next);
      serving.add(next);
      front?.setSecurePort(next.port!);
      const old = current;
      current = next;
      // Behind the front, the old listener stays until the front's last connection to it ends: a graceful
      // stop resets a connection it has accepted whose TLS handshake has not begun, as one the front joined to
      // it a moment before may be. The front sends it nothing new.
      const stopped = front ? front.drained(old.port!).then(() => old.stop(true)) : old.stop(false);
      void stopped.then(() => {
        serving.delete(old);
        retired(old);
      });
    },
    stopAccepting() {
      // The plain ports only redirect: they go at once. The front stops taking connections; those it joined
      // end as the app's listeners finish with them.
      for (const s of plain) s.stop(true);
      front?.stop();
    },
  };
}

/**
 * Plain HTTP that sends everyone to the same address over HTTPS, after what the certificate's source answers
 * there itself (the CA's HTTP-01 checks, the local CA's trust page).
 */
function servePlainHttp(
  hostname: string,
  port: number,
  httpsPort: () => number,
  certificates: CertificateSource,
): Server<undefined> {
  return Bun.serve({
    port,
    hostname,
    development: false,
    fetch(req) {
      const answer = certificates.answerPlain(req, httpsPort());
      if (answer) return answer;
      const url = new URL(req.url);
      url.protocol = "https:";
      url.port = httpsPort() === 443 ? "" : String(httpsPort());
      // A permanent redirect that keeps the method and body (a form posted over plain HTTP is posted again).
      return new Response(null, { status: 308, headers: { location: url.href } });
    },
  });
}

function assertPortFree(hostname: string, port: number): void {
  try {
    Bun.listen({ hostname, port, socket: { data() {} } }).stop(true);
  } catch {
    throw new ConfigError(`port ${port} on ${hostname} is in use by another program (${settings.port.env})`);
  }
}
