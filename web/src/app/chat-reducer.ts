// How events and messages change what the user sees, as pure functions: state in, new state and the
// effects to run out. No signals, no requests, no DOM, so they are tested without a browser
// (test/chat-reducer.test.ts); chats.ts holds the state and runs the effects.
import type { ChatEvent, Conversation, Message, Notice, Person } from "./api.ts";
import { NOTICE_TYPES as NOTICES } from "../../../src/protocol/notices.ts";

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

export interface ChatState {
  conversations: ReadonlyMap<string, Conversation>;
  /** Conversations' timelines by conversation id, and threads' (first message, then replies) by threadKey. */
  timelines: ReadonlyMap<string, Timeline>;
}

/** Where a thread's timeline is kept among the conversations' (ids never contain a space). */
export const threadKey = (rootId: string) => `thread ${rootId}`;

/** What the reducer needs to know about the world: who I am, and whether I am reading a conversation now. */
export interface ReduceContext {
  myId: string | null;
  isBeingRead(conversationId: string): boolean;
}

/** Work the state holder does after a change: ask the server for my side of a conversation, or mark it read. */
export type Effect =
  | { kind: "refresh"; conversationId: string }
  | { kind: "markRead"; conversationId: string }
  /** A message I should hear about while the app is open: it plays the short sound (if this device wants it). */
  | { kind: "chime"; conversationId: string };

export interface Reduced {
  state: ChatState;
  effects: Effect[];
}

const NOTICE_TYPES = new Set<string>(NOTICES);

export function reduceEvent(state: ChatState, e: ChatEvent, ctx: ReduceContext): Reduced {
  const effects: Effect[] = [];
  let next = withNotice(state, e);
  switch (e.type) {
    case "conversation.created":
    case "conversation.updated":
    case "member.added":
    case "member.role-changed": {
      const old = next.conversations.get(e.conversationId);
      if (!old || (e.type === "member.added" && e.user?.id === ctx.myId)) {
        // New to me (added, or created with me): it shows at once; the server then says my rights and
        // what I have not read (the refresh keeps whatever arrived meanwhile).
        if (e.conversation)
          next = putConversation(next, { ...unknownYet(e.conversation.type), ...old, ...e.conversation });
        effects.push({ kind: "refresh", conversationId: e.conversationId });
      } else if (e.conversation) {
        next = putConversation(next, { ...old, ...e.conversation });
        // My rights may have changed with it: the server says what I may do now.
        if (e.type === "member.role-changed" ? e.user?.id === ctx.myId : e.type === "conversation.updated")
          effects.push({ kind: "refresh", conversationId: e.conversationId });
      }
      break;
    }
    case "conversation.deleted":
      next = forgetConversation(next, e.conversationId);
      break;
    case "member.removed":
      if (e.user?.id === ctx.myId) next = forgetConversation(next, e.conversationId);
      else {
        const c = next.conversations.get(e.conversationId);
        if (c) next = putConversation(next, { ...c, members: c.members.filter((m) => m.user.id !== e.user?.id) });
      }
      break;
    case "message.created":
    case "message.updated":
    case "message.deleted":
    case "message.reactions":
    case "message.pinned":
    case "message.unpinned":
    case "message.preview":
      if (e.message) {
        const r = reduceMessage(next, e.message, e.type === "message.created", ctx);
        next = r.state;
        effects.push(...r.effects);
      }
      if (e.thread) next = withThreadSummary(next, e.conversationId, e.thread);
      break;
  }
  return { state: next, effects };
}

/**
 * Adds or replaces a message wherever it shows: its timeline, and its conversation's preview and unread
 * count. `isNew` is true for message.created events; acks and edits only replace.
 */
