import { useEffect, useMemo, useState } from "preact/hooks";
import { conversations } from "../app/chats.ts";
import { conversationTitle } from "../app/chat-display.ts";
import { fullTime } from "../app/format.ts";
import { jumpTo, searchHere, searchMessages, type SearchFilters, type SearchHit } from "../app/search.ts";
import { openThread } from "../app/threads.ts";
import { navigate } from "../app/state.ts";
import { Dialog } from "./dialog.tsx";

/** A snippet with its matches marked, built from text and offsets (never HTML). */
function Snippet(props: { hit: SearchHit }) {
  const { snippet, highlights } = props.hit;
  const parts = [];
  let at = 0;
  for (const [a, b] of highlights) {
    if (a > at) parts.push(snippet.slice(at, a));
    parts.push(<mark key={a}>{snippet.slice(a, b)}</mark>);
    at = b;
  }
  parts.push(snippet.slice(at));
  return <span class="snippet">{parts}</span>;
}

function Result(props: { hit: SearchHit; title: string; onOpen: (h: SearchHit) => void }) {
  const h = props.hit;
  return (
    <li>
      <button type="button" onClick={() => props.onOpen(h)}>
        <span class="result-head">
          <strong>{props.title}</strong>
          <small class="hint">
            {h.message.sender.displayName} · {fullTime(h.message.createdAt)}
          </small>
        </span>
        <Snippet hit={h} />
      </button>
    </li>
  );
}

/** Search my messages: words, then optional filters; a result opens the conversation at that message. */
export function SearchDialog(props: { onClose: () => void }) {
  const [q, setQ] = useState("");
  const [filters, setFilters] = useState<SearchFilters>({});
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  // Encrypted conversations, searched on this device (the server has no words of theirs).
  const [here, setHere] = useState<SearchHit[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [suggestion, setSuggestion] = useState<string | null>(null);
  const list = [...conversations.value.values()];
  const hasEncrypted = list.some((c) => c.encryptedAt);
  const people = useMemo(() => {
    const seen = new Map<string, string>();
    const chosen = filters.conversationId ? list.filter((c) => c.id === filters.conversationId) : list;
    for (const c of chosen) for (const m of c.members) seen.set(m.user.id, m.user.displayName);
    return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
  }, [filters.conversationId, conversations.value]);

  useEffect(() => {
    if (!q.trim()) {
      setHits(null);
      return;
    }
    // Searches as you type, a moment after the last key.
    const timer = setTimeout(() => {
      searchMessages(q, filters).then(
        (r) => (setHits(r.results), setMore(r.more), setSuggestion(r.didYouMean ?? null), setError(null)),
        (e) => setError(e.message),
      );
      searchHere(q, filters).then(setHere, (e: Error) => setError(e.message));
    }, 250);
    return () => clearTimeout(timer);
  }, [q, filters]);

  const set = (patch: Partial<SearchFilters>) => setFilters({ ...filters, ...patch });
  const open = (h: SearchHit) => {
    props.onClose();
    // A reply in a thread opens its thread; anything else is found in the conversation's timeline.
    if (h.message.threadRootId) return openThread(h.conversation.id, h.message.threadRootId);
    jumpTo.value = { conversationId: h.conversation.id, messageId: h.message.id };
    navigate(`/c/${h.conversation.id}`);
  };
  const titleOf = (h: SearchHit) => {
    const c = conversations.value.get(h.conversation.id);
    return c ? conversationTitle(c) : (h.conversation.title ?? h.message.sender.displayName);
  };
  return (
    <Dialog title="Search messages" onClose={props.onClose} wide>
      <div class="search-form">
        <label>
          Words to find
          <input
            type="search"
            value={q}
            onInput={(e) => setQ(e.currentTarget.value)}
            maxLength={500}
            autoComplete="off"
          />
        </label>
        <div class="search-filters">
          <label>
            In
            <select
              value={filters.conversationId ?? ""}
              onChange={(e) => set({ conversationId: e.currentTarget.value || undefined, senderId: undefined })}
            >
              <option value="">All conversations</option>
              {list.map((c) => (
                <option key={c.id} value={c.id}>
                  {conversationTitle(c)}
                </option>
              ))}
            </select>
          </label>
          <label>
            From
            <select
              value={filters.senderId ?? ""}
              onChange={(e) => set({ senderId: e.currentTarget.value || undefined })}
            >
              <option value="">Anyone</option>
              {people.map(([id, name]) => (
                <option key={id} value={id}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <label>
            After
            <input
              type="date"
              value={filters.from ?? ""}
              onChange={(e) => set({ from: e.currentTarget.value || undefined })}
            />
          </label>
          <label>
            Before
            <input
              type="date"
              value={filters.to ?? ""}
              onChange={(e) => set({ to: e.currentTarget.value || undefined })}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={filters.hasFile ?? false}
              onChange={(e) => set({ hasFile: e.currentTarget.checked || undefined })}
            />
            With files
          </label>
        </div>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {hasEncrypted && (
        <p class="hint">🔒 Encrypted conversations are searched on this device, in what it could read.</p>
      )}
      {here.length > 0 && (
        <ul class="search-results" aria-label="Results in encrypted conversations">
          {here.map((h) => (
            <Result key={h.message.id} hit={h} title={`🔒 ${titleOf(h)}`} onOpen={open} />
          ))}
        </ul>
      )}
      {hits && hits.length === 0 && here.length === 0 && (
        <p class="hint">
          No messages found.
          {suggestion && (
            <>
              {" "}
              Did you mean{" "}
              <button type="button" class="link-like" onClick={() => setQ(suggestion)}>
                {suggestion}
              </button>
              ?
            </>
          )}
        </p>
      )}
      {hits && hits.length > 0 && (
        <ul class="search-results" aria-label="Search results">
          {hits.map((h) => (
            <Result key={h.message.id} hit={h} title={titleOf(h)} onOpen={open} />
          ))}
        </ul>
      )}
      {more && hits && (
        <button
          type="button"
          onClick={() =>
            searchMessages(q, filters, hits.length).then(
              (r) => (setHits([...hits, ...r.results]), setMore(r.more)),
              (e) => setError(e.message),
            )
          }
        >
          More results
        </button>
      )}
    </Dialog>
  );
}
