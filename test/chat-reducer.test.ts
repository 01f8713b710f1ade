// The web app's event reducer, without a browser: events and messages in, state and effects out.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { ChatEvent, Conversation, Message } from "../web/src/app/api.ts";
import {
  reduceEvent,
  reduceMessage,
  reduceProfile,
  threadKey,
  type ChatState,
  type ReduceContext,
} from "../web/src/app/chat-reducer.ts";

const ME = "me";
const person = (id: string) => ({ id, username: id, displayName: id.toUpperCase(), avatarUrl: null });
const member = (id: string, role: "owner" | "admin" | "member" = "member") => ({
  user: { ...person(id), bio: "", deleted: false, timeZone: null },
  role,
  joinedAt: "2026-01-01T00:00:00.000Z",
});

function conversation(id: string, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    type: "group",
    title: "Allotment",
    description: "",
    permissions: {
      post: "member",
      addMembers: "admin",
      removeMembers: "admin",
      editInfo: "admin",
      pin: "admin",
      deleteOthers: "admin",
      mentionEveryone: "admin",
      startCalls: "member",
    },
    archived: false,
    avatarUrl: null,
    createdBy: ME,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    members: [member(ME, "owner"), member("ben")],
    encryptedAt: null,
    lastMessage: null,
    unreadCount: 0,
    mentionCount: 0,
    threadUnreadCount: 0,
    mutedUntil: null,
    markedUnread: false,
    pushLevel: "mentions",
    pushLevelDefault: true,
    myRole: "owner",
    can: {} as Conversation["can"],
    ...over,
  };
}

let seq = 0;
function message(conversationId: string, from: string, at: number, over: Partial<Message> = {}): Message {
  const id = `m${++seq}`;
  return {
    id,
    conversationId,
    clientId: `c-${id}`,
    text: `hello ${id}`,
    replyToId: null,
    threadRootId: null,
    thread: null,
    preview: null,
    createdAt: new Date(Date.UTC(2026, 0, 2, 0, 0, at)).toISOString(),
    editedAt: null,
    deletedAt: null,
    deleted: false,
    sender: person(from),
    reactions: [],
    mentions: { userIds: [], everyone: false },
    pinned: false,
    forwardedFrom: null,
    attachments: [],
    ...over,
  };
}

const event = (type: ChatEvent["type"], conversationId: string, parts: Partial<ChatEvent> = {}): ChatEvent => ({
  id: String(++seq),
  type,
  conversationId,
  actorId: null,
  createdAt: "2026-01-02T00:00:00.000Z",
  ...parts,
});
const state = (convs: Conversation[], timelines: [string, Message[]][] = []): ChatState => ({
  conversations: new Map(convs.map((c) => [c.id, c])),
  timelines: new Map(
    timelines.map(([id, messages]) => [id, { messages, notices: [], hasOlder: false, loading: false }]),
  ),
});
const away: ReduceContext = { myId: ME, isBeingRead: () => false };
const reading: ReduceContext = { myId: ME, isBeingRead: (id) => id === "g1" };

