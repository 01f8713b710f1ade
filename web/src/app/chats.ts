// What the user sees of their conversations, kept current by the event stream.
import { computed, signal } from "@preact/signals";
import { api, type ChatEvent, type Conversation, type Message, type Notice } from "./api.ts";

export interface Timeline {
  /** Oldest first. */
  messages: Message[];
  /** Membership and naming changes in the stretch loaded, oldest first. */
  notices: Notice[];
  hasOlder: boolean;
  loading: boolean;
  /** The first page could not be loaded (server unreachable). */
  failed?: boolean;
}

export const conversations = signal<Map<string, Conversation>>(new Map());
export const listLoaded = signal(false);
export const timelines = signal<Map<string, Timeline>>(new Map());
/** The conversation on screen, if any (set by the UI from the address). */
export const openId = signal<string | null>(null);

export const sortedConversations = computed(() =>
  [...conversations.value.values()].sort((a, b) => activity(b).localeCompare(activity(a))),
);
/** For the app badge: unread messages outside muted conversations. */
export const totalUnread = computed(() => [...conversations.value.values()].filter((c) => !c.mutedUntil).reduce((n, c) => n + c.unreadCount + (c.markedUnread && c.unreadCount === 0 ? 1 : 0), 0));

/** A conversation's API path; a message's under it. */
const path = (id: string) => `/conversations/${encodeURIComponent(id)}`;
const messagePath = (m: Message) => `${path(m.conversationId)}/messages/${encodeURIComponent(m.id)}`;

const activity = (c: Conversation) => c.lastMessage?.createdAt ?? c.createdAt;

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
  if (myId) localStorage.removeItem(listKey(myId));
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
  addNotice(e);
  switch (e.type) {
    case "conversation.created":
    case "conversation.updated":
    case "member.added":
    case "member.role-changed": {
      const old = conversations.value.get(e.conversationId);
      if (!old || (e.type === "member.added" && e.user?.id === myId)) {
        // New to me (added, or created with me): it shows at once; the server then says my rights and
        // what I have not read (refreshConversation keeps whatever arrived meanwhile).
        if (e.conversation) putConversation({ ...unknownYet(e.conversation.type), ...old, ...e.conversation });
        void refreshConversation(e.conversationId).catch(() => {});
      } else if (e.conversation) {
        putConversation({ ...old, ...e.conversation });
        // My rights may have changed with it: the server says what I may do now.
        if (e.type === "member.role-changed" ? e.user?.id === myId : e.type === "conversation.updated") void refreshConversation(e.conversationId).catch(() => {});
      }
      break;
    }
    case "conversation.deleted":
      forgetConversation(e.conversationId);
      break;
    case "member.removed":
      if (e.user?.id === myId) forgetConversation(e.conversationId);
      else {
        const c = conversations.value.get(e.conversationId);
        if (c) putConversation({ ...c, members: c.members.filter((m) => m.user.id !== e.user?.id) });
      }
      break;
    case "message.created":
    case "message.updated":
    case "message.deleted":
    case "message.reactions":
    case "message.pinned":
    case "message.unpinned":
      if (e.message) upsertMessage(e.message, e.type === "message.created");
      break;
  }
}

/**
 * Adds or replaces a message wherever it shows: its timeline, and its conversation's preview and unread
 * count. `isNew` is true for message.created events; acks and edits only replace.
 */
export function upsertMessage(m: Message, isNew = false): void {
  const t = timelines.value.get(m.conversationId);
  let fresh = isNew;
  if (t) {
    const i = t.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) fresh = false;
    setTimeline(m.conversationId, { ...t, messages: i >= 0 ? t.messages.with(i, m) : insertSorted(t.messages, m) });
  }
  const c = conversations.value.get(m.conversationId);
  if (!c) return;
  const last = c.lastMessage;
  if (last?.id === m.id) fresh = false; // already counted by the list the server gave us
  const lastMessage = !last || last.id === m.id || m.createdAt >= last.createdAt ? m : last;
  let unreadCount = c.unreadCount;
  if (fresh && m.sender.id === myId) unreadCount = 0; // writing in a conversation means having read it
  else if (fresh && !isBeingRead(m.conversationId)) unreadCount++;
  putConversation({ ...c, lastMessage, unreadCount });
  if (fresh && m.sender.id !== myId && isBeingRead(m.conversationId)) void markRead(m.conversationId);
}

const noticeTypes = new Set<string>(["conversation.created", "conversation.updated", "member.added", "member.removed", "member.role-changed"]);

