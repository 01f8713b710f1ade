import { useState } from "preact/hooks";
import type { Person } from "../app/api.ts";
import { openDirect } from "../app/chat-commands.ts";
import { conversationTitle, otherPerson } from "../app/chat-display.ts";
import { activity, conversations } from "../app/chats.ts";
import { me, navigate } from "../app/state.ts";
import { rankConversations } from "../app/switcher.ts";
import { Avatar, GroupAvatar } from "./avatar.tsx";
import { Dialog } from "./dialog.tsx";
import { usePeopleSearch } from "./use-people-search.ts";

type Item =
  | {
      kind: "conversation";
      id: string;
      title: string;
      unread: number;
      person: Person | null;
      avatarUrl: string | null;
    }
  | { kind: "person"; person: Person };

/**
 * Ctrl/Cmd+K: go to a conversation by a few letters of its name, or start one with anyone on the server.
 * Arrows move, Enter goes, Esc closes. With nothing typed it offers the most recent conversations, unread first.
 */
export function QuickSwitcher(props: { onClose: () => void }) {
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  const [failed, setFailed] = useState<string | null>(null);
  const query = q.trim();
  const people = usePeopleSearch(query);
  const error = failed ?? people.error;

  const all = [...conversations.value.values()].map((c) => ({
    id: c.id,
    title: conversationTitle(c),
    unread: c.unreadCount > 0 || Boolean(c.markedUnread),
    activity: activity(c),
    count: c.unreadCount,
    person: otherPerson(c),
    avatarUrl: c.avatarUrl ?? null,
  }));
  // Someone I already have a direct conversation with is found through it.
  const talkingWith = new Set(all.map((c) => c.person?.id).filter(Boolean));
  const items: Item[] = [
    ...rankConversations(query, all, 8).map((c): Item => ({ kind: "conversation", ...c, unread: c.count })),
    ...(query && people.found.answered === query ? people.found.people : [])
      .filter((p) => p.id !== me.value?.id && !talkingWith.has(p.id))
      .slice(0, 5)
      .map((person): Item => ({ kind: "person", person })),
  ];
  const at = Math.min(active, Math.max(0, items.length - 1));

  const go = async (item: Item) => {
    try {
      const id = item.kind === "conversation" ? item.id : (await openDirect(item.person.id)).id;
      props.onClose();
      navigate(`/c/${id}`);
    } catch (err) {
      setFailed((err as Error).message);
    }
  };
  const onKey = (e: KeyboardEvent) => {
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && items.length > 0) {
      e.preventDefault();
      setActive((at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (items[at]) void go(items[at]);
    }
  };
  const optionId = (item: Item) => `switch-${item.kind === "conversation" ? item.id : item.person.id}`;

  return (
    <Dialog title="Go to" onClose={props.onClose}>
      <label class="field">
        <span>A conversation or a person</span>
        <input
          type="search"
          value={q}
          onInput={(e) => (setQ(e.currentTarget.value), setActive(0))}
          onKeyDown={onKey}
          placeholder="Type a few letters of a name"
          autoComplete="off"
          aria-autocomplete="list"
          aria-controls="switch-list"
          aria-activedescendant={items[at] ? optionId(items[at]) : undefined}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="people switcher" id="switch-list" role="listbox" aria-label="Go to">
        {items.map((item, i) => (
          <li
            key={optionId(item)}
            id={optionId(item)}
            role="option"
            aria-selected={i === at}
            class={`person${i === at ? " active" : ""}`}
            onClick={() => void go(item)}
          >
            {item.kind === "conversation" ? (
              <>
                {item.person ? (
                  <Avatar person={item.person} size={32} decorative />
                ) : (
                  <GroupAvatar id={item.id} title={item.title} avatarUrl={item.avatarUrl} size={32} />
                )}
                <span class="switch-name">
                  <strong>{item.title}</strong>
                  {item.unread > 0 && (
                    <span class="badge" aria-label={`${item.unread} unread`}>
                      {item.unread}
                    </span>
                  )}
                </span>
              </>
            ) : (
              <>
                <Avatar person={item.person} size={32} decorative />
                <span class="switch-name">
                  <strong>{item.person.displayName}</strong> <small>@{item.person.username} · new chat</small>
                </span>
              </>
            )}
          </li>
        ))}
        {query && people.found.answered === query && items.length === 0 && !error && (
          <li class="hint">Nothing found.</li>
        )}
      </ul>
      <p class="hint">↑ ↓ to move, Enter to go, Esc to close. Ctrl+K (⌘K on a Mac) opens this anywhere.</p>
    </Dialog>
  );
}
