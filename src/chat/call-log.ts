// Calls that happened, kept for the conversation's history: written when a call ends, as a row of call_log
// and a "call.ended" event in the conversation's stream, which clients show as a line among the messages
// ("Video call · 12 min · 3 people", "Missed call") and which reaches everyone live like any other event.
import { eq } from "drizzle-orm";
import { callLog, conversations } from "../store/schema.ts";
import { toCallSummary, type CallRow } from "./call-summaries.ts";
import type { Chat } from "./context.ts";
import { appendEvent, toEventView } from "./events.ts";

export interface EndedCall {
  id: string;
  conversationId: string;
  media: "audio" | "video";
  startedBy: string;
  startedAt: number;
  endedAt: number;
  answered: boolean;
  participants: number;
}

/** Writes an ended call and its event; the event is published once committed. */
export function recordCall(chat: Chat, call: EndedCall): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    // A conversation deleted meanwhile keeps no history.
    if (!tx.select({ id: conversations.id }).from(conversations).where(eq(conversations.id, call.conversationId)).get())
      return;
    const row: CallRow = { ...call, startedBy: call.startedBy };
    tx.insert(callLog).values(row).run();
    const event = appendEvent(
      tx,
      { type: "call.ended", conversationId: call.conversationId, actorId: call.startedBy, callId: call.id },
      call.endedAt,
    );
    afterCommit(() => chat.publisher.publish(toEventView(event, { call: toCallSummary(row) })));
  });
}
