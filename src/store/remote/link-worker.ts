// The database link thread (store/remote/remote-database.ts): the network half of the multi-node store. It
// holds the Hrana streams to the libSQL primary (a stream is one SQL connection there: the write stream
// keeps a transaction open across requests) and, when configured, the embedded replica that serves reads.
// Requests are handled strictly one at a time, in order: the event loop sends the next only after this one's
// reply, so nothing here needs a queue.
import { workerData, type MessagePort } from "node:worker_threads";
import * as hrana from "@libsql/hrana-client";
import { provideLibsqlNative } from "./libsql-native.ts";
import { wsUrlOf, type Args, type LinkInit, type LinkReply, type LinkRequest, type Value } from "./link-protocol.ts";

const init = workerData as LinkInit & { port: MessagePort };
const port = init.port;
const wsUrl = wsUrlOf(init.url);
const httpUrl = wsUrl.replace(/^ws(s?):/, "http$1:");

let client: hrana.WsClient | null = null;
let writeStream: hrana.Stream | null = null;
let readStream: hrana.Stream | null = null;

function connection(): hrana.WsClient {
  if (client && !client.closed) return client;
  client = hrana.openWs(wsUrl, init.authToken ?? undefined);
  writeStream = readStream = null;
  return client;
}

function streamFor(target: "write" | "read"): hrana.Stream {
  const c = connection();
  if (target === "write") {
    if (!writeStream || writeStream.closed) (writeStream = c.openStream()).intMode = "number";
    return writeStream;
  }
  if (!readStream || readStream.closed) (readStream = c.openStream()).intMode = "number";
  return readStream;
}

/** The embedded replica (loaded only when configured: it is a native module of @libsql/client). */
type Replica = {
  execute(stmt: { sql: string; args: Args }): Promise<{ columns: string[]; rows: ArrayLike<unknown>[] }>;
  sync(): Promise<unknown>;
};
let replica: Replica | null = null;
/** This node wrote, or another node's write was announced, since the replica last synced. */
let replicaBehind = true;

async function replicaReady(): Promise<Replica> {
  if (!replica) {
    let createClient: typeof import("@libsql/client").createClient;
    try {
      provideLibsqlNative();
      ({ createClient } = await import("@libsql/client"));
    } catch (err) {
      // Its SQLite is a native module of @libsql/client's: installed by npm beside the source, embedded in
      // the executable for linux-x64 and linux-arm64 (store/remote/libsql-native.ts).
      throw Object.assign(
        new Error(`the embedded replica needs libSQL's native module, which cannot be loaded here (${String(err)})`),
        { code: "PARLEY_REPLICA_UNAVAILABLE" },
      );
    }
    replica = createClient({
      url: `file:${init.replicaPath}`,
      syncUrl: httpUrl,
      authToken: init.authToken ?? undefined,
      intMode: "number",
    }) as unknown as Replica;
  }
  if (replicaBehind) {
    replicaBehind = false;
    try {
      await replica.sync();
    } catch (err) {
      replicaBehind = true;
      throw err;
    }
  }
  return replica;
}

/** Blobs arrive as ArrayBuffers; bun:sqlite gives Uint8Arrays, which is what the domain expects. */
function fromWire(v: unknown): Value {
  return v instanceof ArrayBuffer ? new Uint8Array(v) : (v as Value);
}

async function exec(req: Extract<LinkRequest, { kind: "exec" }>): Promise<LinkReply> {
  // The event loop sends only plain reads outside transactions as "read" (remote-database.ts decides).
  if (req.target === "read" && init.replicaPath) {
    const r = await (await replicaReady()).execute({ sql: req.sql, args: req.args });
    return {
      id: req.id,
      ok: true,
      columns: r.columns,
      rows: r.rows.map((row) => Array.from(row, fromWire)),
      changes: 0,
      lastInsertRowid: 0,
    };
  }
  const stream = streamFor(req.target);
  const stmt = new hrana.Stmt(req.sql);
  if (Array.isArray(req.args)) stmt.bindIndexes(req.args);
  else for (const [name, value] of Object.entries(req.args)) stmt.bindName(name, value);
  const r = req.want === "rows" ? await stream.query(stmt) : await stream.run(stmt);
  if (init.replicaPath && req.target === "write") replicaBehind = true;
  return {
    id: req.id,
    ok: true,
    columns: r.columnNames.map((c) => c ?? ""),
    rows: "rows" in r ? (r as hrana.RowsResult).rows.map((row) => Array.from(row, fromWire)) : [],
    changes: r.affectedRowCount ?? 0,
    lastInsertRowid: r.lastInsertRowid === undefined ? 0 : Number(r.lastInsertRowid),
  };
}

