// What the user sees of their conversations, kept current by the event stream.
import { chime } from "./chime.ts";
import { path as address } from "./navigation.ts";
import { unreadFirst } from "./preferences.ts";
import { computed, signal } from "@preact/signals";
import { api, type ChatEvent, type Conversation, type Message, type Person } from "./api.ts";
import {
  forgetConversation as forgetInState,
  putConversation as putInState,
  reduceEvent,
  reduceMessage,
  reduceProfile,
  setTimeline as setTimelineInState,
  type ChatState,
  type Reduced,
  type ReduceContext,
  threadKey,
  type Timeline,
} from "./chat-reducer.ts";
import { forgetHistory, saveHistory } from "./history-cache.ts";

export type { Timeline };

export const conversations = signal<ReadonlyMap<string, Conversation>>(new Map());
export const listLoaded = signal(false);
export const timelines = signal<ReadonlyMap<string, Timeline>>(new Map());
/** The conversation on screen, if any (set by the UI from the address). */
export const openId = signal<string | null>(null);

export const sortedConversations = computed(() => {
  const first = unreadFirst.value;
  const unread = (c: Conversation) =>
    Number(first && (c.unreadCount > 0 || Boolean(c.markedUnread) || (c.threadUnreadCount ?? 0) > 0));
  return [...conversations.value.values()].sort(
    (a, b) => unread(b) - unread(a) || activity(b).localeCompare(activity(a)),
  );
});
/** For the app badge: unread messages (and replies in threads I follow) outside muted conversations. */
export const totalUnread = computed(() =>
  [...conversations.value.values()]
    .filter((c) => !c.mutedUntil)
    .reduce(
      (n, c) => n + c.unreadCount + (c.threadUnreadCount ?? 0) + (c.markedUnread && c.unreadCount === 0 ? 1 : 0),
      0,
    ),
);

/** A conversation's API path; a message's under it. */
export const conversationPath = (id: string) => `/conversations/${encodeURIComponent(id)}`;
export const messagePath = (m: Message) => `${conversationPath(m.conversationId)}/messages/${encodeURIComponent(m.id)}`;
const path = conversationPath;

/** When a conversation last had something happen: its last message, or its creation. */
export const activity = (c: Conversation) => c.lastMessage?.createdAt ?? c.createdAt;

let myId: string | null = null;
/** Events that arrive while the list loads wait for it, so the load cannot overwrite them. */
let held: ChatEvent[] | null = null;

export function reset(userId: string | null): void {
  myId = userId;
  // The last list seen shows at once (and while the server is unreachable); the server's replaces it.
  conversations.value = new Map(userId ? recallList(userId).map((c) => [c.id, c]) : []);
  timelines.value = new Map();
  listLoaded.value = false;
  held = null;
}

/** Signing out on purpose: the cached list (with message previews) must not stay on a shared computer. */
export function forgetList(): void {
  clearTimeout(saveTimer);
  clearTimeout(historyTimer);
  if (myId) localStorage.removeItem(listKey(myId));
  forgetHistory();
}

/** Timelines as last written to this device: only those changed since are written again. */
let savedTimelines: ReadonlyMap<string, Timeline> = new Map();
let historyTimer: ReturnType<typeof setTimeout> | undefined;
function rememberTimelines(): void {
  clearTimeout(historyTimer);
  historyTimer = setTimeout(() => {
    if (!myId) return;
    for (const [id, t] of timelines.value)
      if (
        !id.startsWith(threadKey("")) &&
        t !== savedTimelines.get(id) &&
        !t.loading &&
        !t.failed &&
        t.messages.length > 0
      )
        saveHistory(myId, id, t.messages, t.notices);
    savedTimelines = timelines.value;
  }, 1000);
}

// v2: summaries carry myRole and can; older cached lists are not read.
const listKey = (userId: string) => `parley:conversations:v2:${userId}`;

