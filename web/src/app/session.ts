// Starts and stops everything that lives while someone is signed in: the socket, the chat state, the outbox.
import type { Person, User } from "./api.ts";
import {
  confirmDelivery,
  loadPresence,
  loadReceipts,
  onPresence,
  onReceipt,
  onTyping,
  resetActivity,
  stoppedTyping,
} from "./activity.ts";
import {
  applyEvent,
  applyProfile,
  applySummary,
  conversations,
  forgetList,
  loadConversations,
  openId,
  reset,
  upsertMessage,
} from "./chats.ts";
import { retryFailed } from "./chat-history.ts";
import { onCallError, onCallFrame, rejoinAfterReconnect, resetCalls, setCallUser } from "./calls.ts";
import { connect, disconnect } from "./connection.ts";
import { refreshPush } from "./push.ts";
import { acknowledged, connectionLost, flush, loadOutbox, refused } from "./outbox.ts";
import { followEncrypted, onEncryptedEvent, setE2eeUser } from "./e2ee.ts";

export interface SessionHooks {
  /** The account changed (rename) or the session ended elsewhere. */
  userChanged(user: User | null): void;
  /** Someone's name or picture changed (mine too, from another device). */
  profileChanged(user: Person): void;
}

export async function startSession(user: User, hooks: SessionHooks): Promise<void> {
  reset(user.id);
  setCallUser(user.id);
  setE2eeUser(user.id);
  void refreshPush().catch(() => {});
  await loadOutbox(user.id);
  connect({
    ready(fresh, resumed) {
      hooks.userChanged(fresh);
      // A resumed socket replays what it missed; a fresh one (first start) loads the list anew.
      if (!resumed) {
        // A fresh start replays nothing: the newest message of each conversation is what this device
        // has now received, which the senders see as "delivered".
        void loadConversations().then(
          () => {
            for (const c of conversations.value.values())
              if (c.lastMessage && c.lastMessage.sender.id !== user.id) confirmDelivery(c.id, c.lastMessage.id);
          },
          () => {},
        );
      } else retryFailed();
      flush();
      // The server tells every live socket of the calls going on; this device takes its place back in its own.
      resetCalls();
      if (resumed) rejoinAfterReconnect();
      // Presence and receipts are not in the event stream: ask for them anew after every connect.
      resetActivity();
      void loadPresence().catch(() => {});
      if (openId.value) void loadReceipts(openId.value).catch(() => {});
    },
    event(e) {
      applyEvent(e);
      onEncryptedEvent(e, conversations.value.get(e.conversationId));
      // Someone new to share a conversation with: who of them is here was not in the last answer.
      if (e.type === "conversation.created" || (e.type === "member.added" && e.user?.id === user.id))
        void loadPresence().catch(() => {});
      if (e.type === "message.created" && e.message && e.message.sender.id !== user.id) {
        stoppedTyping(e.conversationId, e.message.sender.id);
        confirmDelivery(e.conversationId, e.message.id);
      }
    },
    signal(frame) {
      if (frame.type === "presence") onPresence(frame);
      else if (frame.type === "typing" && frame.userId !== user.id) onTyping(frame);
      else if (frame.type === "receipt" && frame.userId !== user.id) onReceipt(frame);
      else if (frame.type === "summary" && frame.conversation) applySummary(frame.conversation);
      else if (frame.type === "call" || frame.type === "call.joined" || frame.type === "call.signal")
        onCallFrame(frame);
      else if (frame.type === "profile") {
        applyProfile(frame.user);
        // My own, changed on another device: the account menu and profile show it too.
        hooks.profileChanged(frame.user);
      }
    },
    ack(id, message) {
      if (id) acknowledged(id);
      upsertMessage(message);
      if (message.encrypted) followEncrypted(message.conversationId, [message]);
    },
    error(id, code, message, retryAfter) {
      if (id?.startsWith("call:")) onCallError(message);
      else if (id) refused(id, code, message, retryAfter);
    },
    signedOut() {
      reset(null);
      hooks.userChanged(null);
    },
    dropped: connectionLost,
  });
}

/** Signing out: the socket closes and what this browser kept of the account's chats is forgotten. */
export function stopSession(): void {
  setCallUser(null);
  setE2eeUser(null);
  disconnect();
  forgetList();
  reset(null);
}
