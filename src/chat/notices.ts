// The changes to a conversation that clients show as a line among its messages ("Ana added Ben"):
// read from the event stream itself, so history and live updates tell the same story.
import { toPublicUser, type PublicUser } from "../accounts/users.ts";
import { toIso } from "../lib/time.ts";
import type { Db } from "../store/store.ts";
import type { NoticeView } from "../protocol/views.ts";
import { NOTICE_TYPES } from "../protocol/notices.ts";
import { inArray } from "drizzle-orm";
import { users } from "../store/schema.ts";
import { loadCallSummaries } from "./call-summaries.ts";

export { NOTICE_TYPES };

/** A change shown among the messages: the contract's NoticeView. */
export type Notice = NoticeView;

/** Notices of a conversation with event ids in [from, to), oldest first. */
export function listNotices(db: Db, conversationId: string, from: number, to: number): Notice[] {
  const rows = db.$client
    .query<
      {
        id: number;
        type: Notice["type"];
        createdAt: number;
        actorId: string | null;
        subjectId: string | null;
        callId: string | null;
      },
      [string, number, number]
    >(
      `SELECT id, type, created_at AS createdAt, actor_id AS actorId, subject_user_id AS subjectId, call_id AS callId
         FROM events
        WHERE conversation_id = ?1 AND id >= ?2 AND id < ?3
          AND type IN (${NOTICE_TYPES.map((t) => `'${t}'`).join(", ")})
        ORDER BY id`,
    )
    .all(conversationId, from, to);
  const ids = [...new Set(rows.flatMap((r) => [r.actorId, r.subjectId]).filter((x): x is string => x !== null))];
  const people = new Map<string, PublicUser>();
  if (ids.length > 0)
    for (const u of db.select().from(users).where(inArray(users.id, ids)).all()) people.set(u.id, toPublicUser(u));
  const calls = loadCallSummaries(db, [...new Set(rows.map((r) => r.callId).filter((x): x is string => x !== null))]);
  return rows.map((r) => {
    const call = r.callId ? calls.get(r.callId) : undefined;
    return {
      id: String(r.id),
      type: r.type,
      actor: r.actorId ? (people.get(r.actorId) ?? null) : null,
      subject: r.subjectId ? (people.get(r.subjectId) ?? null) : null,
      createdAt: toIso(r.createdAt)!,
      ...(call ? { call } : {}),
    };
  });
}