function recallList(userId: string): Conversation[] {
  try {
    return JSON.parse(localStorage.getItem(listKey(userId)) ?? "[]");
  } catch {
    return [];
  }
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;
function rememberList(): void {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(() => {
    if (!myId) return;
    try {
      localStorage.setItem(listKey(myId), JSON.stringify([...conversations.value.values()]));
    } catch {}
  }, 500);
}

export async function loadConversations(): Promise<void> {
  held = [];
  timelines.value = new Map(); // reloaded on demand: after a fresh start they may have gaps
  try {
    const { conversations: list } = await api<{ conversations: Conversation[] }>("GET", "/conversations");
    conversations.value = new Map(list.map((c) => [c.id, c]));
    listLoaded.value = true;
    rememberList();
  } finally {
    const waiting = held ?? [];
    held = null;
    for (const e of waiting) applyEvent(e);
  }
}

export function applyEvent(e: ChatEvent): void {
  if (held) {
    held.push(e);
    return;
  }
  apply(reduceEvent(current(), e, context()));
}

/**
 * Adds or replaces a message wherever it shows: its timeline, and its conversation's preview and unread
 * count. `isNew` is true for message.created events; acks and edits only replace.
 */
export function upsertMessage(m: Message, isNew = false): void {
  apply(reduceMessage(current(), m, isNew, context()));
}

const current = (): ChatState => ({ conversations: conversations.value, timelines: timelines.value });
const context = (): ReduceContext => ({ myId, isBeingRead });

/** Takes the reducer's new state and runs its effects. */
function apply({ state, effects }: Reduced): void {
  if (state.conversations !== conversations.value) {
    conversations.value = state.conversations;
    rememberList();
  }
  if (state.timelines !== timelines.value) {
    timelines.value = state.timelines;
    rememberTimelines();
  }
  for (const effect of effects) {
    if (effect.kind === "refresh") void refreshConversation(effect.conversationId).catch(() => {});
    else if (effect.kind === "markRead") void markRead(effect.conversationId);
    else chime();
  }
}

function isBeingRead(conversationId: string): boolean {
  return openId.value === conversationId && document.visibilityState === "visible" && document.hasFocus();
}

/** For the commands (chat-commands.ts) that answer with a conversation or remove one. */
export function putConversation(c: Conversation): void {
  apply({ state: putInState(current(), c), effects: [] });
}

export function forgetConversation(id: string): void {
  apply({ state: forgetInState(current(), id), effects: [] });
}

export function setTimeline(id: string, t: Timeline): void {
  apply({ state: setTimelineInState(current(), id, t), effects: [] });
}

export function dropTimeline(id: string): void {
  const next = new Map(timelines.value);
  next.delete(id);
  timelines.value = next;
}

/**
 * Asks the server for a conversation as I see it (my role and rights, unread count). Messages that
 * arrived while the answer was on its way are kept: the later last message and the higher count win.
 */
export async function refreshConversation(id: string): Promise<void> {
  const { conversation } = await api<{ conversation: Conversation }>("GET", path(id));
  const local = conversations.value.get(id);
  const localLast = local?.lastMessage;
  const lastMessage =
    localLast && (!conversation.lastMessage || localLast.createdAt > conversation.lastMessage.createdAt)
      ? localLast
      : conversation.lastMessage;
  putConversation({
    ...conversation,
    lastMessage,
    unreadCount: Math.max(conversation.unreadCount, local?.unreadCount ?? 0),
  });
}

const readSent = new Map<string, string>();

/** Moves my read marker to the newest message of a conversation I am looking at. */
export async function markRead(id: string): Promise<void> {
  const c = conversations.value.get(id);
  const newest = c?.lastMessage;
  if (!c || !newest) return;
  if (c.unreadCount > 0 || c.mentionCount > 0 || c.markedUnread)
    putConversation({ ...c, unreadCount: 0, mentionCount: 0, markedUnread: false });
  if (readSent.get(id) === newest.id && !c.markedUnread) return;
  readSent.set(id, newest.id);
  await api("POST", `${path(id)}/read`, { messageId: newest.id }).catch(() => readSent.delete(id));
}

export function myUserId(): string | null {
  return myId;
}

/** Someone changed their name or picture: lists, headers and loaded messages show the new one. */
export function applyProfile(user: Person): void {
  apply({ state: reduceProfile(current(), user), effects: [] });
}

/**
 * My own state in a conversation changed on another device (read, marked unread, muted), or a thread I
 * follow has a new reply: that one is heard like a message (unless the conversation is muted or set to
 * nothing), as its push would be.
 */
export function applySummary(c: Conversation): void {
  const old = conversations.value.get(c.id);
  // Not while a thread of that conversation is open before my eyes (its reply is being read as it comes).
  const readingThread =
    address.value.startsWith(`/c/${encodeURIComponent(c.id)}/thread/`) &&
    document.visibilityState === "visible" &&
    document.hasFocus();
  const louder = old && c.threadUnreadCount > (old.threadUnreadCount ?? 0);
  if (louder && !readingThread && !c.mutedUntil && c.pushLevel !== "none") chime();
  putConversation(
    old
      ? {
          ...old,
          unreadCount: c.unreadCount,
          mentionCount: c.mentionCount,
          mutedUntil: c.mutedUntil,
          markedUnread: c.markedUnread,
          threadUnreadCount: c.threadUnreadCount,
        }
      : c,
  );
}
