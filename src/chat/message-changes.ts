// Announcing a change to a message that is not its text (reactions, pins, its link preview): the decorated message goes out
// as an event after commit.
import type { Db } from "../store/store.ts";
import type { Chat } from "./context.ts";
import { appendEvent, toEventView } from "./events.ts";
import { toMessageViews } from "./message-reads.ts";
import { type MessageRow, type MessageView } from "./views.ts";

/** Records the event and publishes the message as it now looks, after commit; returns that view. */
export function announceMessageChange(
  tx: Db,
  afterCommit: (cb: () => void) => void,
  chat: Chat,
  type: "message.reactions" | "message.pinned" | "message.unpinned" | "message.preview",
  actorId: string,
  row: MessageRow,
): MessageView {
  const [message] = toMessageViews(tx, [row]);
  const event = appendEvent(tx, { type, conversationId: row.conversationId, actorId, messageId: row.id }, Date.now());
  afterCommit(() => chat.publisher.publish(toEventView(event, { message })));
  return message!;
}
