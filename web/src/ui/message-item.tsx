// One message in a timeline: its author, words, files, reactions and actions; and a message still in the outbox.
import { showProfileOf } from "./profile-card.tsx";
import { useState } from "preact/hooks";
import type { Conversation, Message } from "../app/api.ts";
import { receipts } from "../app/activity.ts";
import { deleteMessage, earlierVersions, setPinned, toggleReaction, type Version } from "../app/chat-commands.ts";
import { agoText, fullTime, timeOfDay } from "../app/format.ts";
import { threadUnread } from "../app/threads.ts";
import { timelineKeyOf } from "../app/media.ts";
import { previewText } from "../app/markdown.ts";
import { discard, retry, type Outgoing } from "../app/outbox.ts";
import { me } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { MessageText } from "./message-text.tsx";
import { wordsOf } from "../app/e2ee.ts";
import { Attachments } from "./attachments.tsx";
import { LinkCard } from "./link-card.tsx";
import { lazy } from "./lazy.tsx";

const EmojiPicker = lazy(() => import("./emoji-picker.tsx").then((m) => m.EmojiPicker));
import { SealedMessage } from "./sealed-message.tsx";
import { confirmAction } from "./confirm.tsx";

/** The quick reactions offered on every message. */
const QUICK = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

/** How far my message got: in a direct conversation ✓ sent, ✓✓ delivered, read; in a group, who read it. */
function deliveryState(
  c: Conversation,
  m: Message,
  order: Map<string, number>,
): { label: string; title?: string; read: boolean } | null {
  const mine = order.get(m.id);
  if (mine === undefined) return null;
  const others = c.members.filter((x) => x.user.id !== m.sender.id);
  const got = receipts.value.get(c.id);
  const reached = (id: string | null | undefined) => id !== null && id !== undefined && (order.get(id) ?? -1) >= mine;
  const readers = others.filter((x) => reached(got?.get(x.user.id)?.readMessageId));
  if (c.type === "direct") {
    if (readers.length > 0) return { label: "✓✓ Read", read: true };
    if (others.some((x) => reached(got?.get(x.user.id)?.deliveredMessageId)))
      return { label: "✓✓ Delivered", read: false };
    return { label: "✓ Sent", read: false };
  }
  if (readers.length === 0) return { label: "✓ Sent", read: false };
  return { label: `Read by ${readers.length}`, title: readers.map((x) => x.user.displayName).join(", "), read: true };
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

function ReplyQuote(props: { m: Message | null }) {
  return (
    <blockquote class="reply-quote">
      {props.m ? (
        <>
          <strong>{props.m.sender.displayName}</strong>{" "}
          {props.m.deleted ? "deleted message" : previewText(wordsOf(props.m)).slice(0, 140)}
        </>
      ) : (
        "an earlier message"
      )}
    </blockquote>
  );
}

export function MessageItem(props: {
  m: Message;
  c: Conversation;
  continued: boolean;
  lastOwn: boolean;
  order: Map<string, number>;
  replied: Message | null;
  onReply: (m: Message) => void;
  onEdit: (m: Message) => void;
  onForward: (m: Message) => void;
  /** Opens the message's thread; absent inside a thread (threads are one level deep). */
  onThread?: (m: Message) => void;
}) {
  const { m, c } = props;
  const myId = me.value?.id ?? "";
  const own = m.sender.id === myId;
  const [error, setError] = useState<string | null>(null);
  const [picking, setPicking] = useState(false);
  const [fullPicker, setFullPicker] = useState(false);
  // Earlier texts of an edited message, for its author and the group's admins.
  const [versions, setVersions] = useState<Version[] | null>(null);
  const loadVersions = () => earlierVersions(m).then(setVersions);
  const act = (p: Promise<unknown>) =>
    p.then(
      () => setError(null),
      (err) => setError(err instanceof Error ? err.message : String(err)),
    );
  const react = (emoji: string) => {
    setPicking(false);
    act(toggleReaction(m, emoji));
  };
  const mentionsMe = !own && (m.mentions.everyone || m.mentions.userIds.includes(myId));
  const canDelete = own || c.can.deleteOthers;
  const remove = async () => {
    if (!(await confirmAction({ title: "Delete this message for everyone?", action: "Delete" }))) return;
    try {
      await deleteMessage(m);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <li
      id={`m-${m.id}`}
      class={`message${props.continued ? " continued" : ""}${own ? " own" : ""}${mentionsMe ? " mentions-me" : ""}`}
    >
      <article aria-label={`${m.sender.displayName}, ${fullTime(m.createdAt)}`} tabIndex={0}>
        <div class="gutter">
          {props.continued ? (
            <time class="hover-time" dateTime={m.createdAt}>
              {timeOfDay(m.createdAt)}
            </time>
          ) : (
            // A second way to the card for a pointer; the name beside it is the button for the keyboard.
            <span class="avatar-click" onClick={() => showProfileOf(m)}>
              <Avatar person={m.sender} size={36} />
            </span>
          )}
        </div>
        <div class="body">
          {!props.continued && (
            <div class="meta">
              <button type="button" class="sender-button" onClick={() => showProfileOf(m)}>
                <strong class="sender">{m.sender.displayName}</strong>
              </button>
              <time dateTime={m.createdAt} title={fullTime(m.createdAt)}>
                {timeOfDay(m.createdAt)}
              </time>
            </div>
          )}
          {m.forwardedFrom && !m.deleted && (
            <p class="forwarded hint">↪ Forwarded from {m.forwardedFrom.displayName}</p>
          )}
          {m.replyToId && !m.deleted && <ReplyQuote m={props.replied} />}
          {m.deleted ? (
            <p class="deleted">This message was deleted.</p>
          ) : m.encrypted ? (
            <SealedMessage m={m} />
          ) : (
            m.text && <MessageText text={m.text} />
          )}
          {!m.deleted && !m.encrypted && m.attachments.length > 0 && (
            <Attachments list={m.attachments} timelineKey={timelineKeyOf(m)} />
          )}
          {!m.deleted && m.preview && <LinkCard m={m} own={own} />}
          {m.reactions.length > 0 && (
            <div class="reactions" role="group" aria-label="Reactions">
              {m.reactions.map((r) => {
                const mine = r.userIds.includes(myId);
                const names = r.userIds
                  .map((id) => c.members.find((x) => x.user.id === id)?.user.displayName ?? "someone")
                  .join(", ");
                return (
                  <button
                    key={r.emoji}
                    type="button"
                    class={`reaction${mine ? " mine" : ""}`}
                    aria-pressed={mine}
                    aria-label={`${r.emoji} ${r.count}: ${names}`}
                    title={names}
                    onClick={() => react(r.emoji)}
                  >
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
              <button
                type="button"
                class="icon"
                data-emoji-toggle
                aria-label="More reactions"
                title="More reactions"
                aria-expanded={fullPicker}
                onClick={() => setFullPicker(!fullPicker)}
              >
                ＋
              </button>
            </div>
          )}
          {picking && fullPicker && (
            <EmojiPicker
              label="Pick a reaction"
              onPick={(e) => (setFullPicker(false), react(e))}
              onClose={() => setFullPicker(false)}
            />
          )}
          <div class="status">
            {m.editedAt && !m.deleted && (own || c.myRole !== "member") ? (
              <button
                type="button"
                class="link-like hint"
                title={fullTime(m.editedAt)}
                aria-expanded={versions !== null}
                onClick={() => (versions ? setVersions(null) : act(loadVersions()))}
              >
                (edited)
              </button>
            ) : (
              m.editedAt &&
              !m.deleted && (
                <small class="hint" title={fullTime(m.editedAt)}>
                  (edited)
                </small>
              )
            )}
            {m.pinned && <small class="hint">📌 Pinned</small>}
            {own && !m.deleted && props.lastOwn && <Delivery state={deliveryState(c, m, props.order)} />}
          </div>
          {props.onThread && m.thread && m.thread.replyCount > 0 && (
            <ThreadLine m={m} c={c} onOpen={() => props.onThread!(m)} />
          )}
          {versions && (
            <ol class="versions" aria-label="Earlier versions">
              {versions.map((v) => (
                <li key={v.replacedAt}>
                  <small class="hint">until {fullTime(v.replacedAt)}</small> {v.text}
                </li>
              ))}
            </ol>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
        </div>
        {!m.deleted && (
          <div class="actions" role="group" aria-label="Message actions">
            {c.can.react && (
              <button
                type="button"
                class="icon"
                aria-label="React"
                title="React"
                aria-expanded={picking}
                onClick={() => setPicking(!picking)}
              >
                ☺
              </button>
            )}
            <button type="button" class="icon" aria-label="Reply" title="Reply" onClick={() => props.onReply(m)}>
              ↩
            </button>
            {props.onThread && (
              <button
                type="button"
                class="icon"
                aria-label="Reply in thread"
                title="Reply in thread"
                onClick={() => props.onThread!(m)}
              >
                🧵
              </button>
            )}
            {/* The server cannot copy an encrypted message, and editing one would need a new ciphertext. */}
            {!m.encrypted && (
              <button
                type="button"
                class="icon"
                aria-label="Forward"
                title="Forward"
                onClick={() => props.onForward(m)}
              >
                ↪
              </button>
            )}
            {c.can.pin && (
              <button
                type="button"
                class="icon"
                aria-label={m.pinned ? "Unpin" : "Pin"}
                title={m.pinned ? "Unpin" : "Pin"}
                onClick={() => act(setPinned(m, !m.pinned))}
              >
                📌
              </button>
            )}
            {own && !m.encrypted && (
              <button type="button" class="icon" aria-label="Edit" title="Edit" onClick={() => props.onEdit(m)}>
                ✎
              </button>
            )}
            {canDelete && (
              <button type="button" class="icon" aria-label="Delete" title="Delete" onClick={() => void remove()}>
                🗑
              </button>
            )}
          </div>
        )}
      </article>
    </li>
  );
}

/** Under a thread's first message: "3 replies · last reply 5 min ago", who replied, and whether any is new to me. */
function ThreadLine(props: { m: Message; c: Conversation; onOpen: () => void }) {
  const { replyCount, lastReplyAt, participantIds } = props.m.thread!;
  const unread = threadUnread(props.c.id, props.m.id);
  const people = participantIds.flatMap((id) => {
    const member = props.c.members.find((x) => x.user.id === id);
    return member ? [member.user] : [];
  });
  const label = `${replyCount} ${replyCount === 1 ? "reply" : "replies"}`;
  return (
    <button type="button" class={`thread-line${unread > 0 ? " unread" : ""}`} onClick={props.onOpen}>
      <span class="thread-people" aria-hidden="true">
        {people.slice(0, 3).map((p) => (
          <Avatar key={p.id} person={p} size={20} decorative />
        ))}
      </span>
      <strong>{label}</strong>
      {unread > 0 && <span class="badge">{unread} new</span>}
      {lastReplyAt && <span class="hint">Last reply {agoText(lastReplyAt)}</span>}
    </button>
  );
}

export function PendingItem(props: { o: Outgoing; replied: Message | null }) {
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
            <small class="hint state" role="status">
              Sending…
            </small>
          ) : (
            <p class="state failed" role="alert">
              Not sent: {o.error}{" "}
              <button type="button" onClick={() => retry(o.clientId)}>
                Retry
              </button>{" "}
              <button type="button" onClick={() => discard(o.clientId)}>
                Discard
              </button>
            </p>
          )}
        </div>
      </article>
    </li>
  );
}
