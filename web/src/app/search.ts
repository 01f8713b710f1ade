// Message search, and the jump from a result to the message in its conversation.
import { signal } from "@preact/signals";
import { api, type Message } from "./api.ts";
import { timelines } from "./chats.ts";
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
): Promise<{ results: SearchHit[]; more: boolean }> {
  const params = new URLSearchParams({ q, limit: "20", offset: String(offset) });
  if (f.conversationId) params.set("conversationId", f.conversationId);
  if (f.senderId) params.set("senderId", f.senderId);
  if (f.from) params.set("from", new Date(`${f.from}T00:00:00`).toISOString());
  // "To" includes the whole day.
  if (f.to) params.set("to", new Date(new Date(`${f.to}T00:00:00`).getTime() + 86_400_000).toISOString());
  if (f.hasFile) params.set("hasFile", "true");
  return api("GET", `/search/messages?${params}`);
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
