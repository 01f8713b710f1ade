// `npm run soak [-- --minutes=60]`: an hour of mixed load on one Parley server (not part of `npm test`).
// Thirty people on phones and laptops: messages in groups and direct chats, reactions, edits and deletes,
// history, search, small uploads, presence and typing, sockets dropping and resuming. Every 30 s it samples
// the server's memory, open file descriptors and the database's size; at the end it checks what the suite
// promises (every acked message stored once, each socket's event stream in order and without duplicates
// across its resumes, the file
// intact, a clean stop) and prints the growth table recorded in docs/operations.md.
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnServer } from "../test/process.ts";
import { tempDir } from "../test/harness.ts";

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const MINUTES = arg("minutes", 60);
const PEOPLE = arg("people", 30);
const SENDS_PER_SECOND = arg("rate", 40);
const SAMPLE_EVERY_MS = 30_000;

const root = join(import.meta.dir, "..");
const dir = tempDir("parley-soak-");
const dataDir = join(dir, "data");
const server = await spawnServer([process.execPath, join(root, "src", "main.ts"), "serve"], {
  cwd: dir,
  env: { PARLEY_DATA_DIR: dataDir, PARLEY_AUTH_RATE_LIMIT: "100000", PARLEY_SEND_RATE: "1000" },
});
const pid = server.proc.pid;
// Whatever happens to this script, the server goes with it.
process.on("exit", () => server.proc.kill("SIGKILL"));
const url = server.url;

async function call(method: string, path: string, token?: string, body?: unknown): Promise<any> {
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof FormData) ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// ---- people and conversations -----------------------------------------------------------------
const admin = await call("POST", "/api/v1/setup", undefined, {
  username: "admin",
  password: "admin-password",
  displayName: "Admin",
});
type Person = { name: string; token: string; id: string };
const people: Person[] = [{ name: "admin", token: admin.token, id: admin.user.id }];
for (let i = 1; i < PEOPLE; i++) {
  const invite = (await call("POST", "/api/v1/admin/invites", admin.token, {})).invite;
  const r = await call("POST", "/api/v1/auth/register", undefined, {
    username: `person${i}`,
    password: `person${i}-password`,
    displayName: `Person ${i}`,
    inviteCode: invite.code,
  });
  people.push({ name: `person${i}`, token: r.token, id: r.user.id });
}
const conversations: { id: string; members: Person[] }[] = [];
for (let g = 0; g < PEOPLE / 10; g++) {
  const members = people.slice(g * 10, g * 10 + 10);
  const c = await call("POST", "/api/v1/conversations", members[0]!.token, {
    type: "group",
    title: `Group ${g}`,
    memberIds: members.slice(1).map((p) => p.id),
  });
  conversations.push({ id: c.conversation.id, members });
}
for (let i = 0; i + 1 < people.length; i += 2) {
  const c = await call("POST", "/api/v1/conversations", people[i]!.token, {
    type: "direct",
    userId: people[i + 1]!.id,
  });
  conversations.push({ id: c.conversation.id, members: [people[i]!, people[i + 1]!] });
}

// ---- a lean client: counts, remembers its last event id, resumes --------------------------------
const acked = new Map<string, string>(); // clientId → message id
let refused = 0;
let eventsSeen = 0;
let duplicates = 0;

