import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, type Conversation, type Message, type Notice } from "../app/api.ts";
import { presence, receipts, typing, loadReceipts } from "../app/activity.ts";
import { conversationTitle, conversations, deleteMessage, loadHistory, markRead, markUnread, otherPerson, setMuted, setPinned, timelines, toggleReaction } from "../app/chats.ts";
import { dayLabel, fullTime, sameDay, timeOfDay } from "../app/format.ts";
import { previewText } from "../app/markdown.ts";
import { discard, outbox, retry, type Outgoing } from "../app/outbox.ts";
import { me, navigate } from "../app/state.ts";
import { Avatar, GroupAvatar } from "./avatar.tsx";
import { Composer } from "./composer.tsx";
import { lazy } from "./lazy.tsx";
import { formatSize, startUpload } from "../app/uploads.ts";
import { Dialog } from "./dialog.tsx";
import { MessageText } from "./message-text.tsx";

const GroupPanel = lazy(() => import("./group-panel.tsx").then((m) => m.GroupPanel));
const ForwardDialog = lazy(() => import("./forward-dialog.tsx").then((m) => m.ForwardDialog));

/** The quick reactions offered on every message. */
const QUICK = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

/** Messages from one person within this long of each other read as one block. */
const GROUP_WITHIN_MS = 5 * 60_000;

export function ConversationView(props: { id: string }) {
  const c = conversations.value.get(props.id);
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [panel, setPanel] = useState(false);
  const [forwarding, setForwarding] = useState<Message | null>(null);

  useEffect(() => {
    setReplyTo(null);
    setEditing(null);
    setPanel(false);
    void loadReceipts(props.id).catch(() => {});
  }, [props.id]);

  // Load when opened, and again when the timeline was dropped (a fresh start after a reload or sign-in).
  const loaded = timelines.value.has(props.id);
  useEffect(() => {
    if (loaded) return;
    setError(null);
    loadHistory(props.id).catch((err) => setError(err.message));
  }, [props.id, loaded]);

  if (!c) return <section class="conversation empty-state"><p class="hint">This conversation is not available.</p></section>;
  const title = conversationTitle(c);
  const person = otherPerson(c);
  const t = timelines.value.get(c.id);
  const mine = (t?.messages ?? []).filter((m) => m.sender.id === me.value?.id && !m.deleted);
  return (
    <section
      class="conversation"
      aria-label={title}
      onDragOver={(e) => c.can.post !== false && e.dataTransfer?.types.includes("Files") && e.preventDefault()}
      onDrop={(e) => {
        const dropped = [...(e.dataTransfer?.files ?? [])];
        if (dropped.length === 0 || c.can.post === false) return;
        e.preventDefault();
        for (const f of dropped) startUpload(c.id, f);
      }}
    >
      <header class="conversation-head">
        <button type="button" class="icon back" aria-label="Back to conversations" onClick={() => navigate("/")}>
          ←
        </button>
        {person ? <Avatar person={person} size={36} decorative /> : <GroupAvatar id={c.id} title={title} size={36} />}
        <div class="head-title">
          <h2>{title}</h2>
          <small class="hint">{person ? presenceLine(person.id, person.username) : `${c.members.length} members`}</small>
        </div>
        {c.mutedUntil ? (
          <button type="button" class="icon" aria-label="Unmute" title={c.mutedUntil.startsWith("9999") ? "Muted until you unmute" : `Muted until ${fullTime(c.mutedUntil)}`} onClick={() => void setMuted(c.id, null).catch((err) => setError(err.message))}>
            🔕
          </button>
        ) : (
          <select
            class="mute"
            aria-label="Mute"
            value=""
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v) void setMuted(c.id, v === "forever" ? "forever" : Number(v)).catch((err) => setError(err.message));
            }}
          >
            <option value="">🔔</option>
            <option value="1">Mute for 1 hour</option>
            <option value="8">Mute for 8 hours</option>
            <option value="168">Mute for a week</option>
            <option value="forever">Mute until I unmute</option>
          </select>
        )}
        <button type="button" class="icon" aria-label="Mark as unread" title="Mark as unread" onClick={() => void markUnread(c.id).then(() => navigate("/"), (err) => setError(err.message))}>
          ●
        </button>
        {c.type === "group" && (
          <button type="button" class="icon" aria-label="Group info" title="Group info" onClick={() => setPanel(true)}>
            ℹ️
          </button>
        )}
      </header>
      {panel && <GroupPanel c={c} onClose={() => setPanel(false)} />}
      {forwarding && <ForwardDialog m={forwarding} onClose={() => setForwarding(null)} />}
      {error && <p class="error banner" role="alert">{error}</p>}
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