describe("the chat reducer", () => {
  test("a new name or picture reaches members, the last message and loaded messages; others stay as they were", () => {
    const fromBen = message("g1", "ben", 1);
    const mine = message("g1", ME, 2);
    const other = conversation("g2", { members: [member(ME), member("cid")] });
    const before = state([conversation("g1", { lastMessage: fromBen }), other], [["g1", [fromBen, mine]]]);
    const ben = { id: "ben", username: "ben", displayName: "Benjamin", avatarUrl: "/api/v1/avatars/x" };
    const after = reduceProfile(before, ben);
    const g1 = after.conversations.get("g1")!;
    expect(g1.members.find((m) => m.user.id === "ben")!.user).toMatchObject({ displayName: "Benjamin", bio: "" });
    expect(g1.lastMessage!.sender).toEqual(ben);
    const [first, second] = after.timelines.get("g1")!.messages;
    expect(first!.sender).toEqual(ben);
    expect(second).toBe(mine);
    // What does not show Ben is not copied.
    expect(after.conversations.get("g2")).toBe(other);
    // Told twice, nothing changes the second time.
    expect(reduceProfile(after, ben)).toBe(after);
  });

  test("a new message from someone else counts as unread and becomes the preview; the same message again counts once", () => {
    const m = message("g1", "ben", 1);
    const once = reduceEvent(state([conversation("g1")]), event("message.created", "g1", { message: m }), away);
    expect(once.state.conversations.get("g1")).toMatchObject({ unreadCount: 1, lastMessage: m });
    expect(once.effects).toEqual([]);
    const twice = reduceEvent(once.state, event("message.created", "g1", { message: m }), away);
    expect(twice.state.conversations.get("g1")!.unreadCount).toBe(1);
  });

  test("writing in a conversation means having read it; a message arriving while I read it asks to mark it read", () => {
    const unread = state([conversation("g1", { unreadCount: 4 })]);
    expect(reduceMessage(unread, message("g1", ME, 1), true, away).state.conversations.get("g1")!.unreadCount).toBe(0);
    const r = reduceMessage(unread, message("g1", "ben", 2), true, reading);
    expect(r.state.conversations.get("g1")!.unreadCount).toBe(4);
    expect(r.effects).toEqual([{ kind: "markRead", conversationId: "g1" }]);
  });

  test("a message I would be told of, in a chat I am not reading, asks for the sound; nothing else does", () => {
    const chimes = (c: Conversation, m: Message, ctx = away) =>
      reduceMessage(state([c]), m, true, ctx).effects.filter((e) => e.kind === "chime").length;
    const all = conversation("g1", { pushLevel: "all" });
    expect(chimes(all, message("g1", "ben", 1))).toBe(1);
    // Read as it arrives, mine, already there (not new), muted, or a level that leaves it out: no sound.
    expect(chimes(all, message("g1", "ben", 2), reading)).toBe(0);
    expect(chimes(all, message("g1", ME, 3))).toBe(0);
    expect(reduceMessage(state([all]), message("g1", "ben", 4), false, away).effects).toEqual([]);
    expect(
      chimes(conversation("g1", { pushLevel: "all", mutedUntil: "2999-01-01T00:00:00.000Z" }), message("g1", "ben", 5)),
    ).toBe(0);
    expect(chimes(conversation("g1", { pushLevel: "none" }), message("g1", "ben", 6))).toBe(0);
    // "Mentions": when it names me, or everyone.
    const mentions = conversation("g1", { pushLevel: "mentions" });
    expect(chimes(mentions, message("g1", "ben", 7))).toBe(0);
    expect(chimes(mentions, message("g1", "ben", 8, { mentions: { userIds: [ME], everyone: false } }))).toBe(1);
    expect(chimes(mentions, message("g1", "ben", 9, { mentions: { userIds: [], everyone: true } }))).toBe(1);
  });

  test("an edit replaces the message in its loaded timeline without counting it again", () => {
    const m = message("g1", "ben", 1);
    const s = state([conversation("g1", { lastMessage: m, unreadCount: 1 })], [["g1", [m]]]);
    const edited = { ...m, text: "edited", editedAt: "2026-01-02T00:01:00.000Z" };
    const r = reduceEvent(s, event("message.updated", "g1", { message: edited }), away);
    expect(r.state.timelines.get("g1")!.messages).toEqual([edited]);
    expect(r.state.conversations.get("g1")).toMatchObject({ unreadCount: 1, lastMessage: edited });
  });

  test("being added to a conversation shows it at once with my side unknown, and asks the server for it", () => {
    const g2 = conversation("g2");
    const {
      lastMessage,
      unreadCount,
      myRole,
      can,
      mentionCount,
      mutedUntil,
      markedUnread,
      pushLevel,
      pushLevelDefault,
      ...shared
    } = g2;
    void [lastMessage, unreadCount, myRole, can, mentionCount, mutedUntil, markedUnread, pushLevel, pushLevelDefault];
    const r = reduceEvent(
      state([]),
      event("member.added", "g2", {
        user: { ...person(ME), bio: "", deleted: false, timeZone: null },
        conversation: shared,
      }),
      away,
    );
    expect(r.state.conversations.get("g2")).toMatchObject({
      id: "g2",
      unreadCount: 0,
      myRole: "member",
      pushLevel: "mentions",
      mutedUntil: null,
      lastMessage: null,
    });
    expect(r.effects).toEqual([{ kind: "refresh", conversationId: "g2" }]);
  });

  test("being removed takes the conversation and its timeline away; someone else's removal only updates the members", () => {
    const s = state([conversation("g1")], [["g1", [message("g1", "ben", 1)]]]);
    const other = reduceEvent(
      s,
      event("member.removed", "g1", { user: { ...person("ben"), bio: "", deleted: false, timeZone: null } }),
      away,
    );
    expect(other.state.conversations.get("g1")!.members.map((m) => m.user.id)).toEqual([ME]);
    expect(other.state.timelines.get("g1")!.notices.map((n) => n.type)).toEqual(["member.removed"]);
    const mine = reduceEvent(
      s,
      event("member.removed", "g1", { user: { ...person(ME), bio: "", deleted: false, timeZone: null } }),
      away,
    );
    expect(mine.state.conversations.has("g1")).toBe(false);
    expect(mine.state.timelines.has("g1")).toBe(false);
  });

  test("a thread reply goes to its open thread, never the timeline or the counts; its summary reaches the first message", () => {
    const root = message("g1", ME, 1);
    const c = conversation("g1", { lastMessage: root });
    const reply = message("g1", "ben", 2, { threadRootId: root.id });
    const thread = { rootId: root.id, replyCount: 1, lastReplyAt: reply.createdAt, participantIds: ["ben"] };
    const withThread = state(
      [c],
      [
        ["g1", [root]],
        [threadKey(root.id), [root]],
      ],
    );
    const r = reduceEvent(withThread, event("message.created", "g1", { message: reply, thread }), away);
    expect(r.state.conversations.get("g1")).toMatchObject({ unreadCount: 0, lastMessage: root });
    expect(r.effects).toEqual([]);
    const [shown] = r.state.timelines.get("g1")!.messages;
    expect(shown).toMatchObject({ id: root.id, thread: { replyCount: 1, participantIds: ["ben"] } });
    expect(r.state.timelines.get(threadKey(root.id))!.messages.map((m) => m.id)).toEqual([root.id, reply.id]);
    expect(r.state.timelines.get(threadKey(root.id))!.messages[0]!.thread).toMatchObject({ replyCount: 1 });
    // The same reply again is held once; with the thread not loaded, nothing but the summary changes.
    const again = reduceEvent(r.state, event("message.created", "g1", { message: reply, thread }), away);
    expect(again.state.timelines.get(threadKey(root.id))!.messages).toHaveLength(2);
    const closed = reduceEvent(
      state([c], [["g1", [root]]]),
      event("message.created", "g1", { message: reply, thread }),
      away,
    );
    expect([...closed.state.timelines.keys()]).toEqual(["g1"]);
    // Its last reply deleted: the line goes.
    const none = { rootId: root.id, replyCount: 0, lastReplyAt: null, participantIds: [] };
    const gone = reduceEvent(
      r.state,
      event("message.deleted", "g1", { message: { ...reply, deleted: true }, thread: none }),
      away,
    );
    expect(gone.state.timelines.get("g1")!.messages[0]!.thread).toBeNull();
    // Leaving the conversation forgets its threads too.
    const left = reduceEvent(r.state, event("member.removed", "g1", { user: { ...member(ME).user } }), away);
    expect(left.state.timelines.size).toBe(0);
  });

  test("the state given is never changed: a new state comes back", () => {
    const s = state([conversation("g1")], [["g1", []]]);
    const before = JSON.stringify([[...s.conversations], [...s.timelines]]);
    reduceEvent(s, event("message.created", "g1", { message: message("g1", "ben", 1) }), away);
    expect(JSON.stringify([[...s.conversations], [...s.timelines]])).toBe(before);
  });

  test("whatever order and repetition messages arrive in, a timeline holds each once, oldest first, and the preview is the newest", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(50), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(29), { maxLength: 30 }),
        (times, repeats) => {
          const msgs = times.map((t) => message("g1", "ben", t));
          const arrivals = [...msgs, ...repeats.filter((i) => i < msgs.length).map((i) => msgs[i]!)];
          let s = state([conversation("g1")], [["g1", []]]);
          for (const m of arrivals) s = reduceEvent(s, event("message.created", "g1", { message: m }), away).state;
          const shown = s.timelines.get("g1")!.messages;
          const ids = shown.map((m) => m.id);
          const sorted = shown.every((m, i) => i === 0 || shown[i - 1]!.createdAt <= m.createdAt);
          const newest = msgs.reduce((a, b) => (b.createdAt >= a.createdAt ? b : a));
          return (
            new Set(ids).size === msgs.length &&
            ids.length === msgs.length &&
            sorted &&
            s.conversations.get("g1")!.lastMessage!.createdAt === newest.createdAt &&
            s.conversations.get("g1")!.unreadCount === msgs.length
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
