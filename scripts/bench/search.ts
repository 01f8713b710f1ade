// `npm run bench -- --search` (or `bun scripts/bench/search.ts [messages] [conversations]`): message search
// on a generated database, by default 1 million messages across 1,000 conversations, written through the
// real schema so the FTS5 index is built by its triggers. Queries run in process (no HTTP), as the member
// of a conversation, and report p50/p95 per kind of query and the size of the index.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { searchMessages } from "../../src/search/messages.ts";
import { openStore } from "../../src/store/store.ts";
import { tempDir } from "../../test/harness.ts";

// A vocabulary with a long tail: word i appears with weight 1/(i+1) (Zipf), like real chat.
const VOCABULARY = Array.from({ length: 5000 }, (_, i) => {
  const syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "de", "po", "la", "gu", "fe", "xo", "ba", "zi"];
  let n = i;
  let w = "";
  do {
    w += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  } while (n > 0);
  return w + (i % 7 === 0 ? "é" : "");
});
const CUMULATIVE = (() => {
  let sum = 0;
  return VOCABULARY.map((_, i) => (sum += 1 / (i + 1)));
})();
function word(rand: () => number): string {
  const x = rand() * CUMULATIVE.at(-1)!;
  let lo = 0;
  let hi = CUMULATIVE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (CUMULATIVE[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return VOCABULARY[lo]!;
}
/** mulberry32: small, fast, and the same numbers every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface SearchBench {
  messages: number;
  conversations: number;
  buildSeconds: number;
  indexMb: number;
  databaseMb: number;
  rows: { query: string; p50: number; p95: number; results: number }[];
}

export async function benchSearch(messages = 1_000_000, conversations = 1000): Promise<SearchBench> {
  const dir = tempDir("parley-search-bench-");
  try {
    const store = openStore(join(dir, "data"));
    const db = store.sqlite;
    const rand = rng(42);
    const t0 = performance.now();
    const users = 500;
    const now = Date.now();
    db.run("BEGIN");
    const addUser = db.prepare(
      "INSERT INTO users (id, username, display_name, role, created_at, updated_at) VALUES (?, ?, ?, 'member', ?, ?)",
    );
    for (let u = 0; u < users; u++) addUser.run(`u${u}`, `user${u}`, `User ${u}`, now, now);
    const addConv = db.prepare(
      "INSERT INTO conversations (id, type, title, created_at, updated_at) VALUES (?, 'group', ?, ?, ?)",
    );
    const addMember = db.prepare(
      "INSERT INTO members (conversation_id, user_id, role, from_event_id, joined_at) VALUES (?, ?, 'member', 0, ?)",
    );
    const membersOf: string[][] = [];
    for (let c = 0; c < conversations; c++) {
      addConv.run(`c${c}`, `Group ${c}`, now, now);
      // Eight members each; everyone is in about sixteen conversations.
      const m = new Set<string>();
      while (m.size < 8) m.add(`u${Math.floor(rand() * users)}`);
      membersOf.push([...m]);
      for (const u of m) addMember.run(`c${c}`, u, now);
    }
    const addMessage = db.prepare(
      "INSERT INTO messages (id, conversation_id, sender_id, client_id, text, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const start = now - 2 * 365 * 24 * 3600_000;
    for (let i = 0; i < messages; i++) {
      const c = Math.floor(rand() * conversations);
      const sender = membersOf[c]![Math.floor(rand() * 8)]!;
      const length = 3 + Math.floor(rand() * 14);
      const text = Array.from({ length }, () => word(rand)).join(" ");
      addMessage.run(`m${i}`, `c${c}`, sender, `k${i}`, text, start + Math.floor((i / messages) * (now - start)));
      if (i % 100_000 === 99_999) {
        db.run("COMMIT");
        db.run("BEGIN");
      }
    }
    db.run("COMMIT");
    // The index is filled at the end of each transaction the store runs (store/search-index.ts).
    store.transaction(() => undefined);
    db.run("INSERT INTO messages_fts(messages_fts) VALUES ('optimize')");
    const buildSeconds = (performance.now() - t0) / 1000;
    const pageSize = db.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
    const pages = db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
    const ftsBytes = db
      .query<{ n: number }, []>(
        "SELECT (SELECT coalesce(sum(length(block)), 0) FROM messages_fts_data) + (SELECT coalesce(sum(length(sz)), 0) FROM messages_fts_docsize) + (SELECT count(*) * 16 FROM messages_fts_idx) AS n",
      )
      .get()!.n;

    // Who searches: a member of some conversation (about sixteen conversations, ~16,000 messages).
    const kinds: { query: string; make: () => { q: string; conversationId?: string } }[] = [
      { query: "common word (top 10)", make: () => ({ q: VOCABULARY[Math.floor(rand() * 10)]! }) },
      { query: "mid-frequency word (rank 100–500)", make: () => ({ q: VOCABULARY[100 + Math.floor(rand() * 400)]! }) },
      { query: "rare word (rank 3000+)", make: () => ({ q: VOCABULARY[3000 + Math.floor(rand() * 2000)]! }) },
      {
        query: "two words",
        make: () => ({ q: `${VOCABULARY[Math.floor(rand() * 50)]} ${VOCABULARY[50 + Math.floor(rand() * 500)]}` }),
      },
      {
        query: "prefix while typing (3 letters)",
        make: () => ({ q: VOCABULARY[Math.floor(rand() * 2000)]!.slice(0, 3) }),
      },
      {
        query: "one conversation, common word",
        make: () => ({ q: VOCABULARY[Math.floor(rand() * 10)]!, conversationId: "pick" }),
      },
      {
        query: "syntax characters (literal)",
        make: () => ({ q: `"${VOCABULARY[Math.floor(rand() * 100)]}* AND (NEAR(` }),
      },
    ];
    const rows = [];
    const { drizzle } = await import("drizzle-orm/bun-sqlite");
    const orm = store.db ?? drizzle(db);
    for (const kind of kinds) {
      const times: number[] = [];
      let results = 0;
      for (let i = 0; i < 200; i++) {
        const user = `u${Math.floor(rand() * users)}`;
        const made = kind.make();
        let conversationId: string | undefined;
        if (made.conversationId) {
          const mine = db
            .query<{ c: string }, [string]>("SELECT conversation_id AS c FROM members WHERE user_id = ?")
            .all(user);
          conversationId = mine[Math.floor(rand() * mine.length)]?.c;
        }
        const t = performance.now();
        const r = searchMessages(orm, user, { q: made.q, conversationId, limit: 20, offset: 0 });
        times.push(performance.now() - t);
        results += r.results.length;
      }
      times.sort((a, b) => a - b);
      rows.push({
        query: kind.query,
        p50: +times[Math.floor(times.length * 0.5)]!.toFixed(2),
        p95: +times[Math.floor(times.length * 0.95)]!.toFixed(2),
        results: Math.round(results / 200),
      });
    }
    store.close();
    return {
      messages,
      conversations,
      buildSeconds: +buildSeconds.toFixed(1),
      indexMb: +(ftsBytes / 2 ** 20).toFixed(1),
      databaseMb: +((pages * pageSize) / 2 ** 20).toFixed(1),
      rows,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printSearch(r: SearchBench): void {
  console.log(
    `\nSearch: ${r.messages.toLocaleString("en")} messages in ${r.conversations} conversations (built in ${r.buildSeconds} s); FTS5 index ${r.indexMb} MB of a ${r.databaseMb} MB database; 200 queries each, as a member of ~16 conversations, 20 results a page:`,
  );
  console.table(r.rows.map((x) => ({ query: x.query, "p50 ms": x.p50, "p95 ms": x.p95, "results (mean)": x.results })));
}

if (import.meta.main) {
  const [messages, conversations] = process.argv
    .slice(2)
    .filter((a) => !a.startsWith("--"))
    .map(Number);
  printSearch(await benchSearch(messages || undefined, conversations || undefined));
}