class Client {
  ws: WebSocket | null = null;
  last = "0";
  private n = 0;
  private pending = new Map<string, string>();
  constructor(readonly person: Person) {}
  async open(): Promise<void> {
    const ws = new WebSocket(url.replace(/^http/, "ws") + "/ws");
    const ready = Promise.withResolvers<void>();
    ws.onopen = () =>
      ws.send(
        JSON.stringify({ type: "hello", token: this.person.token, ...(this.last !== "0" ? { since: this.last } : {}) }),
      );
    ws.onmessage = (e) => {
      const f = JSON.parse(String(e.data));
      if (f.type === "ready") {
        if (this.last === "0") this.last = f.lastEventId;
        ready.resolve();
      } else if (f.type === "event") {
        const id = BigInt(f.event.id);
        if (id <= BigInt(this.last)) duplicates++;
        this.last = f.event.id;
        eventsSeen++;
      } else if (f.type === "ack") {
        const clientId = this.pending.get(f.id);
        if (clientId) acked.set(clientId, f.message.id);
        this.pending.delete(f.id);
      } else if (f.type === "error" && this.pending.has(f.id)) {
        refused++;
        this.pending.delete(f.id);
      }
    };
    ws.onclose = () => ready.resolve();
    this.ws = ws;
    await ready.promise;
  }
  send(conversationId: string): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    const id = `${this.person.name}-${++this.n}`;
    const clientId = `${id}-${crypto.randomUUID().slice(0, 8)}`;
    this.pending.set(id, clientId);
    this.ws.send(
      JSON.stringify({
        type: "send",
        id,
        conversationId,
        clientId,
        text: `soak ${clientId} ${"lorem ipsum ".repeat(1 + (this.n % 8))}`,
      }),
    );
  }
  signal(frame: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }
  async drop(): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    const closed = new Promise<void>((r) => ws.addEventListener("close", () => r()));
    ws.close();
    await closed;
    this.ws = null;
  }
}

const clients = people.map((p) => new Client(p));
for (const c of clients) await c.open();

// ---- sampling ---------------------------------------------------------------------------------
type Sample = { minute: number; rssMb: number; fds: number; dbMb: number; filesMb: number; messages: number };
const samples: Sample[] = [];
const started = Date.now();
const dirSize = (d: string): number => {
  let total = 0;
  for (const e of readdirSync(d, { withFileTypes: true }))
    total += e.isDirectory() ? dirSize(join(d, e.name)) : statSync(join(d, e.name)).size;
  return total;
};
function sample(): void {
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);
  const db = ["parley.db", "parley.db-wal", "parley.db-shm"].reduce(
    (n, f) => n + (statSync(join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0),
    0,
  );
  samples.push({
    minute: Math.round((Date.now() - started) / 6000) / 10,
    rssMb: Math.round(rssKb / 102.4) / 10,
    fds: readdirSync(`/proc/${pid}/fd`).length,
    dbMb: Math.round(db / 104857.6) / 10,
    filesMb: Math.round(dirSize(join(dataDir, "files")) / 104857.6) / 10,
    messages: acked.size,
  });
  const s = samples.at(-1)!;
  process.stderr.write(
    `soak ${s.minute} min: rss ${s.rssMb} MB, fds ${s.fds}, db ${s.dbMb} MB, files ${s.filesMb} MB, ${s.messages} acked\n`,
  );
}
sample();
const sampler = setInterval(sample, SAMPLE_EVERY_MS);

