// What the hot paths cost, as counts rather than timings: SQL statements executed, rows read, transactions,
// JSON serialisations and pub/sub publishes for one send into a 100-member group, one history page, one hello
// and one reconnect. The counts are deterministic; each budget below is what the path costs today. A change
// that adds per-message or per-recipient work fails here and must raise a budget on purpose, in review; a
// change that saves work lowers it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { insertPeople, setUp, startTestServer, waitFor, type TestServer } from "./harness.ts";
import { TestSocket } from "./ws-client.ts";

/** Budgets: the most each path may cost. Why each is what it is stands beside it. */
const BUDGET = {
  send: {
    // The insert (a retry is caught by the unique index, not a lookup first), my read marker, the event,
    // their savepoint, and SQLite's data_version once per turn of the event loop (row caches:
    // store/row-cache.ts; the ack and fan-out come in a later turn, after the sync, and ask again); then,
    // once per transaction however many messages it holds, the search index brought up to date
    // (store/search-index.ts: the newest seq, one INSERT … SELECT, its progress) and the newest event id
    // (what a replay may send once the commit is on disk: store/durability.ts). Sender, membership,
    // rights and who could get a push come from memory (chat/roster.ts), so nothing here grows with the
    // group: no row per member.
    statements: 11,
    // The inserts return nothing (no RETURNING: the rows are what was written), so what is read is
    // data_version twice and the search index's newest seq and the newest event id.
    rowsRead: 4,
    transactions: 1,
    // The ack to the sender, and the event once for its topic.
    serializations: 2,
    publishes: 1,
  },
  // The same send written by the send thread (chat/send-thread.ts), its statements counted there: the same
  // writes and search index, minus the newest event id (the thread says which it wrote), plus data_version
  // read three times around the thread's commit (the event loop's look while the thread holds the lock, its
  // new baseline after the commit, and the thread's own before committing: the handshake that keeps the row
  // caches exact). Still nothing per member.
  sendOnThread: { statements: 13, rowsRead: 6, transactions: 1, serializations: 2, publishes: 1 },
  // The page, its decoration (threads' summaries, reactions, mentions, pins, files, link previews: one statement each for
  // the whole page;
  // forwards come with the page's rows), the notices in its stretch, the conversation's newest event (the
  // page's version: chat/history-pages.ts) and the row caches' data_version check; then what the caches
  // did not hold yet: this reader's session (their first request), and the sender's row (forgotten when
  // their last-seen time was written as they went offline).
  historyPage: { statements: 14, rowsRead: 57, transactions: 0 },
  // The same page read again (by the same reader, whose session is now in memory) while nothing in it
  // changed: the data_version check alone (its version, the conversation's newest event, is held in memory
  // and forgotten by every new event: chat/events.ts).
  historyPageAgain: { statements: 1, rowsRead: 1, transactions: 0 },
  // Session and user, the stream head, membership (asked twice: for the topics and for presence) and the
  // row caches' data_version check (a fresh hello starts at the head it just read: no replay page to ask
  // for); going online and going offline each write the
  // last-seen time (two transactions, or one when both land in the same batch), and each transaction asks
  // whether the search index is behind (the newest seq) and notes the newest event (durability).
  hello: { statements: 16, rowsRead: 10, transactions: 2 },
  // The same as a hello, plus one replay page of 20 events (their messages decorated in one batch, threads'
  // summaries and link previews included) and the ready frame and 20 event frames serialised for this socket alone.
  reconnect: { statements: 22, rowsRead: 48, transactions: 2, serializations: 21 },
};

let s: TestServer;
let admin: { token: string; user: { id: string } };
let group: string;
const tokens: string[] = [];

/** A server with an admin, 99 more people signed in, and their group of 100 with 60 messages. */
async function budgetServer(sendThread: "on" | "off") {
  const server = await startTestServer({ sendThread });
  const owner = await setUp(server);
  // 99 more people, made straight in the database (registering each would hash 99 passwords).
  const people = insertPeople(server, "budget", 99);
  const hundred = (
    await server.call("POST", "/api/v1/conversations", {
      token: owner.token,
      body: { type: "group", title: "Hundred", memberIds: people.map((p) => p.id) },
    })
  ).body.conversation.id;
  for (let i = 0; i < 60; i++)
    await server.call("POST", `/api/v1/conversations/${hundred}/messages`, {
      token: owner.token,
      body: { clientId: `seed-${i}`, text: `seed ${i}` },
    });
  await server.idle();
  return { server, owner, group: hundred, tokens: people.map((p) => p.token) };
}

