import type { Conversation } from "../app/api.ts";
import { presence } from "../app/activity.ts";
import { conversationTitle, otherPerson } from "../app/chat-display.ts";
import { encryptConversation, markUnread, setMuted, setPushLevel } from "../app/chat-commands.ts";
import { confirmAction } from "./confirm.tsx";
import { myCall, startCall } from "../app/calls.ts";
import { status } from "../app/connection.ts";
import { fullTime, lastSeenText } from "../app/format.ts";
import { me, navigate } from "../app/state.ts";
import { Avatar, GroupAvatar } from "./avatar.tsx";
import { Menu, type MenuEntry } from "./menu.tsx";
import { closeThread, place, sidePanel } from "../app/threads.ts";

/**
 * The top of an open conversation: back (on a phone), picture, a name that stays on one line, who is there,
 * and one menu that says in words what it does (group info, mark as unread, mute, notifications).
 */
export function ConversationHead(props: {
  c: Conversation;
  onInfo: () => void;
  onSafety: () => void;
  onError: (m: string) => void;
}) {
  const { c } = props;
  const title = conversationTitle(c);
  const person = otherPerson(c);
  const fail = (err: Error) => props.onError(err.message);
  const mutedFor = c.mutedUntil
    ? c.mutedUntil.startsWith("9999")
      ? "Muted until you unmute"
      : `Muted until ${fullTime(c.mutedUntil)}`
    : null;
  const usual = c.type === "direct" ? "all messages" : "mentions";
  const level = c.pushLevelDefault ? "default" : c.pushLevel;
  const notify = (label: string, value: "default" | "all" | "mentions" | "none"): MenuEntry => ({
    kind: "choice",
    label,
    checked: level === value,
    run: () => void setPushLevel(c.id, value === "default" ? null : value).catch(fail),
  });
  const mute = (label: string, value: number | "forever"): MenuEntry => ({
    label,
    run: () => void setMuted(c.id, value).catch(fail),
  });
  const entries: MenuEntry[] = [
    ...(c.type === "group" ? [{ label: "Group info", run: props.onInfo }] : []),
    {
      label: "Files and media",
      run: () => {
        if (place.value.rootId) closeThread(c.id);
        sidePanel.value = "files";
      },
    },
    {
      label: "Mark as unread",
      run: () => void markUnread(c.id).then(() => navigate("/"), fail),
    },
    ...(c.mutedUntil
      ? [{ label: "Unmute", run: () => void setMuted(c.id, null).catch(fail) }]
      : [
          mute("Mute for 1 hour", 1),
          mute("Mute for 8 hours", 8),
          mute("Mute for a week", 168),
          mute("Mute until I unmute", "forever"),
        ]),
    ...(c.encryptedAt ? [{ label: "Safety numbers", run: props.onSafety }] : []),
    ...(!c.encryptedAt && (c.type === "direct" || c.can.editInfo)
      ? [
          {
            label: "Turn on end-to-end encryption…",
            run: () =>
              void confirmAction({
                title: "Turn on end-to-end encryption?",
                text: "From now on, only members' devices can read new messages; the server cannot. This cannot be turned off, and everyone sees that you turned it on.",
                action: "Turn on",
              }).then((ok) => (ok ? encryptConversation(c.id) : undefined), fail),
          },
        ]
      : []),
    { kind: "heading", label: "Notify me when Parley is closed" },
    notify(`As usual (${usual})`, "default"),
    notify("All messages", "all"),
    notify("Mentions only", "mentions"),
    notify("Nothing", "none"),
  ];
  return (
    <header class="conversation-head">
      <button type="button" class="icon back" aria-label="Back to conversations" onClick={() => navigate("/")}>
        ←
      </button>
      {person ? (
        <Avatar person={person} size={36} decorative />
      ) : (
        <GroupAvatar id={c.id} title={title} avatarUrl={c.avatarUrl} size={36} />
      )}
      <div class="head-title">
        <h2 title={title}>
          {c.encryptedAt && (
            <span class="lock" role="img" aria-label="End-to-end encrypted" title="End-to-end encrypted">
              🔒
            </span>
          )}
          {title}
        </h2>
        <small class="hint">{person ? personLine(person.id) : groupLine(c)}</small>
      </div>
      {mutedFor && (
        <span class="muted-mark" role="img" aria-label={mutedFor} title={mutedFor}>
          🔕
        </span>
      )}
      {c.can.startCalls &&
        !myCall.value &&
        (
          [
            ["audio", "📞", "Audio call"],
            ["video", "🎥", "Video call"],
          ] as const
        ).map(([media, icon, label]) => (
          <button
            key={media}
            type="button"
            class="icon"
            aria-label={label}
            title={label}
            onClick={() => void startCall(c.id, media)}
          >
            {icon}
          </button>
        ))}
      <button
        type="button"
        class="icon threads-button"
        aria-label={c.threadUnreadCount > 0 ? `Threads, ${c.threadUnreadCount} unread` : "Threads"}
        title="Threads you follow"
        aria-pressed={sidePanel.value === "threads"}
        onClick={() => {
          if (place.value.rootId) closeThread(c.id);
          sidePanel.value = sidePanel.value === "threads" ? null : "threads";
        }}
      >
        🧵{c.threadUnreadCount > 0 && <span class="dot" aria-hidden="true" />}
      </button>
      <Menu label="Conversation menu" entries={entries}>
        ⋮
      </Menu>
    </header>
  );
}

/** "online", "away", "last seen …", or nothing when it is not known (hidden, or we are not connected). */
export function personLine(userId: string): string {
  // Without a connection nobody tells us who comes and goes: an old "online" would be a guess.
  if (status.value !== "online") return "waiting for the connection…";
  const p = presence.value.get(userId);
  if (p?.status === "online") return "online";
  if (p?.status === "away") return "away";
  if (p?.lastSeenAt) return `last seen ${lastSeenText(p.lastSeenAt)}`;
  return "\u00a0";
}

/** "3 members", and how many of the others are here when we know. */
function groupLine(c: Conversation): string {
  const members = `${c.members.length} member${c.members.length === 1 ? "" : "s"}`;
  if (status.value !== "online") return members;
  const here = c.members.filter(
    (m) => m.user.id !== me.value?.id && presence.value.get(m.user.id)?.status === "online",
  );
  return here.length > 0 ? `${members}, ${here.length} online` : members;
}