/** A live change becomes a line in the timeline, if that conversation is loaded. */
function addNotice(e: ChatEvent): void {
  const t = timelines.value.get(e.conversationId);
  if (!t || !noticeTypes.has(e.type) || t.notices.some((n) => n.id === e.id)) return;
  const c = conversations.value.get(e.conversationId);
  const actor = e.actorId ? (c?.members.find((m) => m.user.id === e.actorId)?.user ?? e.conversation?.members.find((m) => m.user.id === e.actorId)?.user ?? (e.actorId === e.user?.id ? e.user : null)) : null;
  const notice: Notice = { id: e.id, type: e.type as Notice["type"], actor: actor ?? null, subject: e.user ?? null, createdAt: e.createdAt };
  setTimeline(e.conversationId, { ...t, notices: [...t.notices, notice] });
}

function insertSorted(list: Message[], m: Message): Message[] {
  let i = list.length;
  while (i > 0 && list[i - 1]!.createdAt > m.createdAt) i--;
  return [...list.slice(0, i), m, ...list.slice(i)];
}

function isBeingRead(conversationId: string): boolean {
  return openId.value === conversationId && document.visibilityState === "visible" && document.hasFocus();
}

/**
 * My side of a conversation I have just been added to, until the server says (refreshConversation): nothing
 * unread, no rights, not muted, the default notification level.
 */
function unknownYet(type: Conversation["type"]): Omit<Conversation, keyof NonNullable<ChatEvent["conversation"]>> {
  return {
    lastMessage: null,
    unreadCount: 0,
    mentionCount: 0,
    mutedUntil: null,
    markedUnread: false,
    myRole: "member",
    // No control shows before the server says what I may do.
    can: {} as Conversation["can"],
    pushLevel: type === "direct" ? "all" : "mentions",
    pushLevelDefault: true,
  };
}

function putConversation(c: Conversation): void {
  const next = new Map(conversations.value);
  next.set(c.id, c);
  conversations.value = next;
  rememberList();
}

function forgetConversation(id: string): void {
  const next = new Map(conversations.value);
  next.delete(id);
  conversations.value = next;
  rememberList();
  dropTimeline(id);
}

function setTimeline(id: string, t: Timeline): void {
  const next = new Map(timelines.value);
  next.set(id, t);
  timelines.value = next;
}

function dropTimeline(id: string): void {
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
  const lastMessage = localLast && (!conversation.lastMessage || localLast.createdAt > conversation.lastMessage.createdAt) ? localLast : conversation.lastMessage;
  putConversation({ ...conversation, lastMessage, unreadCount: Math.max(conversation.unreadCount, local?.unreadCount ?? 0) });
}

const PAGE = 50;

/** Loads the newest page the first time, and older pages on request (scrolling up). */
export async function loadHistory(id: string, older = false): Promise<void> {
  const t = timelines.value.get(id);
  if (t?.loading || (t && !older) || (t && older && !t.hasOlder)) return;
  setTimeline(id, { messages: t?.messages ?? [], notices: t?.notices ?? [], hasOlder: t?.hasOlder ?? true, loading: true });
  try {
    const before = older && t?.messages[0] ? `&before=${encodeURIComponent(t.messages[0].id)}` : "";
    const page = await api<{ messages: Message[]; more: boolean; notices: Notice[] }>("GET", `${path(id)}/messages?limit=${PAGE}${before}`);
    const now = timelines.value.get(id) ?? { messages: [], notices: [], hasOlder: true, loading: true };
    const seen = new Set(now.messages.map((m) => m.id));
    const earlier = page.messages.filter((m) => !seen.has(m.id)).reverse();
    const known = new Set(now.notices.map((n) => n.id));
    const notices = [...page.notices.filter((n) => !known.has(n.id)), ...now.notices].sort((a, b) => Number(a.id) - Number(b.id));
    setTimeline(id, { messages: [...earlier, ...now.messages], notices, hasOlder: page.more, loading: false });
  } catch (err) {
    const now = timelines.value.get(id);
    // A first page that failed is marked so: the next connection to the server tries again (retryFailed).
    if (now) setTimeline(id, { ...now, loading: false, failed: now.messages.length === 0 });
    throw err;
  }
}

/** Forgets timelines whose first page failed, so the views showing them load again (after reconnecting). */
export function retryFailed(): void {
  const failed = [...timelines.value].filter(([, t]) => t.failed).map(([id]) => id);
  for (const id of failed) dropTimeline(id);
}

const readSent = new Map<string, string>();

