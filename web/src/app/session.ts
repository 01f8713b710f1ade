// Starts and stops everything that lives while someone is signed in: the socket, the chat state, the outbox.
import type { User } from "./api.ts";
import { applyEvent, forgetList, loadConversations, reset, retryFailed, upsertMessage } from "./chats.ts";
import { connect, disconnect } from "./connection.ts";
import { acknowledged, connectionLost, flush, loadOutbox, refused } from "./outbox.ts";

export interface SessionHooks {
  /** The account changed (rename) or the session ended elsewhere. */
  userChanged(user: User | null): void;
}

export async function startSession(user: User, hooks: SessionHooks): Promise<void> {
  reset(user.id);
  await loadOutbox(user.id);
  connect({
    ready(fresh, resumed) {
      hooks.userChanged(fresh);
      // A resumed socket replays what it missed; a fresh one (first start) loads the list anew.
      if (!resumed) void loadConversations().catch(() => {});
      else retryFailed();
      flush();
    },
    event: applyEvent,
    ack(id, message) {
      acknowledged(id);
      upsertMessage(message);
    },
    error(id, code, message, retryAfter) {
      if (id) refused(id, code, message, retryAfter);
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
  disconnect();
  forgetList();
  reset(null);
}
