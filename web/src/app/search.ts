// Message search, and the jump from a result to the message in its conversation.
import { signal } from "@preact/signals";
import { api, type Message } from "./api.ts";
import { conversations, timelines } from "./chats.ts";
import { searchKept } from "./e2ee.ts";
import { loadHistory } from "./chat-history.ts";

export interface SearchHit {
  message: Message;
  conversation: { id: string; type: "direct" | "group"; title: string | null };
  snippet: string;
  highlights: [number, number][];
}

export interface SearchFilters {
  conversationId?: string;
  senderId?: string;
  /** yyyy-mm-dd, local days. */
  from?: string;
  to?: string;
  hasFile?: boolean;
}

export async function searchMessages(
  q: string,
  f: SearchFilters,
  offset = 0,
): Promise<{ results: SearchHit[]; more: boolean; didYouMean?: string }> {
  const params = new URLSearchParams({ q, limit: "20", offset: String(offset) });
  if (f.conversationId) params.set("conversationId", f.conversationId);
  if (f.senderId) params.set("senderId", f.senderId);
  if (f.from) params.set("from", new Date(`${f.from}T00:00:00`).toISOString());
  // "To" includes the whole day.
  if (f.to) params.set("to", new Date(new Date(`${f.to}T00:00:00`).getTime() + 86_400_000).toISOString());
  if (f.hasFile) params.set("hasFile", "true");
  return api("GET", `/search/messages?${params}`);
}

/**
 * Search over end-to-end encrypted conversations, which the server cannot do: on this device, over what it
 * read (e2ee/kept-messages.ts), with the same filters. Results look like the server's.
 */
export async function searchHere(q: string, f: SearchFilters): Promise<SearchHit[]> {
  const encrypted = [...conversations.value.values()].filter((c) => c.encryptedAt);
  if (encrypted.length === 0 || (f.conversationId && !encrypted.some((c) => c.id === f.conversationId))) return [];
  const from = f.from ? new Date(`${f.from}T00:00:00`).toISOString() : "";
  const to = f.to ? new Date(new Date(`${f.to}T00:00:00`).getTime() + 86_400_000).toISOString() : "\uffff";
  const found = await searchKept(
    q,
    (m) =>
      (!f.conversationId || m.conversationId === f.conversationId) &&
      (!f.senderId || m.sender.id === f.senderId) &&
      m.createdAt >= from &&
      m.createdAt < to &&
      (!f.hasFile || m.content.files.length > 0),
  );
  return found.map((m) => {
    const c = conversations.value.get(m.conversationId);
    return {
      ...snippetOf(m.content.text, q),
      conversation: { id: m.conversationId, type: c?.type ?? "group", title: c?.title ?? null },
      message: {
        id: m.id,
        conversationId: m.conversationId,
        clientId: "",
        text: "",
        replyToId: null,
        threadRootId: null,
        thread: null,
        preview: null,
        createdAt: m.createdAt,
        editedAt: null,
        deletedAt: null,
        deleted: false,
        sender: m.sender,
        reactions: [],
        mentions: { userIds: [], everyone: false },
        pinned: false,
        forwardedFrom: null,
        attachments: [],
      },
    };
  });
}

/** Up to 160 characters around the first word found, with every word found marked. */
function snippetOf(text: string, q: string): { snippet: string; highlights: [number, number][] } {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const lower = text.toLowerCase();
  const first = Math.min(...words.map((w) => lower.indexOf(w)).filter((i) => i >= 0), text.length);
  const start = Math.max(0, first - 60);
  const snippet = (start > 0 ? "…" : "") + text.slice(start, start + 160);
  const highlights: [number, number][] = [];
  const shown = snippet.toLowerCase();
  for (const w of words)
    for (let i = shown.indexOf(w); i >= 0; i = shown.indexOf(w, i + w.length)) highlights.push([i, i + w.length]);
  return {
    snippet,
    highlights: highlights.sort((a, b) => a[0] - b[0]).filter((h, i, all) => i === 0 || h[0] >= all[i - 1]![1]),
  };
}

/** The message a search result asked to show; the conversation view scrolls to it and lights it up. */
export const jumpTo = signal<{ conversationId: string; messageId: string } | null>(null);

/** Loads older pages until the message is in the timeline (or the start of the conversation is reached). */
export async function loadUntil(conversationId: string, messageId: string, maxPages = 200): Promise<boolean> {
  for (let i = 0; i < maxPages; i++) {
    const t = timelines.value.get(conversationId);
    if (t?.messages.some((m) => m.id === messageId)) return true;
    if (t && !t.hasOlder) return false;
    await loadHistory(conversationId, Boolean(t));
    // Another load already under way: let it finish.
    if (timelines.value.get(conversationId)?.loading) await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