// ---- the mixed load ---------------------------------------------------------------------------
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
let httpCalls = 0;
let uploads = 0;
let resumes = 0;
const until = started + MINUTES * 60_000;
let tick = 0;
while (Date.now() < until) {
  tick++;
  // Sends: SENDS_PER_SECOND spread over ten ticks a second.
  for (let i = 0; i < SENDS_PER_SECOND / 10; i++) {
    const conv = pick(conversations);
    const who = clients[people.indexOf(pick(conv.members))]!;
    who.send(conv.id);
  }
  const conv = pick(conversations);
  const person = pick(conv.members);
  const client = clients[people.indexOf(person)]!;
  if (tick % 3 === 0) client.signal({ type: "typing", conversationId: conv.id });
  if (tick % 7 === 0) client.signal({ type: "presence", status: tick % 14 === 0 ? "away" : "active" });
  if (tick % 5 === 0) {
    httpCalls++;
    const page = await call("GET", `/api/v1/conversations/${conv.id}/messages?limit=50`, person.token);
    const mine = page.messages.find((m: any) => m.sender?.id === person.id && !m.deleted);
    if (mine && tick % 20 === 0)
      await call("POST", `/api/v1/conversations/${conv.id}/messages/${mine.id}/reactions`, person.token, {
        emoji: "👍",
      });
    if (mine && tick % 40 === 0)
      await call("PATCH", `/api/v1/conversations/${conv.id}/messages/${mine.id}`, person.token, {
        text: "edited in the soak",
      });
    if (mine && tick % 200 === 0) {
      await call("DELETE", `/api/v1/conversations/${conv.id}/messages/${mine.id}`, person.token);
      for (const [clientId, id] of acked) if (id === mine.id) acked.set(clientId, "deleted");
    }
  }
  if (tick % 25 === 0) {
    httpCalls++;
    await call("GET", `/api/v1/search/messages?q=lorem`, person.token);
    await call("GET", `/api/v1/conversations`, person.token);
  }
  if (tick % 50 === 0) {
    // A small file, sent in a message: files, previews and the upload path under load.
    const form = new FormData();
    form.append("file", new File([crypto.getRandomValues(new Uint8Array(8 * 1024))], `note-${tick}.bin`));
    const up = await call("POST", "/api/v1/uploads", person.token, form);
    const clientId = `upload-${tick}`;
    const sent = await call("POST", `/api/v1/conversations/${conv.id}/messages`, person.token, {
      clientId,
      text: "a file",
      attachmentIds: [up.attachment.id],
    });
    acked.set(clientId, sent.message.id);
    uploads++;
  }
  if (tick % 100 === 0) {
    // A phone losing its network: the socket drops and resumes from its last event.
    await client.drop();
    await client.open();
    resumes++;
  }
  await Bun.sleep(100);
}
clearInterval(sampler);
sample();

// ---- the checks at the end ----------------------------------------------------------------------
for (const c of clients) await c.drop();
server.proc.kill("SIGTERM");
const exitCode = await server.exited;
const db = new Database(join(dataDir, "parley.db"), { readonly: true });
const integrity = (db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check;
const stored = new Map(
  db
    .query<{ client_id: string; n: number }, []>("SELECT client_id, count(*) AS n FROM messages GROUP BY client_id")
    .all()
    .map((r) => [r.client_id, r.n]),
);
db.close();
let missing = 0;
let twice = 0;
for (const [clientId, id] of acked) {
  const n = stored.get(clientId) ?? 0;
  if (n === 0 && id !== "deleted") missing++;
  if (n > 1) twice++;
}

const first = samples[1] ?? samples[0]!;
const last = samples.at(-1)!;
const hours = (last.minute - first.minute) / 60 || 1;
console.log(
  `\nParley soak: ${MINUTES} min, ${PEOPLE} people, ${SENDS_PER_SECOND} sends/s; ${acked.size} messages acked, ${refused} refused, ${eventsSeen} events delivered live, ${resumes} resumes, ${uploads} uploads, ${httpCalls} HTTP rounds\n`,
);
console.log("| minute | RSS MB | open fds | database MB | files MB | messages |");
console.log("|---|---|---|---|---|---|");
const every = Math.max(1, Math.floor(samples.length / 12));
for (const s of samples.filter((_, i) => i % every === 0 || i === samples.length - 1))
  console.log(`| ${s.minute} | ${s.rssMb} | ${s.fds} | ${s.dbMb} | ${s.filesMb} | ${s.messages} |`);
console.log(
  `\nGrowth after the first half minute, per hour: RSS ${((last.rssMb - first.rssMb) / hours).toFixed(1)} MB, fds ${((last.fds - first.fds) / hours).toFixed(1)}, database ${((last.dbMb - first.dbMb) / hours).toFixed(1)} MB (${(((last.dbMb - first.dbMb) * 1024 * 1024) / Math.max(1, last.messages - first.messages)).toFixed(0)} bytes per message)`,
);
console.log(
  `Durability: ${missing} acked messages missing, ${twice} stored twice, ${duplicates} events delivered twice or out of order, integrity_check ${integrity}, exit code ${exitCode}`,
);
rmSync(dir, { recursive: true, force: true });
process.exit(missing + twice + duplicates === 0 && integrity === "ok" && exitCode === 0 ? 0 : 1);
