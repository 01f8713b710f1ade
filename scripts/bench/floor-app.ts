// The idle-memory floor Parley is compared with: not Parley, but the least a Bun program needs in order to
// do what Parley does when it idles after first run — a WAL SQLite file written once, an HTTP and
// WebSocket server, one password hashed, and one worker thread (Parley's checkpoint thread) — compiled the
// same way. What Parley's idle RSS has above this is Parley's own; what this has is Bun's (startup.ts).
import { Database } from "bun:sqlite";
import { join } from "node:path";

const dir = process.env.FLOOR_DIR ?? ".";
const db = new Database(join(dir, "floor.db"));
db.exec("PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS t (a TEXT)");
db.query("INSERT INTO t VALUES (?)").run("first run");
const worker = new Worker(URL.createObjectURL(new Blob(["self.onmessage = () => {};"])));
worker.postMessage("start");

Bun.serve<undefined>({
  port: Number(process.env.FLOOR_PORT ?? 0),
  hostname: "127.0.0.1",
  async fetch(req, server) {
    const path = new URL(req.url).pathname;
    if (path === "/setup")
      return new Response(await Bun.password.hash("startup-password-1"), { headers: { "content-type": "text/plain" } });
    if (server.upgrade(req, { data: undefined })) return;
    return Response.json({ ok: true });
  },
  websocket: { message() {} },
});