// Everything measured on the event loop's own writes, except the one send measured on the send thread.
beforeAll(async () => {
  const made = await budgetServer("off");
  ({ server: s, owner: admin, group } = made);
  tokens.push(...made.tokens);
});
afterAll(() => s.stop());

type Work = Awaited<ReturnType<typeof cost>>;

/** The counts over their budget, as "statements 19 > 18": empty when the path is within it. */
function overBudget(spent: Work, budget: Partial<Work>): string[] {
  return Object.entries(budget)
    .filter(([k, max]) => spent[k as keyof Work] > max!)
    .map(([k, max]) => `${k} ${spent[k as keyof Work]} > ${max}`);
}

/** The work done by `act` and everything it set off after commit. */
async function cost(act: () => Promise<unknown>, server: TestServer = s) {
  const { store, hub } = server.running.app.deps;
  await server.idle();
  const before = { ...store.work, ...hub.work };
  await act();
  await server.idle();
  const after = { ...store.work, ...hub.work };
  return {
    statements: after.statements - before.statements,
    rowsRead: after.rowsRead - before.rowsRead,
    transactions: after.transactions - before.transactions,
    serializations: after.serializations - before.serializations,
    publishes: after.publishes - before.publishes,
  };
}

describe("work budgets", () => {
  test("one send into a 100-member group with ten of them connected", async () => {
    const online = await Promise.all(tokens.slice(0, 10).map((t) => TestSocket.ready(s.url, t)));
    const sender = await TestSocket.ready(s.url, admin.token);
    // A first send warms what is cached; the second is the one measured.
    await sender.request({ type: "send", id: "warm", conversationId: group, clientId: "budget-warm", text: "warm" });
    const spent = await cost(() =>
      sender.request({ type: "send", id: "b1", conversationId: group, clientId: "budget-1", text: "measured" }),
    );
    for (const ws of [...online, sender]) ws.close();
    // Gone on the server too (their last-seen writes done), or they would be counted in the next test.
    const { hub } = s.running.app.deps;
    await waitFor(
      () =>
        [admin.user.id, ...Array.from({ length: 10 }, (_, i) => `budget-${i}`)].every((id) => hub.socketsOf(id) === 0),
      "the sockets to close",
    );
    await s.idle();
    expect(overBudget(spent, BUDGET.send)).toEqual([]);
  });

  test("one send into a 100-member group written by the send thread", async () => {
    const t = await budgetServer("on");
    try {
      const sender = await TestSocket.ready(t.server.url, t.owner.token);
      const online = await Promise.all(t.tokens.slice(0, 10).map((token) => TestSocket.ready(t.server.url, token)));
      await sender.request({ type: "send", id: "warm", conversationId: t.group, clientId: "warm", text: "warm" });
      const spent = await cost(
        () => sender.request({ type: "send", id: "b1", conversationId: t.group, clientId: "b1", text: "measured" }),
        t.server,
      );
      for (const ws of [...online, sender]) ws.close();
      // Written there: the thread committed every send of this server.
      expect(t.server.running.app.deps.chat.queue.stats().offThreadBatches).toBeGreaterThan(60);
      expect(overBudget(spent, BUDGET.sendOnThread)).toEqual([]);
    } finally {
      await t.server.stop();
    }
  });

  test("one page of 50 messages of history", async () => {
    const spent = await cost(() =>
      s.call("GET", `/api/v1/conversations/${group}/messages?limit=50`, { token: tokens[20] }),
    );
    expect(overBudget(spent, BUDGET.historyPage)).toEqual([]);
    const again = await cost(() =>
      s.call("GET", `/api/v1/conversations/${group}/messages?limit=50`, { token: tokens[20] }),
    );
    expect(overBudget(again, BUDGET.historyPageAgain)).toEqual([]);
  });

  test("one hello, and one reconnect that replays twenty missed events", async () => {
    const hello = await cost(async () => (await TestSocket.ready(s.url, tokens[30]!)).close());
    expect(overBudget(hello, BUDGET.hello)).toEqual([]);

    const first = await TestSocket.ready(s.url, tokens[31]!);
    const since = (await first.next((f) => f.type === "ready")).lastEventId as string;
    first.close();
    await first.closed;
    for (let i = 0; i < 20; i++)
      await s.call("POST", `/api/v1/conversations/${group}/messages`, {
        token: admin.token,
        body: { clientId: `missed-${i}`, text: `missed ${i}` },
      });
    const again = await cost(async () => {
      const ws = await TestSocket.ready(s.url, tokens[31]!, since);
      await ws.waitForEvents(20, "message.created");
      ws.close();
    });
    expect(overBudget(again, BUDGET.reconnect)).toEqual([]);
  });
});
