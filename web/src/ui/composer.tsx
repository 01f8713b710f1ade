import { useEffect, useRef, useState } from "preact/hooks";
import type { Member, Message } from "../app/api.ts";
import { iAmTyping } from "../app/activity.ts";
import { editMessage } from "../app/chat-commands.ts";
import { previewText } from "../app/markdown.ts";
import { queueMessage } from "../app/outbox.ts";
import { formatSize, removeUpload, startUpload, takeAttachments, uploads } from "../app/uploads.ts";

const MAX_BYTES = 16 * 1024;
const draftKey = (id: string) => `parley:draft:${id}`;

/**
 * Where messages are written. Enter sends, Shift+Enter starts a new line, Up on an empty box edits my
 * last message, Esc cancels a reply or an edit. The draft is kept per conversation across reloads.
 */
export function Composer(props: {
  conversationId: string;
  replyTo: Message | null;
  editing: Message | null;
  lastOwn: Message | null;
  onReply: (m: Message | null) => void;
  onEdit: (m: Message | null) => void;
  /** For @mention suggestions (groups). */
  members?: Member[];
  mayMentionEveryone?: boolean;
}) {
  const { conversationId, replyTo, editing } = props;
  const box = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState(() => localStorage.getItem(draftKey(conversationId)) ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // @mention suggestions: the word being typed after "@", and which suggestion is highlighted.
  const [mention, setMention] = useState<{ query: string; start: number } | null>(null);
  const [selected, setSelected] = useState(0);
  const suggestions = mention
    ? [
        ...(props.mayMentionEveryone && "everyone".startsWith(mention.query) ? [{ username: "everyone", displayName: "Everyone in this group" }] : []),
        ...(props.members ?? [])
          .map((m) => m.user)
          .filter((u) => u.username.toLowerCase().startsWith(mention.query) || u.displayName.toLowerCase().includes(mention.query)),
      ].slice(0, 6)
    : [];
  const trackMention = (el: HTMLTextAreaElement) => {
    const before = el.value.slice(0, el.selectionStart);
    const m = /(^|\s)@([\w.-]{0,32})$/.exec(before);
    setMention(m && props.members ? { query: m[2]!.toLowerCase(), start: before.length - m[2]!.length - 1 } : null);
    setSelected(0);
  };
  const pickMention = (username: string) => {
    if (!mention) return;
    const el = box.current!;
    const after = text.slice(el.selectionStart);
    const next = `${text.slice(0, mention.start)}@${username} ${after}`;
    // Set the text and the caret right away, so what is typed next lands after the name.
    const at = mention.start + username.length + 2;
    el.value = next;
    el.setSelectionRange(at, at);
    change(next);
    setMention(null);
  };

  useEffect(() => {
    setText(localStorage.getItem(draftKey(conversationId)) ?? "");
    setError(null);
    box.current?.focus();
  }, [conversationId]);

  useEffect(() => {
    if (editing) {
      setText(editing.text);
      box.current?.focus();
    }
  }, [editing]);

  useEffect(() => {
    if (replyTo) box.current?.focus();
  }, [replyTo]);

  useEffect(() => {
    // Grow with the text, up to a third of the screen.
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, window.innerHeight / 3)}px`;
  }, [text]);

  const change = (value: string) => {
    setText(value);
    setError(null);
    if (editing) return;
    if (value) localStorage.setItem(draftKey(conversationId), value);
    else localStorage.removeItem(draftKey(conversationId));
  };

  const mine = uploads.value.filter((u) => u.conversationId === conversationId);
  const waiting = mine.some((u) => !u.attachment && !u.error);
  const ready = mine.some((u) => u.attachment);
  const fileInput = useRef<HTMLInputElement>(null);

  const submit = async () => {
    const value = text.trim() ? text : "";
    if (!editing && waiting) return setError("Wait until the files are uploaded, or cancel them.");
    if (!value && (editing || !ready)) return;
    if (new TextEncoder().encode(value).length > MAX_BYTES) return setError("This message is too long (at most 16 KB). Split it in parts.");
    if (editing) {
      if (value === editing.text) return props.onEdit(null);
      setSaving(true);
      try {
        await editMessage(editing, value);
        setText(localStorage.getItem(draftKey(conversationId)) ?? "");
        props.onEdit(null);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      } finally {
        setSaving(false);
      }
      return;
    }
    queueMessage(conversationId, value, replyTo?.id ?? null, takeAttachments(conversationId));
    change("");
    props.onReply(null);
  };

  const cancel = () => {
    if (editing) {
      props.onEdit(null);
      setText(localStorage.getItem(draftKey(conversationId)) ?? "");
    } else props.onReply(null);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    if (suggestions.length > 0) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        setSelected((selected + (e.key === "ArrowDown" ? 1 : suggestions.length - 1)) % suggestions.length);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pickMention(suggestions[selected]!.username);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        setMention(null);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      void submit();
    } else if (e.key === "Escape" && (editing || replyTo)) {
      e.preventDefault();
      e.stopPropagation();
      cancel();
    } else if (e.key === "ArrowUp" && !text && !editing && props.lastOwn) {
      e.preventDefault();
      props.onEdit(props.lastOwn);
    }
  };

  const context = editing ? { label: "Editing your message", text: editing.text } : replyTo ? { label: `Replying to ${replyTo.sender.displayName}`, text: replyTo.text } : null;
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {context && (
        <div class="composer-context">
          <span>
            <strong>{context.label}</strong> <span class="hint">{previewText(context.text).slice(0, 120)}</span>
          </span>
          <button type="button" class="icon" aria-label={editing ? "Cancel editing" : "Cancel reply"} onClick={cancel}>
            ✕
          </button>
        </div>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {mine.length > 0 && (
        <ul class="uploads" aria-label="Files to send">
          {mine.map((u) => (
            <li key={u.key}>
              <span class="upload-name">{u.name}</span> <small class="hint">{formatSize(u.size)}</small>
              {u.error ? (
                <span class="error">{u.error}</span>
              ) : u.attachment ? (
                <small class="hint">ready</small>
              ) : (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
              )}
              <button type="button" class="icon" aria-label={u.attachment || u.error ? `Remove ${u.name}` : `Cancel ${u.name}`} onClick={() => (u.attachment || u.error ? removeUpload(u.key) : u.cancel())}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-row">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label="Files to attach"
          onChange={(e) => {
            for (const f of e.currentTarget.files ?? []) startUpload(conversationId, f);
            e.currentTarget.value = "";
          }}
        />
        {!editing && (
          <button type="button" class="icon attach" aria-label="Attach files" title="Attach files" onClick={() => fileInput.current?.click()}>
            📎
          </button>
        )}
        {suggestions.length > 0 && (
          <ul class="mention-list" role="listbox" aria-label="People to mention">
            {suggestions.map((u, i) => (
              <li key={u.username} role="option" aria-selected={i === selected} onMouseDown={(e) => (e.preventDefault(), pickMention(u.username))}>
                <strong>{u.displayName}</strong> <small class="hint">@{u.username}</small>
              </li>
            ))}
          </ul>
        )}
        <textarea
          ref={box}
          rows={1}
          value={text}
          aria-label={editing ? "Edit message" : "Message"}
          placeholder="Write a message…"
          onInput={(e) => {
            change(e.currentTarget.value);
            trackMention(e.currentTarget);
            if (!editing && e.currentTarget.value.trim()) iAmTyping(conversationId);
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            const pasted = [...(e.clipboardData?.files ?? [])];
            if (pasted.length === 0 || editing) return;
            e.preventDefault();
            for (const f of pasted) startUpload(conversationId, f);
          }}
        />
        <button type="submit" class="primary" disabled={saving || (!text.trim() && (Boolean(editing) || !ready))}>
          {editing ? "Save" : "Send"}
        </button>
      </div>
    </form>
  );
}
