// Threads in the web app: which one is open (from the address, /c/<conversation>/thread/<first message>),
// its replies (a timeline keyed threadKey(rootId) beside the conversations' own: chats.ts keeps both), my
// threads per conversation with their unread counts, and my read position in each.
import { computed, signal } from "@preact/signals";
import { api, type Message, type ThreadView } from "./api.ts";
import { conversationPath, conversations, setTimeline, timelines } from "./chats.ts";
import { threadKey } from "./chat-reducer.ts";
import { followEncrypted } from "./e2ee.ts";
import { navigate, path } from "./navigation.ts";

/** A thread longer than this shows its newest replies only (the server pages; nobody scrolls that far). */
const MAX_REPLIES = 1000;
const PAGE = 100;

export { threadKey };

/** Where the app is: a conversation, and a thread of it if one is open. */
export function placeOf(p: string): { conversationId: string | null; rootId: string | null } {
  if (!p.startsWith("/c/")) return { conversationId: null, rootId: null };
  const [conversation = "", marker, root] = p.slice(3).split("/");
  return {
    conversationId: decodeURIComponent(conversation) || null,
    rootId: marker === "thread" && root ? decodeURIComponent(root) : null,
  };
}

export const place = computed(() => placeOf(path.value));

/** The panel beside the conversation besides an open thread: my threads, its files and media, or nothing. */
export const sidePanel = signal<"threads" | "files" | null>(null);

export function openThread(conversationId: string, rootId: string): void {
  sidePanel.value = null;
  navigate(`/c/${encodeURIComponent(conversationId)}/thread/${encodeURIComponent(rootId)}`);
}

export function closeThread(conversationId: string): void {
  navigate(`/c/${encodeURIComponent(conversationId)}`);
}

/** My threads per conversation (those I follow), as the server last said. */
export const myThreads = signal<ReadonlyMap<string, ThreadView[]>>(new Map());

export async function loadMyThreads(conversationId: string): Promise<void> {
  const { threads } = await api<{ threads: ThreadView[] }>("GET", `${conversationPath(conversationId)}/threads`);
  const next = new Map(myThreads.value);
  next.set(conversationId, threads);
  myThreads.value = next;
}

/** Unread replies of one thread for me (0 when I do not follow it). */
export function threadUnread(conversationId: string, rootId: string): number {
  return myThreads.value.get(conversationId)?.find((t) => t.root.id === rootId)?.unreadCount ?? 0;
}

/** Loads a thread: its first message and every reply (page after page, oldest first). */
export async function loadThread(conversationId: string, rootId: string): Promise<void> {
  const key = threadKey(rootId);
  const now = timelines.value.get(key);
  if (now && !now.failed) return;
  setTimeline(key, { messages: [], notices: [], hasOlder: false, loading: true });
  const base = `${conversationPath(conversationId)}/threads/${encodeURIComponent(rootId)}?limit=${PAGE}`;
  try {
    let page = await api<{ root: Message; messages: Message[]; more: boolean }>("GET", base);
    const root = page.root;
    let replies = page.messages;
    while (page.more && replies.length < MAX_REPLIES) {
      page = await api("GET", `${base}&after=${encodeURIComponent(replies.at(-1)!.id)}`);
      replies = [...replies, ...page.messages];
    }
    // Replies that arrived as events while the pages loaded are kept.
    const live = (timelines.value.get(key)?.messages ?? []).filter(
      (m) => m.id !== root.id && !replies.some((r) => r.id === m.id),
    );
    const messages = [root, ...replies, ...live].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    setTimeline(key, { messages, notices: [], hasOlder: false, loading: false });
    if (conversations.value.get(conversationId)?.encryptedAt) followEncrypted(conversationId, messages);
  } catch (err) {
    setTimeline(key, { messages: [], notices: [], hasOlder: false, loading: false, failed: true });
    throw err;
  }
}

const readSent = new Map<string, string>();

/** Moves my read position in a thread to its newest reply (the server keeps it; my other devices hear). */
export async function markThreadRead(conversationId: string, rootId: string): Promise<void> {
  const newest = timelines.value.get(threadKey(rootId))?.messages.at(-1);
  if (!newest || newest.id === rootId || readSent.get(rootId) === newest.id) return;
  readSent.set(rootId, newest.id);
  // At once here: the count goes, and the conversation's total with it.
  const listed = myThreads.value.get(conversationId);
  const unread = threadUnread(conversationId, rootId);
  if (listed && unread > 0) {
    const next = new Map(myThreads.value);
    next.set(
      conversationId,
      listed.map((t) => (t.root.id === rootId ? { ...t, unreadCount: 0 } : t)),
    );
    myThreads.value = next;
  }
  await api("POST", `${conversationPath(conversationId)}/threads/${encodeURIComponent(rootId)}/read`, {
    messageId: newest.id,
  }).catch(() => readSent.delete(rootId));
}

/** Follows or stops following a thread. */
export async function setFollowing(conversationId: string, rootId: string, following: boolean): Promise<void> {
  await api(
    following ? "PUT" : "DELETE",
    `${conversationPath(conversationId)}/threads/${encodeURIComponent(rootId)}/follow`,
  );
  await loadMyThreads(conversationId);
}

/** Whether I follow a thread, as my thread list says. */
export function isFollowing(conversationId: string, rootId: string): boolean {
  return myThreads.value.get(conversationId)?.some((t) => t.root.id === rootId) ?? false;
}
