import type { Background } from "../lib/background.ts";
import type { KeyedTokenBuckets } from "../lib/token-bucket.ts";
import type { FileStore } from "../files/file-store.ts";
import type { Store } from "../store/store.ts";
import type { WriteQueue } from "../store/write-queue.ts";
import type { SignalFrame } from "../protocol/frames.ts";
import type { EventView } from "../protocol/views.ts";

/**
 * How the chat domain announces committed events. The realtime hub implements it; the domain never
 * imports the hub. Called after commit only, so nothing is announced that could still roll back.
 */
export interface ChatPublisher {
  /**
   * Delivers event to the conversation's connected members. `join` are subscribed to the conversation
   * before it is sent (they receive it); `leave` are unsubscribed first and then get it addressed to them.
   * `only`: the event is for these people alone (their user topics), not for the conversation.
   */
  publish(event: EventView, change?: { join?: string[]; leave?: string[]; only?: string[] }): void;
  /**
   * Sends a frame that is not part of the event stream (receipts, a member's own unread state): to a
   * conversation's connected members, or to some people's own topics. Lost if nobody is connected.
   */
  notify(to: { conversationId?: string; userIds?: string[] }, frame: SignalFrame): void;
  /**
   * A frame this node's sockets already had (typing, sent to all but the typing socket): for the sockets on
   * the other nodes of a cluster. Nothing on a single node.
   */
  relay(to: { conversationId?: string; userIds?: string[] }, frame: SignalFrame): void;
}

export interface Chat {
  store: Store;
  /** Where message attachments' bytes live. */
  files: FileStore;
  queue: WriteQueue;
  publisher: ChatPublisher;
  /** Work after commit that nobody waits for (`…Later`): logged when it fails, awaited by tests. */
  background: Background;
  /** Sends per person per second (PARLEY_SEND_RATE), over every socket and the HTTP API together. */
  sendLimit: KeyedTokenBuckets;
  /**
   * True when sends of words alone are written by the send thread (chat/send-thread.ts, PARLEY_SEND_THREAD)
   * through queue.runOffThread, false when everything is written on the event loop.
   */
  sendThread: boolean;
}
