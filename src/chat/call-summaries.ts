// Calls that happened (call_log), as events and notices show them.
import { inArray } from "drizzle-orm";
import { toIso } from "../lib/time.ts";
import type { CallSummaryView } from "../protocol/views.ts";
import { callLog } from "../store/schema.ts";
import type { Db } from "../store/store.ts";

export type CallRow = typeof callLog.$inferSelect;

export function toCallSummary(r: CallRow): CallSummaryView {
  return {
    id: r.id,
    media: r.media,
    startedBy: r.startedBy,
    startedAt: toIso(r.startedAt)!,
    endedAt: toIso(r.endedAt)!,
    answered: r.answered,
    participants: r.participants,
  };
}

/** The calls of these ids, for events and notices that name them. */
export function loadCallSummaries(db: Db, ids: string[]): Map<string, CallSummaryView> {
  const out = new Map<string, CallSummaryView>();
  if (ids.length === 0) return out;
  for (const r of db.select().from(callLog).where(inArray(callLog.id, ids)).all()) out.set(r.id, toCallSummary(r));
  return out;
}
