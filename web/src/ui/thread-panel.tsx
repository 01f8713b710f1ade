// A thread beside its conversation (over it, full screen, on a phone): the first message, its replies, and a
// composer that writes in the thread; and the list of the threads I follow in a conversation.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { Conversation, Message } from "../app/api.ts";
import { conversations, timelines } from "../app/chats.ts";
import { conversationTitle } from "../app/chat-display.ts";
import { agoText } from "../app/format.ts";
import { previewText } from "../app/markdown.ts";
import { wordsOf } from "../app/e2ee.ts";
import { outbox } from "../app/outbox.ts";
import { me } from "../app/state.ts";
import {
  closeThread,
  isFollowing,
  loadMyThreads,
  loadThread,
  markThreadRead,
  myThreads,
  openThread,
  setFollowing,
  threadKey,
  sidePanel,
} from "../app/threads.ts";
import { Composer } from "./composer.tsx";
import { lazy } from "./lazy.tsx";
import { MessageItem, PendingItem } from "./message-item.tsx";
import { useTimelineScroll } from "./timeline-hooks.ts";
import { SidePanel } from "./side-panel.tsx";

const ForwardDialog = lazy(() => import("./forward-dialog.tsx").then((m) => m.ForwardDialog));

export function ThreadPanel(props: { conversationId: string; rootId: string }) {
  const { conversationId, rootId } = props;
  const c = conversations.value.get(conversationId);
  const t = timelines.value.get(threadKey(rootId));
  const [error, setError] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const [forwarding, setForwarding] = useState<Message | null>(null);

  useEffect(() => {
    setReplyTo(null);
    setEditing(null);
    if (!myThreads.value.has(conversationId)) loadMyThreads(conversationId).catch(() => {});
  }, [conversationId, rootId]);
  // Load when opened, and again when the timelines were dropped (a fresh start after a reload or sign-in).
  const loaded = t !== undefined;
  useEffect(() => {
    if (loaded) return;
    setError(null);
    loadThread(conversationId, rootId).catch((err) => setError(err.message));
  }, [conversationId, rootId, loaded]);

  const messages = t?.messages ?? [];
  const root = messages[0]?.id === rootId ? messages[0] : undefined;
  const replies = root ? messages.slice(1) : [];
  const pending = outbox.value.filter(
    (o) => o.threadRootId === rootId && !replies.some((m) => m.clientId === o.clientId && m.sender.id === me.value?.id),
  );
  const scroll = useTimelineScroll({
    conversationId: rootId,
    tail: [replies.at(-1)?.id, replies.length, pending.length],
    onAtBottom: () => void markThreadRead(conversationId, rootId),
    loadOlder: null,
  });
  // Reading the thread as replies come in (and when it opens) moves my place in it.
  useEffect(() => {
    if (replies.length > 0 && document.visibilityState === "visible") void markThreadRead(conversationId, rootId);
  }, [replies.at(-1)?.id]);
  useEffect(() => scroll.stickToBottom(), [root?.id]);

  const order = useMemo(() => new Map(messages.map((m, i) => [m.id, i])), [messages]);
  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  if (!c) return null;
  const following = isFollowing(conversationId, rootId);
  const item = (m: Message, i: number) => (
    <MessageItem
      key={m.id}
      m={m}
      c={c}
      continued={i > 0 && replies[i - 1]?.sender.id === m.sender.id}
      lastOwn={false}
      order={order}
      replied={m.replyToId ? (byId.get(m.replyToId) ?? null) : null}
      onReply={setReplyTo}
      onEdit={setEditing}
      onForward={setForwarding}
    />
  );
  return (
    <SidePanel
      name="Thread"
      className="thread-panel"
      subtitle={conversationTitle(c)}
      closeLabel="Close thread"
      onClose={() => closeThread(conversationId)}
      actions={
        root &&
        !root.deleted && (
          <button
            type="button"
            class="follow"
            aria-pressed={following}
            title={following ? "Replies count as unread and may notify you" : "Follow to hear of new replies"}
            onClick={() => setFollowing(conversationId, rootId, !following).catch((err) => setError(err.message))}
          >
            {following ? "Following" : "Follow"}
          </button>
        )
      }
    >
      {error && (
        <p class="error banner" role="alert">
          {error}
        </p>
      )}
      {forwarding && <ForwardDialog m={forwarding} onClose={() => setForwarding(null)} />}
      <div
        class="timeline"
        ref={scroll.scroller}
        onScroll={scroll.onScroll}
        role="log"
        aria-label="Thread replies"
        tabIndex={0}
      >
        {t?.loading && <p class="hint loading">Loading the thread…</p>}
        {root && <ol class="thread-root">{item(root, -1)}</ol>}
        {root && (
          <p class="thread-count" role="separator">
            {replies.length === 0
              ? "No replies yet"
              : `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`}
          </p>
        )}
        <ol>
          {replies.map(item)}
          {pending.map((o) => (
            <PendingItem key={o.clientId} o={o} replied={o.replyToId ? (byId.get(o.replyToId) ?? null) : null} />
          ))}
        </ol>
      </div>
      {root &&
        (c.can.post === false ? (
          <p class="composer hint">Only admins can send messages in this group.</p>
        ) : (
          <Composer
            conversationId={conversationId}
            threadRootId={rootId}
            placeholder="Reply in the thread…"
            replyTo={replyTo}
            editing={editing}
            lastOwn={replies.findLast((m) => m.sender.id === me.value?.id && !m.deleted && !m.encrypted) ?? null}
            onReply={setReplyTo}
            onEdit={setEditing}
            members={c.type === "group" ? c.members.filter((m) => m.user.id !== me.value?.id) : undefined}
            mayMentionEveryone={c.can.mentionEveryone}
          />
        ))}
    </SidePanel>
  );
}

/** The threads I follow in a conversation: the newest reply first, with what is new to me in each. */
export function ThreadList(props: { c: Conversation }) {
  const { c } = props;
  const [error, setError] = useState<string | null>(null);
  // Fresh when opened; after that the conversation view asks again whenever the thread unread count moves.
  useEffect(() => {
    loadMyThreads(c.id).catch((err) => setError(err.message));
  }, [c.id]);
  const list = myThreads.value.get(c.id);
  return (
    <SidePanel
      name="Threads"
      className="thread-list"
      subtitle={conversationTitle(c)}
      closeLabel="Close threads"
      onClose={() => (sidePanel.value = null)}
    >
      {error && (
        <p class="error banner" role="alert">
          {error}
        </p>
      )}
      {list && list.length === 0 && (
        <p class="hint side-empty">
          No threads yet. Threads you start, reply in or are mentioned in show here; “Reply in thread” on a message
          starts one.
        </p>
      )}
      <ul class="threads">
        {(list ?? []).map(({ root, unreadCount }) => (
          <li key={root.id}>
            <button type="button" class={unreadCount > 0 ? "unread" : ""} onClick={() => openThread(c.id, root.id)}>
              <strong>{root.sender.displayName}</strong>
              <span class="preview">{root.deleted ? "Deleted message" : previewText(wordsOf(root)).slice(0, 140)}</span>
              <small class="hint">
                {root.thread?.replyCount ?? 0} {root.thread?.replyCount === 1 ? "reply" : "replies"}
                {root.thread?.lastReplyAt ? ` · last ${agoText(root.thread.lastReplyAt)}` : ""}
              </small>
              {unreadCount > 0 && <span class="badge">{unreadCount} new</span>}
            </button>
          </li>
        ))}
      </ul>
    </SidePanel>
  );
}
