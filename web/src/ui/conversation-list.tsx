import { useEffect, useState } from "preact/hooks";
import { api, type Conversation } from "../app/api.ts";
import { listLoaded, sortedConversations } from "../app/chats.ts";
import { conversationTitle, otherPerson } from "../app/chat-display.ts";
import { listTime } from "../app/format.ts";
import { previewText } from "../app/markdown.ts";
import { instance, navigate, me } from "../app/state.ts";
import { outbox } from "../app/outbox.ts";
import { isEncrypted, wordsOf } from "../app/e2ee.ts";
import { presence } from "../app/activity.ts";
import { Avatar, GroupAvatar } from "./avatar.tsx";
import { AddressHint } from "./share-link.tsx";

/** Every conversation, most recent first, filtered by the search box. */
export function ConversationList(props: { openId: string | null; onInvite: () => void }) {
  const [filter, setFilter] = useState("");
  const q = filter.trim().toLowerCase();
  const shown = sortedConversations.value.filter((c) => !q || matches(c, q));
  return (
    <nav class="conversations" aria-label="Conversations">
      <div class="search">
        <input
          type="search"
          placeholder="Search conversations"
          aria-label="Search conversations"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      </div>
      {shown.length === 0 && !q && listLoaded.value && me.value?.role === "admin" && (
        <FirstSteps onInvite={props.onInvite} />
      )}
      {shown.length === 0 && !(listLoaded.value && !q && me.value?.role === "admin") && (
        <p class="empty hint">
          {q
            ? "No conversation matches."
            : listLoaded.value
              ? "No conversations yet. Start one with New chat."
              : "Loading…"}
        </p>
      )}
      <ul>
        {shown.map((c) => (
          <ConversationRow key={c.id} c={c} active={c.id === props.openId} />
        ))}
      </ul>
    </nav>
  );
}

/**
 * An admin with no conversations: when nobody else has an account yet, the way to invite them (and the address
 * others can use); otherwise how to start talking.
 */
function FirstSteps(props: { onInvite: () => void }) {
  const [alone, setAlone] = useState<boolean | null>(null);
  useEffect(() => {
    api<{ users: { deleted: boolean }[] }>("GET", "/admin/users").then(
      (r) => setAlone(r.users.filter((u) => !u.deleted).length <= 1),
      () => setAlone(false),
    );
  }, []);
  if (alone === null) return null;
  if (!alone) return <p class="empty hint">No conversations yet. Start one with New chat or New group.</p>;
  return (
    <div class="first-steps">
      <p>
        <strong>You are the first one here.</strong> Invite the people you want to talk with: each gets a link to make
        their own account.
      </p>
      <button type="button" class="primary" onClick={props.onInvite}>
        Invite people
      </button>
      {instance.value && <AddressHint url={instance.value.publicUrl} />}
    </div>
  );
}

function matches(c: Conversation, q: string): boolean {
  if (conversationTitle(c).toLowerCase().includes(q)) return true;
  return c.members.some(
    (m) => m.user.displayName.toLowerCase().includes(q) || m.user.username.toLowerCase().includes(q),
  );
}

function ConversationRow(props: { c: Conversation; active: boolean }) {
  const { c } = props;
  const title = conversationTitle(c);
  const person = otherPerson(c);
  const status = person ? presence.value.get(person.id)?.status : undefined;
  const last = c.lastMessage;
  const waiting = outbox.value.filter((o) => o.conversationId === c.id);
  let preview = "No messages yet";
  if (waiting.length > 0) preview = `You: ${previewText(waiting.at(-1)!.text)}`;
  else if (last) {
    const who = last.sender.id === me.value?.id ? "You: " : c.type === "group" ? `${last.sender.displayName}: ` : "";
    const files = last.attachments?.length ? `📎 ${last.attachments.map((f) => f.name).join(", ")}` : "";
    const words = last.encrypted ? wordsOf(last) || "🔒 Encrypted message" : last.text;
    preview = last.deleted ? `${who}message deleted` : who + (previewText(words) || files);
  }
  const href = `/c/${c.id}`;
  return (
    <li>
      <a
        href={href}
        class={`row${props.active ? " active" : ""}${c.unreadCount > 0 || c.markedUnread || c.threadUnreadCount > 0 ? " unread" : ""}`}
        aria-current={props.active ? "page" : undefined}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey) return;
          e.preventDefault();
          navigate(href);
        }}
      >
        <span class="avatar-wrap">
          {person ? (
            <Avatar person={person} size={44} decorative />
          ) : (
            <GroupAvatar id={c.id} title={title} avatarUrl={c.avatarUrl} size={44} />
          )}
          {status === "online" || status === "away" ? (
            <span class={`dot ${status}`} role="img" aria-label={status === "online" ? "Online" : "Away"} />
          ) : null}
        </span>
        <span class="row-main">
          <span class="row-top">
            <span class="row-title">
              {isEncrypted(c) && (
                <span class="lock" role="img" aria-label="End-to-end encrypted" title="End-to-end encrypted">
                  🔒
                </span>
              )}
              {title}
            </span>
            {last && <time dateTime={last.createdAt}>{listTime(last.createdAt)}</time>}
          </span>
          <span class="row-bottom">
            <span class="row-preview">{preview}</span>
            {c.mutedUntil && (
              <span aria-label="Muted" title="Muted">
                🔕
              </span>
            )}
            {c.mentionCount > 0 && (
              <span class="badge mention" aria-label={`${c.mentionCount} mentioning you`}>
                @
              </span>
            )}
            {c.unreadCount > 0 && (
              <span class={`badge${c.mutedUntil ? " muted" : ""}`} aria-label={`${c.unreadCount} unread`}>
                {c.unreadCount > 99 ? "99+" : c.unreadCount}
              </span>
            )}
            {c.threadUnreadCount > 0 && (
              <span
                class={`badge thread${c.mutedUntil ? " muted" : ""}`}
                aria-label={`${c.threadUnreadCount} unread in threads`}
                title="Unread replies in threads you follow"
              >
                🧵{c.threadUnreadCount > 99 ? "99+" : c.threadUnreadCount}
              </span>
            )}
            {c.unreadCount === 0 && c.markedUnread && (
              <span class="badge" aria-label="Marked unread">
                &nbsp;
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