export function reduceMessage(state: ChatState, m: Message, isNew: boolean, ctx: ReduceContext): Reduced {
  if (m.threadRootId) return reduceThreadReply(state, m);
  // A first message shows in its open thread too.
  let next = replaceIn(state, threadKey(m.id), m);
  const t = state.timelines.get(m.conversationId);
  let fresh = isNew;
  if (t) {
    const i = t.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) fresh = false;
    next = setTimeline(next, m.conversationId, {
      ...t,
      messages: i >= 0 ? t.messages.with(i, m) : insertSorted(t.messages, m),
    });
  }
  const c = next.conversations.get(m.conversationId);
  if (!c) return { state: next, effects: [] };
  const last = c.lastMessage;
  if (last?.id === m.id) fresh = false; // already counted by the list the server gave us
  const lastMessage = !last || last.id === m.id || m.createdAt >= last.createdAt ? m : last;
  const reading = ctx.isBeingRead(m.conversationId);
  let unreadCount = c.unreadCount;
  if (fresh && m.sender.id === ctx.myId)
    unreadCount = 0; // writing in a conversation means having read it
  else if (fresh && !reading) unreadCount++;
  next = putConversation(next, { ...c, lastMessage, unreadCount });
  const effects: Effect[] = [];
  if (fresh && m.sender.id !== ctx.myId) {
    if (reading) effects.push({ kind: "markRead", conversationId: m.conversationId });
    else if (wantsToHear(c, m, ctx.myId)) effects.push({ kind: "chime", conversationId: m.conversationId });
  }
  return { state: next, effects };
}

/**
 * A reply in a thread: it goes to the thread's timeline (when loaded, or loading: the load keeps it), never
 * the conversation's; its preview and unread count stay as they are (thread unread counts come from the
 * server: a summary frame). The open thread marks itself read (ui/thread-panel.tsx).
 */
function reduceThreadReply(state: ChatState, m: Message): Reduced {
  const key = threadKey(m.threadRootId!);
  const t = state.timelines.get(key);
  if (!t) return { state, effects: [] };
  const i = t.messages.findIndex((x) => x.id === m.id);
  const messages = i >= 0 ? t.messages.with(i, m) : insertSorted(t.messages, m);
  return { state: setTimeline(state, key, { ...t, messages }), effects: [] };
}

/** A message replaced where it already is in a timeline; nothing changes when it is not there. */
function replaceIn(state: ChatState, key: string, m: Message): ChatState {
  const t = state.timelines.get(key);
  const i = t?.messages.findIndex((x) => x.id === m.id) ?? -1;
  return t && i >= 0 ? setTimeline(state, key, { ...t, messages: t.messages.with(i, m) }) : state;
}

/** A thread's new summary ("3 replies") on its first message, wherever that shows. */
function withThreadSummary(
  state: ChatState,
  conversationId: string,
  thread: NonNullable<ChatEvent["thread"]>,
): ChatState {
  const { rootId, ...summary } = thread;
  let next = state;
  for (const key of [conversationId, threadKey(rootId)]) {
    const root = next.timelines.get(key)?.messages.find((m) => m.id === rootId);
    if (root) next = replaceIn(next, key, { ...root, thread: summary.replyCount > 0 ? summary : null });
  }
  return next;
}

/** What I chose to be told of in a conversation (its push level, and not muted) holds in the open app too. */
function wantsToHear(c: Conversation, m: Message, myId: string | null): boolean {
  if (c.mutedUntil || c.pushLevel === "none") return false;
  return c.pushLevel === "all" || m.mentions.everyone || (myId !== null && m.mentions.userIds.includes(myId));
}

/** A live change becomes a line in the timeline, if that conversation is loaded. */
function withNotice(state: ChatState, e: ChatEvent): ChatState {
  const t = state.timelines.get(e.conversationId);
  if (!t || !NOTICE_TYPES.has(e.type) || t.notices.some((n) => n.id === e.id)) return state;
  const c = state.conversations.get(e.conversationId);
  const actor = e.actorId
    ? (c?.members.find((m) => m.user.id === e.actorId)?.user ??
      e.conversation?.members.find((m) => m.user.id === e.actorId)?.user ??
      (e.actorId === e.user?.id ? e.user : null))
    : null;
  const notice: Notice = {
    id: e.id,
    type: e.type as Notice["type"],
    actor: actor ?? null,
    subject: e.user ?? null,
    createdAt: e.createdAt,
    ...(e.call ? { call: e.call } : {}),
  };
  return setTimeline(state, e.conversationId, { ...t, notices: [...t.notices, notice] });
}

