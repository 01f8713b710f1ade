// A conversation's history as the user scrolls back: the newest page first, older pages on request.
import { api, ApiError, type Message, type Notice } from "./api.ts";
import { conversationPath, conversations, dropTimeline, myUserId, setTimeline, timelines } from "./chats.ts";
import { savedHistory } from "./history-cache.ts";
import { followEncrypted } from "./e2ee.ts";

const PAGE = 50;

/** Loads the newest page the first time, and older pages on request (scrolling up). */
export async function loadHistory(id: string, older = false): Promise<void> {
  const t = timelines.value.get(id);
  if (t?.loading || (t && !older) || (t && older && !t.hasOlder)) return;
  setTimeline(id, {
    messages: t?.messages ?? [],
    notices: t?.notices ?? [],
    hasOlder: t?.hasOlder ?? true,
    loading: true,
  });
  try {
    const before = older && t?.messages[0] ? `&before=${encodeURIComponent(t.messages[0].id)}` : "";
    const page = await api<{ messages: Message[]; more: boolean; notices: Notice[] }>(
      "GET",
      `${conversationPath(id)}/messages?limit=${PAGE}${before}`,
    );
    const now = timelines.value.get(id) ?? { messages: [], notices: [], hasOlder: true, loading: true };
    const seen = new Set(now.messages.map((m) => m.id));
    const earlier = page.messages.filter((m) => !seen.has(m.id)).reverse();
    const known = new Set(now.notices.map((n) => n.id));
    const notices = [...page.notices.filter((n) => !known.has(n.id)), ...now.notices].sort(
      (a, b) => Number(a.id) - Number(b.id),
    );
    setTimeline(id, { messages: [...earlier, ...now.messages], notices, hasOlder: page.more, loading: false });
    // An encrypted conversation: this device registers (if new), joins or catches up, and reads the page.
    if (conversations.value.get(id)?.encryptedAt || earlier.some((m) => m.encrypted)) followEncrypted(id, earlier);
  } catch (err) {
    const now = timelines.value.get(id);
    // Offline on a first page: what this device kept of it shows meanwhile (marked failed, so the next
    // connection to the server loads it anew: retryFailed).
    const kept =
      !older && err instanceof ApiError && err.code === "OFFLINE" && myUserId() && !now?.messages.length
        ? await savedHistory(myUserId()!, id)
        : null;
    if (kept && kept.messages.length > 0) {
      setTimeline(id, { messages: kept.messages, notices: kept.notices, hasOlder: true, loading: false, failed: true });
      // Encrypted messages show what this device read of them (kept in its vault).
      if (kept.messages.some((m) => m.encrypted)) followEncrypted(id, kept.messages);
      return;
    }
    // A first page that failed is marked so: the next connection to the server tries again (retryFailed).
    if (now) setTimeline(id, { ...now, loading: false, failed: now.failed || now.messages.length === 0 });
    throw err;
  }
}

/** Forgets timelines whose first page failed, so the views showing them load again (after reconnecting). */
export function retryFailed(): void {
  const failed = [...timelines.value].filter(([, t]) => t.failed).map(([id]) => id);
  for (const id of failed) dropTimeline(id);
}