/** owner: the connection the request used; only that one is closed (a later request may have opened another). */
function failure(id: number, err: unknown, owner: hrana.WsClient | null): LinkReply {
  const code = (err as { code?: unknown }).code;
  // A statement the server refused is the statement's error; anything else means the link itself failed
  // (closed, refused, a protocol or WebSocket error), and the streams are started again on the next request.
  const refused = err instanceof hrana.ResponseError || typeof code === "string";
  if (!refused && client === owner) {
    client?.close();
    client = null;
    writeStream = readStream = null;
    outage();
  }
  return {
    id,
    ok: false,
    message: err instanceof Error ? err.message : String(err),
    ...(typeof code === "string" && refused ? { code } : {}),
    unreachable: !refused,
  };
}

async function handle(req: LinkRequest, owner: hrana.WsClient | null): Promise<LinkReply> {
  try {
    switch (req.kind) {
      case "exec":
        return await exec(req);
      case "reset":
        writeStream?.close();
        writeStream = null;
        return { id: req.id, ok: true, columns: [], rows: [], changes: 0, lastInsertRowid: 0 };
      case "stale":
        replicaBehind = true;
        return { id: req.id, ok: true, columns: [], rows: [], changes: 0, lastInsertRowid: 0 };
      case "ping":
        await streamFor("read").queryValue("SELECT 1");
        return { id: req.id, ok: true, columns: [], rows: [], changes: 0, lastInsertRowid: 0 };
      case "close":
        client?.close();
        client = null;
        return { id: req.id, ok: true, columns: [], rows: [], changes: 0, lastInsertRowid: 0 };
    }
  } catch (err) {
    return failure(req.id, err, owner);
  }
}

/**
 * A request the server has not answered within the timeout fails as unreachable, and the connection is
 * closed, which ends whatever else waited on it (a stopped or frozen server must not hold the node forever).
 */
function bounded(req: LinkRequest): Promise<LinkReply> {
  const owner = client && !client.closed ? client : connection();
  let timer: Timer | undefined;
  const late = new Promise<LinkReply>((resolve) => {
    timer = setTimeout(() => {
      const reply = failure(req.id, new Error(`the database server did not answer within ${init.timeoutMs} ms`), owner);
      resolve(reply);
    }, init.timeoutMs);
  });
  return Promise.race([handle(req, owner), late]).finally(() => clearTimeout(timer));
}

const PROBE_EVERY_MS = 250;
let probing = false;

/**
 * The primary stopped answering: word 1 goes to 0, so the event loop fails statements at once instead of
 * waiting for each, and a probe in the queue of requests asks the primary every PROBE_EVERY_MS until it
 * answers again.
 */
function outage(): void {
  Atomics.store(init.signal, 1, 0);
  if (probing) return;
  probing = true;
  const probe = () => {
    turn = turn.then(async () => {
      const reply = await bounded({ id: 0, kind: "ping" });
      if (reply.ok) {
        probing = false;
        Atomics.store(init.signal, 1, 1);
      } else setTimeout(probe, PROBE_EVERY_MS);
    });
  };
  setTimeout(probe, PROBE_EVERY_MS);
}

// One at a time, in arrival order: a request that timed out on the event loop's side is still finished
// (or failed) here before the next one starts.
let turn: Promise<unknown> = Promise.resolve();
port.on("message", (req: LinkRequest) => {
  turn = turn.then(() =>
    bounded(req).then((reply) => {
      if (reply.ok) Atomics.store(init.signal, 1, 1);
      port.postMessage(reply);
      Atomics.store(init.signal, 0, req.id);
      Atomics.notify(init.signal, 0);
    }),
  );
});
