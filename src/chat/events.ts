import { inArray, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { toPublicUser, type PublicUser } from "../accounts/users.ts";
import { toIso } from "../lib/time.ts";
import { events, messages, users } from "../store/schema.ts";
import { changesOf, connectionOf, prepared } from "../store/prepared.ts";
import { INSERT_EVENT } from "./send-sql.ts";
import { rowCache } from "../store/row-cache.ts";
import { toMessageViews } from "./message-reads.ts";
import type { Db } from "../store/store.ts";
import type { CallSummaryView, EventType, EventView, HandshakeView, ThreadSummary } from "../protocol/views.ts";
import { emptyThread, threadSummaries } from "./thread-summaries.ts";
import { loadHandshakes } from "../e2ee/handshakes.ts";
import { loadCallSummaries } from "./call-summaries.ts";
import { loadConversationViews, type ConversationView, type MessageView } from "./views.ts";

export type { EventType, EventView };

export type EventRow = typeof events.$inferSelect;

export interface NewEvent {
  type: EventType;
  conversationId: string;
  actorId: string | null;
  messageId?: string;
  subjectUserId?: string;
  /** Someone outside the conversation who must still see this event (the member just removed). */
  userId?: string;
  /** The call that ended (call.ended). */
  callId?: string;
  /** The encrypted group's Commit (mls.commit). */
  handshakeId?: number;
}

/** Compiled once per connection (the SQL is shared with the send thread). */
const insertEvent = prepared((db) => connectionOf(db).query(INSERT_EVENT));
const setCallId = prepared((db) => connectionOf(db).query("UPDATE events SET call_id = $callId WHERE id = $id"));
const setHandshakeId = prepared((db) =>
  connectionOf(db).query("UPDATE events SET handshake_id = $handshakeId WHERE id = $id"),
);

/** Appends an event in the caller's transaction; its id is the stream position. */
export function appendEvent(tx: Db, e: NewEvent, now: number): EventRow {
  const fields = {
    type: e.type,
    conversationId: e.conversationId,
    actorId: e.actorId,
    messageId: e.messageId ?? null,
    subjectUserId: e.subjectUserId ?? null,
    userId: e.userId ?? null,
    createdAt: now,
  };
  // No RETURNING (it costs more than the insert): the row is what was inserted, with its new id.
  const row = {
    ...fields,
    callId: e.callId ?? null,
    handshakeId: e.handshakeId ?? null,
    id: changesOf(insertEvent(tx).run(fields)).lastInsertRowid,
  };
  // Calls and Commits are rare: their ids are set apart, so the insert every send shares with the send
  // thread stays as it is.
  if (row.callId) setCallId(tx).run({ id: row.id, callId: row.callId });
  if (row.handshakeId) setHandshakeId(tx).run({ id: row.id, handshakeId: row.handshakeId });
  heads.forget(tx, e.conversationId);
  return row;
}

/** The send thread (chat/send-thread.ts) appended events to these conversations and committed. */
export function forgetLatestEventIds(db: Db, conversationIds: Iterable<string>): void {
  for (const id of conversationIds) heads.forget(db, id);
}

/** The id of the newest event, the position a fresh client starts from. */
export function latestEventId(db: Db): number {
  return db.$client.query<{ id: number | null }, []>("SELECT max(id) AS id FROM events").get()?.id ?? 0;
}

/**
 * The newest event of each conversation: its version, asked first by every history read (a page is kept
 * while it stays the same: chat/history-pages.ts). In memory (store/row-cache.ts), forgotten by
 * appendEvent, the only code that writes events.
 */
const heads = rowCache(
  (db: Db, conversationId: string) =>
    db.$client
      .query<{ id: number | null }, [string]>("SELECT max(id) AS id FROM events WHERE conversation_id = ?")
      .get(conversationId)?.id ?? 0,
  10_000,
);

/** The newest event of one conversation, 0 when it has none. */
export function latestEventIdOf(db: Db, conversationId: string): number {
  return heads.get(db, conversationId) ?? 0;
}

/** What is held for the conversation now, without loading: for the test that compares it with the database. */
export function peekLatestEventIdOf(db: Db, conversationId: string): number | undefined {
  return heads.peek(db, conversationId);
}

/**
 * Events the user may see after `since`, oldest first: those of conversations they are in, from the
 * moment they joined, and those addressed to them alone (their own removal).
 */
export function listEventRows(
  db: Db,
  userId: string,
  since: number,
  limit: number,
  until = Number.MAX_SAFE_INTEGER,
): EventRow[] {
  return db.$client
    .query<EventRow, [string, number, string, number, number, number]>(
      `SELECT e.id, e.type, e.conversation_id AS conversationId, e.user_id AS userId, e.actor_id AS actorId,
              e.message_id AS messageId, e.subject_user_id AS subjectUserId, e.call_id AS callId,
              e.handshake_id AS handshakeId, e.created_at AS createdAt
         FROM events e JOIN members m ON m.conversation_id = e.conversation_id AND m.user_id = ?1
        WHERE e.id > ?2 AND e.id <= ?6 AND e.id >= m.from_event_id
       UNION
       SELECT id, type, conversation_id, user_id, actor_id, message_id, subject_user_id, call_id, handshake_id,
              created_at
         FROM events WHERE user_id = ?3 AND id > ?4 AND id <= ?6
       ORDER BY 1 LIMIT ?5`,
    )
    .all(userId, since, userId, since, limit, until);
}

/**
 * What a stored event changes in who hears its conversation, as its publisher said when it committed
 * (chat/members.ts, chat/conversations.ts): for a node of a cluster that reads it from the store instead
 * (cluster/sequencer.ts). A conversation just created is joined by whoever is in it now.
 */
export function publishedChange(db: Db, row: EventRow): { join?: string[]; leave?: string[]; only?: string[] } {
  switch (row.type) {
    case "conversation.created":
      return {
        join: db.$client
          .query<{ id: string }, [string]>("SELECT user_id AS id FROM members WHERE conversation_id = ?")
          .all(row.conversationId)
          .map((m) => m.id),
      };
    case "member.added":
      return row.subjectUserId ? { join: [row.subjectUserId] } : {};
    case "member.removed":
      return row.userId ? { leave: [row.userId] } : {};
    case "conversation.deleted":
      return row.userId ? { leave: [row.userId], only: [row.userId] } : {};
    default:
      return {};
  }
}

/** Every event after `since` up to `until`, whoever it is for, oldest first (a node filling a gap). */
export function listAllEventRows(db: Db, since: number, until: number, limit: number): EventRow[] {
  return db.$client
    .query<EventRow, [number, number, number]>(
      `SELECT id, type, conversation_id AS conversationId, user_id AS userId, actor_id AS actorId,
              message_id AS messageId, subject_user_id AS subjectUserId, call_id AS callId,
              handshake_id AS handshakeId, created_at AS createdAt
         FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
    )
    .all(since, until, limit);
}

/** Turns stored events into what clients see, loading what they refer to in a few batched queries. */
export function renderEvents(db: Db, rows: EventRow[]): EventView[] {
  const messageIds = unique(rows.map((r) => r.messageId));
  const userIds = unique(rows.map((r) => r.subjectUserId));
  const convIds = unique(rows.filter((r) => carriesConversation.has(r.type)).map((r) => r.conversationId));

  const msgs = new Map<string, MessageView>();
  if (messageIds.length > 0) {
    const found = db.select().from(messages).where(inArray(messages.id, messageIds)).all();
    for (const v of toMessageViews(db, found)) msgs.set(v.id, v);
  }
  const people = new Map<string, UserRow>();
  if (userIds.length > 0)
    for (const u of db.select().from(users).where(inArray(users.id, userIds)).all()) people.set(u.id, u);
  const convs = loadConversationViews(db, convIds);
  const calls = loadCallSummaries(db, unique(rows.map((r) => r.callId)));
  const shakes = loadHandshakes(db, [...new Set(rows.flatMap((r) => (r.handshakeId ? [r.handshakeId] : [])))]);
  // A thread reply's events carry its thread's summary as it is now (like the message itself).
  const rootIds = unique([...msgs.values()].map((m) => m.threadRootId));
  const threads = threadSummaries(db, rootIds);

  return rows.map((r) => {
    const subject = r.subjectUserId ? people.get(r.subjectUserId) : undefined;
    return toEventView(r, {
      message: r.messageId ? msgs.get(r.messageId) : undefined,
      user: subject ? toPublicUser(subject) : undefined,
      conversation: convs.get(r.conversationId),
      call: r.callId ? calls.get(r.callId) : undefined,
      handshake: r.handshakeId ? shakes.get(r.handshakeId) : undefined,
      thread: threadPart(r, r.messageId ? msgs.get(r.messageId) : undefined, threads),
    });
  });
}

export function toEventView(
  r: EventRow,
  parts: {
    message?: MessageView;
    user?: PublicUser;
    conversation?: ConversationView;
    call?: CallSummaryView;
    handshake?: HandshakeView;
    thread?: EventView["thread"];
  },
): EventView {
  const view: EventView = {
    id: String(r.id),
    type: r.type as EventType,
    conversationId: r.conversationId,
    actorId: r.actorId,
    createdAt: toIso(r.createdAt)!,
  };
  if (r.messageId && parts.message) view.message = parts.message;
  if (r.subjectUserId && parts.user) view.user = parts.user;
  if (carriesConversation.has(r.type) && parts.conversation) view.conversation = parts.conversation;
  if (r.callId && parts.call) view.call = parts.call;
  if (r.handshakeId && parts.handshake) view.handshake = parts.handshake;
  if (parts.thread && parts.message?.threadRootId === parts.thread.rootId) view.thread = parts.thread;
  return view;
}

/** Events whose clients need the conversation as it is now (members, roles, rights). */
const carriesConversation = new Set([
  "conversation.created",
  "conversation.updated",
  "member.added",
  "member.role-changed",
  "conversation.encrypted",
]);

/** Events about a thread reply itself: they carry the thread's summary. */
const threadEvents = new Set(["message.created", "message.updated", "message.deleted"]);

function threadPart(
  r: EventRow,
  message: MessageView | undefined,
  threads: Map<string, ThreadSummary>,
): EventView["thread"] {
  if (!threadEvents.has(r.type) || !message?.threadRootId) return undefined;
  return { rootId: message.threadRootId, ...(threads.get(message.threadRootId) ?? emptyThread()) };
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== null))];
}

/** A page of the user's stream. `next` is the `since` for the following page; `more` says whether to ask. */
export function listEvents(
  db: Db,
  userId: string,
  since: number,
  limit: number,
  /** The newest event to include: a replay stops at what is on disk (store/durability.ts). */
  until?: number,
): { events: EventView[]; next: string; more: boolean } {
  const rows = listEventRows(db, userId, since, limit + 1, until);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { events: renderEvents(db, page), next: String(page.at(-1)?.id ?? since), more };
}
