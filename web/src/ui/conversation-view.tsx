import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Conversation, Message, Notice } from "../app/api.ts";
import { typing, loadReceipts } from "../app/activity.ts";
import { jumpTo, loadUntil } from "../app/search.ts";
import { conversations, markRead, timelines } from "../app/chats.ts";
import { loadHistory } from "../app/chat-history.ts";
import { conversationTitle } from "../app/chat-display.ts";
import { callLine, dayLabel } from "../app/format.ts";
import { firstUnreadId, timelineRows } from "../app/timeline-rows.ts";
import { useTimelineScroll } from "./timeline-hooks.ts";
import { outbox } from "../app/outbox.ts";
import { me } from "../app/state.ts";
import { startUpload } from "../app/uploads.ts";
import { isEncrypted } from "../app/e2ee.ts";
import { Composer } from "./composer.tsx";
import { ConversationHead } from "./conversation-head.tsx";
import { PinnedBar } from "./pinned-bar.tsx";
import { CallBar } from "./call-view.tsx";
import { lazy } from "./lazy.tsx";
import { MessageItem, PendingItem } from "./message-item.tsx";
import { loadMyThreads, myThreads, openThread } from "../app/threads.ts";

const GroupPanel = lazy(() => import("./group-panel.tsx").then((m) => m.GroupPanel));
const SafetyDialog = lazy(() => import("./safety-dialog.tsx").then((m) => m.SafetyDialog));
const ForwardDialog = lazy(() => import("./forward-dialog.tsx").then((m) => m.ForwardDialog));

/** How far back a conversation that opens with many unread messages loads to show where they begin. */
const MAX_LOAD_FOR_UNREAD = 500;

export function ConversationView(props: { id: string }) {
  const c = conversations.value.get(props.id);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [panel, setPanel] = useState(false);
  const [safety, setSafety] = useState(false);
  const [forwarding, setForwarding] = useState<Message | null>(null);

  useEffect(() => {
    setReplyTo(null);
    setEditing(null);
    setPanel(false);
    setSafety(false);
    void loadReceipts(props.id).catch(() => {});
  }, [props.id]);

  // Which threads here have replies new to me (their lines say "2 new"): asked when there are some, and
  // again whenever the count changes (a reply, or a read on another device).
  const threadUnread = c?.threadUnreadCount ?? 0;
  useEffect(() => {
    if (threadUnread > 0 || myThreads.value.has(props.id)) void loadMyThreads(props.id).catch(() => {});
  }, [props.id, threadUnread]);

  // Load when opened, and again when the timeline was dropped (a fresh start after a reload or sign-in).
  const loaded = timelines.value.has(props.id);
  useEffect(() => {
    if (loaded) return;
    setError(null);
    loadHistory(props.id).catch((err) => setError(err.message));
  }, [props.id, loaded]);

  // A search result asked for a message here: load back to it, bring it into view and light it up.
  const jump = jumpTo.value;
  useEffect(() => {
    if (!jump || jump.conversationId !== props.id) return;
    let cancelled = false;
    void loadUntil(props.id, jump.messageId).then((found) => {
      if (cancelled) return;
      jumpTo.value = null;
      if (!found) return setError("That message is no longer in this conversation.");
      requestAnimationFrame(() => {
        const el = document.getElementById(`m-${jump.messageId}`);
        el?.scrollIntoView({ block: "center" });
        el?.classList.add("flash");
        setTimeout(() => el?.classList.remove("flash"), 2500);
      });
    });
    return () => {
      cancelled = true;
    };
  }, [jump, props.id]);

  if (!c)
    return (
      <section class="conversation empty-state">
        <p class="hint">This conversation is not available.</p>
      </section>
    );
  const title = conversationTitle(c);
  const t = timelines.value.get(c.id);
  // What ↑ offers to edit: encrypted messages are not edited (the server would need a new ciphertext).
  const mine = (t?.messages ?? []).filter((m) => m.sender.id === me.value?.id && !m.deleted && !m.encrypted);
  return (
    <section
      class="conversation"
      aria-label={title}
      onDragOver={(e) => c.can.post !== false && e.dataTransfer?.types.includes("Files") && e.preventDefault()}
      onDrop={(e) => {
        const dropped = [...(e.dataTransfer?.files ?? [])];
        if (dropped.length === 0 || c.can.post === false) return;
        e.preventDefault();
        for (const f of dropped) startUpload(c.id, f, isEncrypted(c));
      }}
    >
      <ConversationHead c={c} onInfo={() => setPanel(true)} onSafety={() => setSafety(true)} onError={setError} />
      <CallBar c={c} />
      <PinnedBar c={c} />
      {panel && <GroupPanel c={c} onClose={() => setPanel(false)} />}
      {safety && <SafetyDialog c={c} onClose={() => setSafety(false)} />}
      {forwarding && <ForwardDialog m={forwarding} onClose={() => setForwarding(null)} />}
      {error && (
        <p class="error banner" role="alert">
          {error}
        </p>
      )}
      <Timeline c={c} onReply={setReplyTo} onEdit={setEditing} onForward={setForwarding} />
      <TypingLine c={c} />
      {c.can.post === false ? (
        <p class="composer hint">Only admins can send messages in this group.</p>
      ) : (
        <Composer
          conversationId={c.id}
          replyTo={replyTo}
          editing={editing}
          lastOwn={mine.at(-1) ?? null}
          onReply={setReplyTo}
          onEdit={setEditing}
          members={c.type === "group" ? c.members.filter((m) => m.user.id !== me.value?.id) : undefined}
          mayMentionEveryone={c.can.mentionEveryone}
        />
      )}
    </section>
  );
}

