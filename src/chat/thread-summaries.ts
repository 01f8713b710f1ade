// A thread's summary on its first message ("3 replies · last 5 min ago", who replied): read with every list
// of messages (chat/message-reads.ts) and carried by a reply's events. Apart from chat/threads.ts, which
// writes threads and reads messages, so that neither imports the other.
import { toIso } from "../lib/time.ts";
import { connectionOf } from "../store/prepared.ts";
import type { Db } from "../store/store.ts";
import type { ThreadSummary } from "../protocol/views.ts";

/** How many of a thread's repliers its summary names. */
const SHOWN_PARTICIPANTS = 5;

/**
 * The summaries of these messages' threads (those with replies not deleted), in one statement over the
 * thread index: per thread and replier, how many replies and the newest.
 */
export function threadSummaries(db: Db, rootIds: string[]): Map<string, ThreadSummary> {
  const out = new Map<string, ThreadSummary>();
  if (rootIds.length === 0) return out;
  const rows = connectionOf(db)
    .query<{ rootId: string; senderId: string; replies: number; lastSeq: number; lastAt: number }, [string]>(
      `SELECT thread_root_id AS rootId, sender_id AS senderId, count(*) AS replies, max(seq) AS lastSeq,
              max(created_at) AS lastAt
         FROM messages
        WHERE thread_root_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL
        GROUP BY thread_root_id, sender_id
        ORDER BY lastSeq DESC`,
    )
    .all(JSON.stringify(rootIds));
  const newest = new Map<string, number>();
  for (const r of rows) {
    const summary = out.get(r.rootId);
    if (!summary) {
      out.set(r.rootId, { replyCount: r.replies, lastReplyAt: toIso(r.lastAt)!, participantIds: [r.senderId] });
      newest.set(r.rootId, r.lastAt);
      continue;
    }
    summary.replyCount += r.replies;
    if (r.lastAt > newest.get(r.rootId)!) {
      newest.set(r.rootId, r.lastAt);
      summary.lastReplyAt = toIso(r.lastAt)!;
    }
    if (summary.participantIds.length < SHOWN_PARTICIPANTS) summary.participantIds.push(r.senderId);
  }
  return out;
}

/** A thread whose replies were all deleted. */
export function emptyThread(): ThreadSummary {
  return { replyCount: 0, lastReplyAt: null, participantIds: [] };
}

/** One thread's summary as a reply's event carries it. */
export function threadOf(db: Db, rootId: string): ThreadSummary & { rootId: string } {
  return { rootId, ...(threadSummaries(db, [rootId]).get(rootId) ?? emptyThread()) };
}
