// Each conversation's newest page kept on this device (IndexedDB), so that after a reload without a
// connection the conversations still show what was last seen in them, not only what waits in the outbox.
// Written a moment after a timeline changes; read only when the server cannot be reached; forgotten on
// signing out (a shared computer keeps nothing).
import type { Message, Notice } from "./api.ts";
import { idbClear, idbGet, idbPut } from "./idb.ts";

/** As many of the newest messages as a first page holds: what opening a conversation shows. */
const KEEP = 50;

interface Saved {
  conversationId: string;
  userId: string;
  messages: Message[];
  notices: Notice[];
  savedAt: string;
}

export function saveHistory(userId: string, conversationId: string, messages: Message[], notices: Notice[]): void {
  const kept = messages.slice(-KEEP);
  const from = kept[0]?.createdAt ?? "";
  const saved: Saved = {
    conversationId,
    userId,
    messages: kept,
    notices: notices.filter((n) => n.createdAt >= from),
    savedAt: new Date().toISOString(),
  };
  idbPut("history", saved).catch(() => {});
}

/** What was kept of a conversation for this account, if anything. */
export async function savedHistory(
  userId: string,
  conversationId: string,
): Promise<{ messages: Message[]; notices: Notice[] } | null> {
  const saved = await idbGet<Saved>("history", conversationId).catch(() => undefined);
  return saved && saved.userId === userId ? { messages: saved.messages, notices: saved.notices } : null;
}

export function forgetHistory(): void {
  idbClear("history").catch(() => {});
}
