// `npm run bench -- --tls`: what HTTPS from Parley itself costs on the send path. One server process per
// setup: plain HTTP, HTTPS straight from Bun (PARLEY_TLS=files, as with acme), and HTTPS through the port
// front that also answers plain HTTP on the same port (PARLEY_TLS=local). 12 people in a group over
// WebSockets, 4 of them sending as fast as acknowledged; latency is send → delivery to the others.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { makeCertificate } from "../../test/certificates.ts";
import { tempDir } from "../../test/harness.ts";
import { spawnServer, type ChildServer } from "../../test/process.ts";
import { seat } from "./cluster.ts";
import { cpuTicks, pct, rssKb } from "./proc-stats.ts";

export interface TlsRow {
  setup: string;
  sendsPerSec: number;
  p50: number;
  p99: number;
  serverCpu: number;
  serverRssMb: number;
}

const root = join(import.meta.dir, "..", "..");
const insecure = { tls: { rejectUnauthorized: false } };

function socket(base: string, token: string, onFrame: (f: any) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace(/^http/, "ws") + "/ws", insecure as any);
    ws.onopen = () => ws.send(JSON.stringify({ type: "hello", token }));
    ws.onerror = () => reject(new Error("socket failed"));
    ws.onmessage = (e) => {
      const frame = JSON.parse(String(e.data));
      if (frame.type === "ready") resolve(ws);
      onFrame(frame);
    };
  });
}

export async function benchTls(setup: "plain" | "files" | "local", seconds: number): Promise<TlsRow> {
  const dir = tempDir("parley-bench-tls-");
  // Limits meant for people would stop the benchmark, not measure the server.
  const env: Record<string, string> = {
    PARLEY_DATA_DIR: join(dir, "data"),
    PARLEY_SEND_RATE: "100000",
    PARLEY_AUTH_RATE_LIMIT: "10000",
  };
  if (setup === "files") {
    makeCertificate(dir, "IP:127.0.0.1");
    Object.assign(env, {
      PARLEY_TLS: "files",
      PARLEY_TLS_CERT: join(dir, "cert.pem"),
      PARLEY_TLS_KEY: join(dir, "key.pem"),
    });
  }
  if (setup === "local") env.PARLEY_TLS = "local";
  const server: ChildServer = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
    cwd: dir,
    env,
  });
  const base = setup === "plain" ? server.url : server.url.replace("http:", "https:");
  try {
    const { tokens, groupId: group } = await seat(base, 12);
    const senders = 4;
    let measuring = false;
    const latencies: number[] = [];
    let answered = 0;
    const acks = new Map<string, () => void>();
    const sockets = await Promise.all(
      tokens.map((token) =>
        socket(base, token, (f) => {
          if (f.type === "ack") acks.get(f.id)?.();
          else if (measuring && f.type === "event" && f.event.type === "message.created")
            latencies.push(performance.now() - Number(f.event.message.text.split(" ")[0]));
        }),
      ),
    );
    let running = true;
    const loops = sockets.slice(0, senders).map(async (ws, i) => {
      for (let n = 0; running; n++) {
        const id = `s${i}-${n}`;
        await new Promise<void>((resolve) => {
          acks.set(id, resolve);
          ws.send(
            JSON.stringify({
              type: "send",
              id,
              conversationId: group,
              clientId: id,
              text: `${performance.now()} from ${i}`,
            }),
          );
        });
        acks.delete(id);
        if (measuring) answered++;
      }
    });
    await Bun.sleep(1000); // warm-up: the JIT, the caches, the TLS sessions
    const cpu0 = cpuTicks(server.proc.pid);
    const t0 = performance.now();
    measuring = true;
    await Bun.sleep(seconds * 1000);
    measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = (cpuTicks(server.proc.pid) - cpu0) / elapsed;
    const rss = rssKb(server.proc.pid) / 1024;
    running = false;
    await Promise.all(loops);
    for (const ws of sockets) ws.close();
    latencies.sort((a, b) => a - b);
    const r1 = (v: number) => Math.round(v * 10) / 10;
    return {
      setup: { plain: "plain HTTP", files: "HTTPS (files, acme)", local: "HTTPS via the port front (local)" }[setup],
      sendsPerSec: Math.round(answered / elapsed),
      p50: r1(pct(latencies, 50)),
      p99: r1(pct(latencies, 99)),
      serverCpu: Math.round(cpu),
      serverRssMb: Math.round(rss),
    };
  } finally {
    server.proc.kill("SIGTERM");
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