function Timeline(props: {
  c: Conversation;
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
  onForward: (m: Message) => void;
}) {
  const { c } = props;
  const t = timelines.value.get(c.id);
  const messages = t?.messages ?? [];
  const pending = outbox.value.filter(
    (o) =>
      o.conversationId === c.id &&
      !o.threadRootId &&
      !messages.some((m) => m.clientId === o.clientId && m.sender.id === me.value?.id),
  );
  // Where "New messages" goes: fixed when the conversation opens, from its unread count then.
  const [firstUnread, setFirstUnread] = useState<string | null>(null);
  const unreadAtOpen = useRef<number | null>(null);
  const scroll = useTimelineScroll({
    conversationId: c.id,
    tail: [messages.at(-1)?.id, messages.length, pending.length],
    onAtBottom: () => {
      if (c.unreadCount > 0) void markRead(c.id);
    },
    loadOlder: t?.hasOlder && !t.loading ? () => loadHistory(c.id, true) : null,
  });

  useEffect(() => {
    unreadAtOpen.current = c.unreadCount;
    setFirstUnread(null);
  }, [c.id]);

  useEffect(() => {
    const n = unreadAtOpen.current;
    if (n === null || !t || t.loading) return;
    // More unread than loaded: load back to the first of them (within reason) so the line is where it belongs.
    const fromOthers = messages.filter((m) => m.sender.id !== me.value?.id).length;
    if (n > fromOthers && t.hasOlder && messages.length < MAX_LOAD_FOR_UNREAD) {
      void loadHistory(c.id, true).catch(() => {});
      return;
    }
    unreadAtOpen.current = null;
    setFirstUnread(firstUnreadId(messages, me.value?.id, n));
    if (document.visibilityState === "visible") void markRead(c.id);
  }, [t?.loading, c.id]);

  // Open where the unread messages begin; with nothing unread, at the latest.
  useLayoutEffect(() => {
    if (firstUnread) scroll.startAt(scroll.scroller.current?.querySelector(".new-divider") ?? null);
    else scroll.stickToBottom();
  }, [firstUnread]);

  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  const lastOwnId = messages.findLast((m) => m.sender.id === me.value?.id && !m.deleted)?.id;
  const order = useMemo(() => new Map(messages.map((m, i) => [m.id, i])), [messages]);
  // Changes to a group show as lines among the messages, where they happened.
  // Groups show every change among the messages; a direct chat only its calls.
  const notices = (t?.notices ?? []).filter((n) => c.type === "group" || n.type === "call.ended");
  const rows = timelineRows(messages, notices, {
    firstUnreadId: firstUnread,
    noticesAfterLast: !t?.hasOlder || messages.length > 0,
  });
  const items = rows.map((row) => {
    switch (row.kind) {
      case "day":
        return (
          <li key={`day-${row.key}`} class="day" role="separator">
            <span>{dayLabel(row.at)}</span>
          </li>
        );
      case "notice":
        return (
          <li key={`notice-${row.notice.id}`} class="notice">
            {noticeText(row.notice, me.value?.id, c.type === "direct")}
          </li>
        );
      case "new":
        return (
          <li key="new" class="new-divider" role="separator">
            <span>New messages</span>
          </li>
        );
      case "message": {
        const m = row.message;
        return (
          <MessageItem
            key={m.id}
            m={m}
            c={c}
            continued={row.continued}
            lastOwn={m.id === lastOwnId && pending.length === 0}
            order={order}
            replied={m.replyToId ? (byId.get(m.replyToId) ?? null) : null}
            onReply={props.onReply}
            onEdit={props.onEdit}
            onForward={props.onForward}
            onThread={(root) => openThread(c.id, root.id)}
          />
        );
      }
    }
  });
  for (const o of pending)
    items.push(<PendingItem key={o.clientId} o={o} replied={o.replyToId ? (byId.get(o.replyToId) ?? null) : null} />);

  return (
    <div class="timeline-wrap">
      <div
        class="timeline"
        ref={scroll.scroller}
        onScroll={scroll.onScroll}
        role="log"
        aria-label="Messages"
        aria-live="polite"
        tabIndex={0}
      >
        {t?.loading && <p class="hint loading">Loading messages…</p>}
        {t && !t.hasOlder && messages.length > 0 && (
          <p class="hint start">This is the beginning of the conversation.</p>
        )}
        <ol>{items}</ol>
        {/* Under the group's first lines ("You created the group"), where the first message will go. */}
        {t && !t.loading && !t.failed && messages.length === 0 && pending.length === 0 && (
          <p class="hint start">No messages yet. Say hello!</p>
        )}
      </div>
      {(scroll.unseen > 0 || scroll.away) && (
        <button type="button" class="jump" onClick={scroll.jumpToLatest}>
          {scroll.unseen > 0 ? `↓ ${scroll.unseen} new · Jump to latest` : "↓ Jump to latest"}
        </button>
      )}
    </div>
  );
}