export function insertSorted(list: Message[], m: Message): Message[] {
  let i = list.length;
  while (i > 0 && list[i - 1]!.createdAt > m.createdAt) i--;
  return [...list.slice(0, i), m, ...list.slice(i)];
}

/**
 * My side of a conversation I have just been added to, until the server says: nothing unread, no rights,
 * not muted, the default notification level.
 */
function unknownYet(type: Conversation["type"]): Omit<Conversation, keyof NonNullable<ChatEvent["conversation"]>> {
  return {
    lastMessage: null,
    unreadCount: 0,
    mentionCount: 0,
    threadUnreadCount: 0,
    mutedUntil: null,
    markedUnread: false,
    myRole: "member",
    // No control shows before the server says what I may do.
    can: {} as Conversation["can"],
    pushLevel: type === "direct" ? "all" : "mentions",
    pushLevelDefault: true,
  };
}

export function putConversation(state: ChatState, c: Conversation): ChatState {
  const conversations = new Map(state.conversations);
  conversations.set(c.id, c);
  return { ...state, conversations };
}

export function forgetConversation(state: ChatState, id: string): ChatState {
  const conversations = new Map(state.conversations);
  conversations.delete(id);
  const timelines = new Map(state.timelines);
  timelines.delete(id);
  // Its threads go with it.
  for (const [key, t] of state.timelines)
    if (key.startsWith(threadKey("")) && t.messages[0]?.conversationId === id) timelines.delete(key);
  return { conversations, timelines };
}

export function setTimeline(state: ChatState, id: string, t: Timeline): ChatState {
  const timelines = new Map(state.timelines);
  timelines.set(id, t);
  return { ...state, timelines };
}

/**
 * Someone's new name or picture (a "profile" frame): every place that shows them takes it — conversations'
 * members, last messages, loaded messages and the quotes in them. Unchanged state is returned as it was.
 */
export function reduceProfile(state: ChatState, user: Person): ChatState {
  const fix = <T extends Person>(p: T): T => {
    if (p.id !== user.id) return p;
    const changes = pick(user, p);
    return Object.entries(changes).some(([k, v]) => p[k as keyof T] !== v) ? { ...p, ...changes } : p;
  };
  const fixMessage = (m: Message): Message => {
    const sender = fix(m.sender);
    return sender === m.sender ? m : { ...m, sender };
  };
  let conversations = state.conversations;
  for (const c of state.conversations.values()) {
    const members = c.members.map((m) => {
      const u = fix(m.user);
      return u === m.user ? m : { ...m, user: u };
    });
    const lastMessage = c.lastMessage && fixMessage(c.lastMessage);
    if (members.every((m, i) => m === c.members[i]) && lastMessage === c.lastMessage) continue;
    if (conversations === state.conversations) conversations = new Map(conversations);
    (conversations as Map<string, Conversation>).set(c.id, { ...c, members, lastMessage });
  }
  let timelines = state.timelines;
  for (const [id, t] of state.timelines) {
    const messages = t.messages.map(fixMessage);
    if (messages.every((m, i) => m === t.messages[i])) continue;
    if (timelines === state.timelines) timelines = new Map(timelines);
    (timelines as Map<string, Timeline>).set(id, { ...t, messages });
  }
  return conversations === state.conversations && timelines === state.timelines ? state : { conversations, timelines };
}

/** The fields of `user` that `shape` has: a sender takes name and picture, a member's user takes all it shows. */
function pick<T extends Person>(user: Person, shape: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(shape))
    if (k in user && k !== "id") out[k] = (user as unknown as Record<string, unknown>)[k];
  return out as Partial<T>;
}
