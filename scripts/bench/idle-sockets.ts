// What one more idle authenticated socket keeps alive in Parley: the server runs in this process, so a full
// garbage collection can run before each reading, and the figure is what stays, not garbage that the next
// allocation would have collected. (The connect storm in bench.ts reads the RSS of a separate server
// process, which includes whatever garbage its last wave left behind.) The sockets come from the raw-TCP
// generator (raw-load.ts) in a child process, each its own user with a session last used an hour ago.
import { heapStats } from "bun:jsc";
import { join } from "node:path";
import { createSession } from "../../src/accounts/sessions.ts";
import { insertUser } from "../../src/accounts/users.ts";
import { setUp, startTestServer } from "../../test/harness.ts";

export interface IdleSockets {
  /** Sockets per wave. */
  sockets: number;
  /** Waves measured after the first (which warms up what every socket shares). */
  waves: number;
  /** Median time for a wave to connect and say hello. */
  connectSeconds: number;
  /**
   * Growth per socket over all the measured waves together (their total over their sockets), and the
   * smallest and largest of one wave.
   */
  rssKb: number;
  rssRangeKb: [number, number];
  heapKb: number;
  failed: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Connects a first wave of `perWave` sockets, then `waves` more, and divides what the later waves added by
 * their sockets. One wave alone moved between −3 and +10 KB per socket (the allocator hands pages back, or
 * takes more, between two readings); over several waves that evens out, and the range of single waves is
 * reported beside it.
 */
export async function measureIdleSockets(perWave: number, waves = 5): Promise<IdleSockets> {
  const s = await startTestServer({ logLevel: "warn" });
  const gen = Bun.spawn([process.execPath, join(import.meta.dir, "raw-load.ts")], { stdin: "pipe", stdout: "pipe" });
  try {
    await setUp(s);
    const { store } = s.running.app.deps;
    const tokens: string[] = [];
    store.transaction((tx) => {
      for (let i = 0; i < (waves + 1) * perWave; i++) {
        const u = insertUser(tx, {
          id: `idle${i}`,
          username: `idle${i}`,
          displayName: `Idle ${i}`,
          passwordHash: null,
          role: "member",
        });
        tokens.push(createSession(tx, u.id, 30).token);
      }
    });
    store.sqlite.run("UPDATE sessions SET last_used_at = last_used_at - 3600000");
    const reader = gen.stdout.getReader();
    let buf = "";
    const call = async (cmd: object): Promise<any> => {
      gen.stdin.write(JSON.stringify(cmd) + "\n");
      gen.stdin.flush();
      for (;;) {
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          return JSON.parse(line);
        }
        const r = await reader.read();
        if (r.done) throw new Error("generator exited");
        buf += new TextDecoder().decode(r.value);
      }
    };
    const wave = async (from: number) => {
      const conns = tokens.slice(from, from + perWave).map((token) => ({ token, topics: [], sendTo: null }));
      const r = await call({ cmd: "connect", url: s.url, conns });
      await s.idle(); // their session touches and last-seen writes are done
      return r as { ms: number; failed: number };
    };
    const settled = () => {
      Bun.gc(true);
      return { rss: process.memoryUsage.rss() / 1024, heap: heapStats().heapSize / 1024 };
    };
    const first = await wave(0);
    const start = settled();
    let before = start;
    let failed = first.failed;
    const rss: number[] = [];
    const seconds: number[] = [];
    for (let w = 1; w <= waves; w++) {
      const r = await wave(w * perWave);
      const after = settled();
      failed += r.failed;
      seconds.push(r.ms / 1000);
      rss.push((after.rss - before.rss) / perWave);
      before = after;
    }
    return {
      sockets: perWave,
      waves,
      connectSeconds: median(seconds),
      rssKb: (before.rss - start.rss) / (waves * perWave),
      rssRangeKb: [Math.min(...rss), Math.max(...rss)],
      heapKb: (before.heap - start.heap) / (waves * perWave),
      failed,
    };
  } finally {
    gen.kill();
    await s.stop();
  }
}