function TypingLine(props: { c: Conversation }) {
  const who = [...(typing.value.get(props.c.id)?.keys() ?? [])]
    .map((id) => props.c.members.find((m) => m.user.id === id)?.user.displayName)
    .filter(Boolean);
  return (
    <p class="typing hint" aria-live="polite">
      {who.length === 0
        ? "\u00a0"
        : who.length === 1
          ? `${who[0]} is typing…`
          : who.length === 2
            ? `${who[0]} and ${who[1]} are typing…`
            : "Several people are typing…"}
    </p>
  );
}

function noticeText(n: Notice, myId: string | undefined, direct: boolean): string {
  const name = (p: Notice["actor"]) => (p ? (p.id === myId ? "You" : p.displayName) : "Someone");
  const actor = name(n.actor);
  const subject = n.subject?.id === myId ? "you" : (n.subject?.displayName ?? "someone");
  const same = n.actor && n.subject && n.actor.id === n.subject.id;
  switch (n.type) {
    case "conversation.created":
      return `${actor} created the group`;
    case "conversation.updated":
      return n.actor ? `${actor} changed the group's details` : "Everyone left; the group is archived";
    case "member.added":
      return same ? `${name(n.subject)} joined` : `${actor} added ${subject}`;
    case "member.removed":
      return same ? `${name(n.subject)} left` : `${actor} removed ${subject}`;
    case "member.role-changed":
      return n.actor
        ? `${actor} changed ${n.subject?.id === myId ? "your" : `${n.subject?.displayName ?? "someone"}'s`} role`
        : `${name(n.subject)} now owns the group`;
    case "call.ended":
      return n.call ? callLine(n.call, { myId, direct }) : "Call";
    case "mls.devices":
      return `${same ? name(n.subject) : subject}'s devices changed. If you compare safety numbers, compare them again.`;
    case "conversation.encrypted":
      return `${actor} turned on end-to-end encryption. Messages from now on can be read only on members' devices.`;
  }
}