/** Moves my read marker to the newest message of a conversation I am looking at. */
export async function markRead(id: string): Promise<void> {
  const c = conversations.value.get(id);
  const newest = c?.lastMessage;
  if (!c || !newest) return;
  if (c.unreadCount > 0 || c.mentionCount > 0 || c.markedUnread) putConversation({ ...c, unreadCount: 0, mentionCount: 0, markedUnread: false });
  if (readSent.get(id) === newest.id && !c.markedUnread) return;
  readSent.set(id, newest.id);
  await api("POST", `${path(id)}/read`, { messageId: newest.id }).catch(() => readSent.delete(id));
}

export async function openDirect(userId: string): Promise<Conversation> {
  const { conversation } = await api<{ conversation: Conversation }>("POST", "/conversations", { type: "direct", userId });
  putConversation(conversation);
  return conversation;
}

export async function createGroup(title: string, memberIds: string[]): Promise<Conversation> {
  const { conversation } = await api<{ conversation: Conversation }>("POST", "/conversations", { type: "group", title, memberIds });
  putConversation(conversation);
  return conversation;
}

export async function editMessage(m: Message, text: string): Promise<void> {
  const { message } = await api<{ message: Message }>("PATCH", messagePath(m), { text });
  upsertMessage(message);
}

export interface Version {
  text: string;
  replacedAt: string;
}

/** What an edited message said before (for its author and the group's admins). */
export async function earlierVersions(m: Message): Promise<Version[]> {
  return (await api<{ versions: Version[] }>("GET", `${messagePath(m)}/versions`)).versions;
}

export async function deleteMessage(m: Message): Promise<void> {
  await api("DELETE", messagePath(m));
}

/** The name a conversation goes by for me: a group's title, or the other person in a direct one. */
export function conversationTitle(c: Conversation): string {
  if (c.type === "group") return c.title ?? "Group";
  const other = c.members.find((m) => m.user.id !== myId) ?? c.members[0];
  return other?.user.displayName ?? "Direct conversation";
}

export function otherPerson(c: Conversation) {
  return c.type === "direct" ? (c.members.find((m) => m.user.id !== myId)?.user ?? null) : null;
}

/** Calls that change a conversation and answer with it as I now see it. */
export async function changeConversation(id: string, method: string, sub: string, body?: unknown): Promise<void> {
  const r = await api<{ conversation?: Conversation }>(method, path(id) + sub, body);
  if (r?.conversation) putConversation(r.conversation);
}

export async function toggleReaction(m: Message, emoji: string): Promise<void> {
  const r = await api<{ message: Message }>("POST", `${messagePath(m)}/reactions`, { emoji });
  upsertMessage(r.message);
}

export async function setPinned(m: Message, pinned: boolean): Promise<void> {
  const r = await api<{ message: Message }>(pinned ? "PUT" : "DELETE", `${path(m.conversationId)}/pins/${encodeURIComponent(m.id)}`);
  upsertMessage(r.message);
}

export async function forwardMessage(m: Message, toConversationId: string): Promise<void> {
  const r = await api<{ message: Message }>("POST", `${path(toConversationId)}/messages`, { clientId: crypto.randomUUID(), forwardOf: { conversationId: m.conversationId, messageId: m.id } });
  upsertMessage(r.message, true);
}

/** Leaving, or being removed, takes the conversation off my list at once. */
export async function leaveConversation(id: string): Promise<void> {
  if (!myId) return;
  await api("DELETE", `${path(id)}/members/${encodeURIComponent(myId)}`);
  forgetConversation(id);
}

export async function deleteConversation(id: string): Promise<void> {
  await api("DELETE", path(id));
  forgetConversation(id);
}

export function myUserId(): string | null {
  return myId;
}

/** My own state in a conversation changed on another device (read, marked unread, muted). */
export function applySummary(c: Conversation): void {
  const old = conversations.value.get(c.id);
  putConversation(old ? { ...old, unreadCount: c.unreadCount, mentionCount: c.mentionCount, mutedUntil: c.mutedUntil, markedUnread: c.markedUnread } : c);
}

export async function markUnread(id: string): Promise<void> {
  await api("POST", `${path(id)}/unread`);
  const c = conversations.value.get(id);
  if (c) putConversation({ ...c, markedUnread: true });
}

/** Mutes for some hours, until unmuted ("forever"), or unmutes (null). */
export async function setPushLevel(id: string, level: "all" | "mentions" | "none" | null): Promise<void> {
  await changeConversation(id, "PUT", "/notifications", { level });
}

export async function setMuted(id: string, until: number | "forever" | null): Promise<void> {
  await changeConversation(id, "PUT", "/mute", { until: typeof until === "number" ? new Date(Date.now() + until * 3_600_000).toISOString() : until });
}