function Timeline(props: { c: Conversation; onReply: (m: Message) => void; onEdit: (m: Message) => void; onForward: (m: Message) => void }) {
  const { c } = props;
  const t = timelines.value.get(c.id);
  const messages = t?.messages ?? [];
  const pending = outbox.value.filter((o) => o.conversationId === c.id && !messages.some((m) => m.clientId === o.clientId && m.sender.id === me.value?.id));
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const beforeLoad = useRef<{ height: number; top: number } | null>(null);
  const [unseen, setUnseen] = useState(0);
  // Where "New messages" goes: fixed when the conversation opens, from its unread count then.
  const [firstUnreadId, setFirstUnreadId] = useState<string | null>(null);
  const unreadAtOpen = useRef<number | null>(null);

  useEffect(() => {
    unreadAtOpen.current = c.unreadCount;
    setFirstUnreadId(null);
    atBottom.current = true;
    setUnseen(0);
  }, [c.id]);

  useEffect(() => {
    const n = unreadAtOpen.current;
    if (n === null || !t || t.loading) return;
    unreadAtOpen.current = null;
    if (n > 0) {
      const others = messages.filter((m) => m.sender.id !== me.value?.id);
      setFirstUnreadId(others[Math.max(0, others.length - n)]?.id ?? null);
    }
    if (document.visibilityState === "visible") void markRead(c.id);
  }, [t?.loading, c.id]);

  const lastId = messages.at(-1)?.id;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (beforeLoad.current) {
      // Older messages went in above: keep what the reader was looking at where it was.
      el.scrollTop = el.scrollHeight - beforeLoad.current.height + beforeLoad.current.top;
      beforeLoad.current = null;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
    else setUnseen((n) => n + 1);
  }, [lastId, messages.length, pending.length]);

  useEffect(() => {
    const el = scroller.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [firstUnreadId]);

  const onScroll = () => {
    const el = scroller.current!;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (atBottom.current) {
      setUnseen(0);
      if (c.unreadCount > 0) void markRead(c.id);
    }
    if (el.scrollTop < 200 && t?.hasOlder && !t.loading) {
      beforeLoad.current = { height: el.scrollHeight, top: el.scrollTop };
      void loadHistory(c.id, true).catch(() => (beforeLoad.current = null));
    }
  };

  const byId = useMemo(() => new Map(messages.map((m) => [m.id, m])), [messages]);
  const lastOwnId = messages.findLast((m) => m.sender.id === me.value?.id && !m.deleted)?.id;
  const order = useMemo(() => new Map(messages.map((m, i) => [m.id, i])), [messages]);
  const items = [];
  let prev: Message | null = null;
  let lastDay: string | null = null;
  const day = (at: string, key: string) => {
    if (lastDay && sameDay(lastDay, at)) return;
    items.push(<li key={`day-${key}`} class="day" role="separator"><span>{dayLabel(at)}</span></li>);
    lastDay = at;
    prev = null;
  };
  // Changes to a group show as lines among the messages, where they happened.
  const notices = c.type === "group" ? (t?.notices ?? []) : [];
  let n = 0;
  const noticesUntil = (at: string | null) => {
    while (n < notices.length && (at === null || notices[n]!.createdAt <= at)) {
      const notice = notices[n++]!;
      day(notice.createdAt, notice.id);
      items.push(<li key={`notice-${notice.id}`} class="notice">{noticeText(notice, me.value?.id)}</li>);
      prev = null;
    }
  };
  for (const m of messages) {
    noticesUntil(m.createdAt);
    day(m.createdAt, m.id);
    if (m.id === firstUnreadId) items.push(<li key="new" class="new-divider" role="separator"><span>New messages</span></li>);
    const continued = prev !== null && prev.sender.id === m.sender.id && Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_WITHIN_MS && m.id !== firstUnreadId;
    items.push(<MessageItem key={m.id} m={m} c={c} continued={continued} lastOwn={m.id === lastOwnId && pending.length === 0} order={order} replied={m.replyToId ? (byId.get(m.replyToId) ?? null) : null} onReply={props.onReply} onEdit={props.onEdit} onForward={props.onForward} />);
    prev = m;
  }
  if (!t?.hasOlder || messages.length > 0) noticesUntil(null);
  for (const o of pending) items.push(<PendingItem key={o.clientId} o={o} replied={o.replyToId ? (byId.get(o.replyToId) ?? null) : null} />);

  return (
    <div class="timeline-wrap">
      <div class="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
        {t?.loading && <p class="hint loading">Loading messages…</p>}
        {t && !t.hasOlder && messages.length > 0 && <p class="hint start">This is the beginning of the conversation.</p>}
        {t && !t.loading && !t.failed && messages.length === 0 && pending.length === 0 && <p class="hint start">No messages yet. Say hello!</p>}
        <ol>{items}</ol>
      </div>
      {unseen > 0 && (
        <button
          type="button"
          class="jump"
          onClick={() => {
            const el = scroller.current!;
            el.scrollTop = el.scrollHeight;
          }}
        >
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
}

/** "online", "away", "last seen …", or just the username when nothing is known. */
function presenceLine(userId: string, username: string): string {
  const p = presence.value.get(userId);
  if (p?.status === "online") return "online";
  if (p?.status === "away") return "away";
  if (p?.lastSeenAt) return `last seen ${fullTime(p.lastSeenAt)}`;
  return `@${username}`;
}

function TypingLine(props: { c: Conversation }) {
  const who = [...(typing.value.get(props.c.id)?.keys() ?? [])].map((id) => props.c.members.find((m) => m.user.id === id)?.user.displayName).filter(Boolean);
  return (
    <p class="typing hint" aria-live="polite">
      {who.length === 0 ? "\u00a0" : who.length === 1 ? `${who[0]} is typing…` : who.length === 2 ? `${who[0]} and ${who[1]} are typing…` : "Several people are typing…"}
    </p>
  );
}

/** How far my message got: in a direct conversation ✓ sent, ✓✓ delivered, read; in a group, who read it. */
function deliveryState(c: Conversation, m: Message, order: Map<string, number>): { label: string; title?: string; read: boolean } | null {
  const mine = order.get(m.id);
  if (mine === undefined) return null;
  const others = c.members.filter((x) => x.user.id !== m.sender.id);
  const got = receipts.value.get(c.id);
  const reached = (id: string | null | undefined) => id !== null && id !== undefined && (order.get(id) ?? -1) >= mine;
  const readers = others.filter((x) => reached(got?.get(x.user.id)?.readMessageId));
  if (c.type === "direct") {
    if (readers.length > 0) return { label: "✓✓ Read", read: true };
    if (others.some((x) => reached(got?.get(x.user.id)?.deliveredMessageId))) return { label: "✓✓ Delivered", read: false };
    return { label: "✓ Sent", read: false };
  }
  if (readers.length === 0) return { label: "✓ Sent", read: false };
  return { label: `Read by ${readers.length}`, title: readers.map((x) => x.user.displayName).join(", "), read: true };
}

function noticeText(n: Notice, myId: string | undefined): string {
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
      return n.actor ? `${actor} changed ${n.subject?.id === myId ? "your" : `${n.subject?.displayName ?? "someone"}'s`} role` : `${name(n.subject)} now owns the group`;
  }
}

function Delivery(props: { state: ReturnType<typeof deliveryState> }) {
  const [open, setOpen] = useState(false);
  if (!props.state) return null;
  const { label, title, read } = props.state;
  if (!title) return <small class={`hint sent${read ? " read" : ""}`}>{label}</small>;
  // In a group: "Read by N", and who, on request.
  return (
    <small class="hint sent read">
      <button type="button" class="link-like" aria-expanded={open} onClick={() => setOpen(!open)}>
        {label}
      </button>
      {open && <span class="readers">: {title}</span>}
    </small>
  );
}

const IMAGE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Pictures as previews that open larger; any other file as a card to download. */
function Attachments(props: { list: Message["attachments"] }) {
  const [open, setOpen] = useState<Message["attachments"][number] | null>(null);
  return (
    <div class="attachments">
      {props.list.map((a) =>
        IMAGE.has(a.type) ? (
          <button key={a.id} type="button" class="image-preview" aria-label={`Open image ${a.name}`} onClick={() => setOpen(a)}>
            <img src={a.url} alt={a.name} loading="lazy" />
          </button>
        ) : (
          <a key={a.id} class="file-card" href={a.url} download={a.name}>
            <span aria-hidden="true">📄</span>
            <span>
              <strong>{a.name}</strong>
              <small class="hint">{formatSize(a.size)}</small>
            </span>
          </a>
        ),
      )}
      {open && (
        <Dialog title={open.name} onClose={() => setOpen(null)} wide>
          <img class="lightbox" src={open.url} alt={open.name} />
          <p>
            <a href={open.url} download={open.name}>
              Download ({formatSize(open.size)})
            </a>
          </p>
        </Dialog>
      )}
    </div>
  );
}

function ReplyQuote(props: { m: Message | null }) {
  return <blockquote class="reply-quote">{props.m ? <><strong>{props.m.sender.displayName}</strong> {props.m.deleted ? "deleted message" : previewText(props.m.text).slice(0, 140)}</> : "an earlier message"}</blockquote>;
}

function MessageItem(props: {
  m: Message;
  c: Conversation;
  continued: boolean;
  lastOwn: boolean;
  order: Map<string, number>;
  replied: Message | null;
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
  onForward: (m: Message) => void;
}) {
  const { m, c } = props;
  const myId = me.value?.id ?? "";
  const own = m.sender.id === myId;
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  // Earlier texts of an edited message, for its author and the group's admins.
  const [versions, setVersions] = useState<{ text: string; replacedAt: string }[] | null>(null);
  const loadVersions = () =>
    api<{ versions: { text: string; replacedAt: string }[] }>("GET", `/conversations/${encodeURIComponent(m.conversationId)}/messages/${encodeURIComponent(m.id)}/versions`).then((r) => setVersions(r.versions));
  const act = (p: Promise<unknown>) => p.then(() => setError(null), (err) => setError(err instanceof Error ? err.message : String(err)));
  const react = (emoji: string) => {
    setPicking(false);
    act(toggleReaction(m, emoji));
  };
  const mentionsMe = !own && (m.mentions.everyone || m.mentions.userIds.includes(myId));
  const canDelete = own || c.can.deleteOthers;
  const remove = async () => {
    if (!confirm("Delete this message for everyone?")) return;
    try {
      await deleteMessage(m);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <li class={`message${props.continued ? " continued" : ""}${own ? " own" : ""}${mentionsMe ? " mentions-me" : ""}`}>
      <article aria-label={`${m.sender.displayName}, ${fullTime(m.createdAt)}`} tabIndex={0}>
        <div class="gutter">{props.continued ? <time class="hover-time" dateTime={m.createdAt}>{timeOfDay(m.createdAt)}</time> : <Avatar person={m.sender} size={36} />}</div>
        <div class="body">
          {!props.continued && (
            <div class="meta">
              <strong class="sender">{m.sender.displayName}</strong>
              <time dateTime={m.createdAt} title={fullTime(m.createdAt)}>{timeOfDay(m.createdAt)}</time>
            </div>
          )}
          {m.forwardedFrom && !m.deleted && <p class="forwarded hint">↪ Forwarded from {m.forwardedFrom.displayName}</p>}
          {m.replyToId && !m.deleted && <ReplyQuote m={props.replied} />}
          {m.deleted ? <p class="deleted">This message was deleted.</p> : m.text && <MessageText text={m.text} />}
          {!m.deleted && m.attachments.length > 0 && <Attachments list={m.attachments} />}
          {m.reactions.length > 0 && (
            <div class="reactions" role="group" aria-label="Reactions">
              {m.reactions.map((r) => {
                const mine = r.userIds.includes(myId);
                const names = r.userIds.map((id) => c.members.find((x) => x.user.id === id)?.user.displayName ?? "someone").join(", ");
                return (
                  <button key={r.emoji} type="button" class={`reaction${mine ? " mine" : ""}`} aria-pressed={mine} aria-label={`${r.emoji} ${r.count}: ${names}`} title={names} onClick={() => react(r.emoji)}>
                    {r.emoji} <span>{r.count}</span>
                  </button>
                );
              })}
            </div>
          )}
          {picking && (
            <div class="reaction-picker" role="group" aria-label="Pick a reaction">
              {QUICK.map((e) => (
                <button key={e} type="button" class="icon" aria-label={`React with ${e}`} onClick={() => react(e)}>
                  {e}
                </button>
              ))}
            </div>
          )}
          <div class="status">
            {m.editedAt && !m.deleted && (own || c.myRole !== "member") ? (
              <button type="button" class="link-like hint" title={fullTime(m.editedAt)} aria-expanded={versions !== null} onClick={() => (versions ? setVersions(null) : act(loadVersions()))}>
                (edited)
              </button>
            ) : (
              m.editedAt && !m.deleted && <small class="hint" title={fullTime(m.editedAt)}>(edited)</small>
            )}
            {m.pinned && <small class="hint">📌 Pinned</small>}
            {own && !m.deleted && props.lastOwn && <Delivery state={deliveryState(c, m, props.order)} />}
          </div>
          {versions && (
            <ol class="versions" aria-label="Earlier versions">
              {versions.map((v) => (
                <li key={v.replacedAt}>
                  <small class="hint">until {fullTime(v.replacedAt)}</small> {v.text}
                </li>
              ))}
            </ol>
          )}
          {error && <p class="error" role="alert">{error}</p>}
        </div>
        {!m.deleted && (
          <div class="actions" role="group" aria-label="Message actions">
            {c.can.react && <button type="button" class="icon" aria-label="React" title="React" aria-expanded={picking} onClick={() => setPicking(!picking)}>☺</button>}
            <button type="button" class="icon" aria-label="Reply" title="Reply" onClick={() => props.onReply(m)}>↩</button>
            <button type="button" class="icon" aria-label="Forward" title="Forward" onClick={() => props.onForward(m)}>↪</button>
            {c.can.pin && <button type="button" class="icon" aria-label={m.pinned ? "Unpin" : "Pin"} title={m.pinned ? "Unpin" : "Pin"} onClick={() => act(setPinned(m, !m.pinned))}>📌</button>}
            {own && <button type="button" class="icon" aria-label="Edit" title="Edit" onClick={() => props.onEdit(m)}>✎</button>}
            {canDelete && <button type="button" class="icon" aria-label="Delete" title="Delete" onClick={() => void remove()}>🗑</button>}
          </div>
        )}
      </article>
    </li>
  );
}

function PendingItem(props: { o: Outgoing; replied: Message | null }) {
  const { o } = props;
  const user = me.value!;
  return (
    <li class={`message own pending ${o.state}`}>
      <article aria-label={`${user.displayName}, ${o.state === "failed" ? "not sent" : "sending"}`}>
        <div class="gutter">
          <Avatar person={user} size={36} />
        </div>
        <div class="body">
          <div class="meta">
            <strong class="sender">{user.displayName}</strong>
            <time dateTime={o.createdAt}>{timeOfDay(o.createdAt)}</time>
          </div>
          {o.replyToId && <ReplyQuote m={props.replied} />}
          {o.text && <MessageText text={o.text} />}
          {o.attachments?.length ? <p class="hint">📎 {o.attachments.map((a) => a.name).join(", ")}</p> : null}
          {o.state === "sending" ? (
            <small class="hint state" role="status">Sending…</small>
          ) : (
            <p class="state failed" role="alert">
              Not sent: {o.error}{" "}
              <button type="button" onClick={() => retry(o.clientId)}>Retry</button>{" "}
              <button type="button" onClick={() => discard(o.clientId)}>Discard</button>
            </p>
          )}
        </div>
      </article>
    </li>
  );
}
