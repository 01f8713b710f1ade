import { useEffect, useRef, useState } from "preact/hooks";
import type { Member, Message } from "../app/api.ts";
import { iAmTyping } from "../app/activity.ts";
import { editMessage } from "../app/chat-commands.ts";
import { previewText } from "../app/markdown.ts";
import { queueMessage } from "../app/outbox.ts";
import { isEncrypted } from "../app/e2ee.ts";
import { conversations } from "../app/chats.ts";
import { checkSend } from "../app/compose.ts";
import { applyFormat, formatForKey, type Format } from "../app/formatting.ts";
import { useAutoGrow, useCompletions, useDraft } from "./composer-hooks.ts";
import { lazy } from "./lazy.tsx";
import { VoiceRecorder } from "./voice-recorder.tsx";

const EmojiPicker = lazy(() => import("./emoji-picker.tsx").then((m) => m.EmojiPicker));
import { formatSize, removeUpload, startUpload, takeAttachments, uploadSlot, uploads } from "../app/uploads.ts";

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
  /** Writing in a thread: replies go to it; the draft and the files waiting are the thread's own. */
  threadRootId?: string;
  placeholder?: string;
}) {
  const { conversationId, replyTo, editing } = props;
  const threadRootId = props.threadRootId ?? null;
  const slot = uploadSlot(conversationId, threadRootId);
  const box = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const draft = useDraft(slot, Boolean(editing));
  const completions = useCompletions(props.members, Boolean(props.mayMentionEveryone));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useAutoGrow(box, draft.text);

  useEffect(() => {
    setError(null);
    setVoice(false);
    box.current?.focus();
  }, [conversationId]);

  useEffect(() => {
    if (editing) {
      draft.setText(editing.text);
      box.current?.focus();
    }
  }, [editing]);

  useEffect(() => {
    if (replyTo) box.current?.focus();
  }, [replyTo]);

  const change = (value: string) => {
    draft.change(value);
    setError(null);
  };

  const mine = uploads.value.filter((u) => u.slot === slot);
  const uploading = mine.some((u) => !u.attachment && !u.error);
  const filesReady = mine.some((u) => u.attachment);
  const encrypted = isEncrypted(conversations.value.get(conversationId));

  const submit = async () => {
    const check = checkSend(draft.text, { editing: Boolean(editing), uploading, filesReady });
    if (!check.ok) return check.error && setError(check.error);
    if (editing) {
      if (check.text === editing.text) return props.onEdit(null);
      setSaving(true);
      try {
        await editMessage(editing, check.text);
        draft.restore();
        props.onEdit(null);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      } finally {
        setSaving(false);
      }
      return;
    }
    queueMessage(conversationId, check.text, replyTo?.id ?? null, takeAttachments(slot), encrypted, threadRootId);
    change("");
    props.onReply(null);
  };

  const cancel = () => {
    if (editing) {
      props.onEdit(null);
      draft.restore();
    } else props.onReply(null);
  };

  const [emojiOpen, setEmojiOpen] = useState(false);
  const [voice, setVoice] = useState(false);
  /** An emoji from the picker goes where the cursor is (replacing a selection). */
  const insertEmoji = (emoji: string) => {
    const el = box.current!;
    el.setRangeText(emoji, el.selectionStart, el.selectionEnd, "end");
    change(el.value);
    setEmojiOpen(false);
    el.focus();
  };

  const pickCompletion = (index: number) => {
    const next = completions.pick(box.current!, index);
    if (next !== null) change(next);
  };

  /** Writes a format's Markdown around the selection and selects what comes next (app/formatting.ts). */
  const format = (f: Format) => {
    const el = box.current!;
    const r = applyFormat(f, el.value, el.selectionStart, el.selectionEnd);
    el.value = r.value;
    el.focus();
    el.setSelectionRange(r.start, r.end);
    change(r.value);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing) return;
    const shortcut = formatForKey(e);
    if (shortcut) {
      e.preventDefault();
      format(shortcut);
      return;
    }
    const { suggestions } = completions;
    if (suggestions.length > 0) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        completions.move(e.key === "ArrowDown" ? 1 : -1);
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        pickCompletion(completions.selected);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        completions.close();
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
    } else if (e.key === "ArrowUp" && !draft.text && !editing && props.lastOwn) {
      e.preventDefault();
      props.onEdit(props.lastOwn);
    }
  };

  const context = editing
    ? { label: "Editing your message", text: editing.text }
    : replyTo
      ? { label: `Replying to ${replyTo.sender.displayName}`, text: replyTo.text }
      : null;
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
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {mine.length > 0 && (
        <ul class="uploads" aria-label="Files to send">
          {mine.map((u) => (
            <li key={u.key}>
              <span class="upload-name">{u.name}</span> <small class="hint">{formatSize(u.size)}</small>
              {u.error ? (
                <>
                  <span class="error">{u.error}</span>
                  <button type="button" class="retry" onClick={u.retry}>
                    Try again
                  </button>
                </>
              ) : u.attachment ? (
                <small class="hint">ready</small>
              ) : (
                <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} />
              )}
              <button
                type="button"
                class="icon"
                aria-label={u.attachment || u.error ? `Remove ${u.name}` : `Cancel ${u.name}`}
                onClick={() => (u.attachment || u.error ? removeUpload(u.key) : u.cancel())}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <FormatBar onFormat={format} />
      {voice ? (
        <VoiceRecorder
          conversationId={conversationId}
          threadRootId={threadRootId}
          encrypted={encrypted}
          onDone={(err) => {
            setVoice(false);
            if (err) setError(err);
            box.current?.focus();
          }}
        />
      ) : (
        <div class="composer-row">
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            aria-label="Files to attach"
            onChange={(e) => {
              for (const f of e.currentTarget.files ?? []) startUpload(conversationId, f, encrypted, slot);
              e.currentTarget.value = "";
            }}
          />
          <button
            type="button"
            class="icon emoji-toggle"
            data-emoji-toggle
            aria-label="Emoji"
            title="Emoji"
            aria-expanded={emojiOpen}
            onClick={() => setEmojiOpen(!emojiOpen)}
          >
            😊
          </button>
          {emojiOpen && <EmojiPicker label="Emoji picker" onPick={insertEmoji} onClose={() => setEmojiOpen(false)} />}
          {!editing && "MediaRecorder" in window && (
            <button
              type="button"
              class="icon record"
              aria-label="Record a voice note"
              title="Record a voice note"
              onClick={() => (setError(null), setVoice(true))}
            >
              🎤
            </button>
          )}
          {!editing && (
            <button
              type="button"
              class="icon attach"
              aria-label="Attach files"
              title="Attach files"
              onClick={() => fileInput.current?.click()}
            >
              📎
            </button>
          )}
          {completions.suggestions.length > 0 && (
            <ul
              class="mention-list"
              role="listbox"
              aria-label={completions.kind === "emoji" ? "Emoji" : "People to mention"}
            >
              {completions.suggestions.map((c, i) => (
                <li
                  key={c.key}
                  role="option"
                  aria-selected={i === completions.selected}
                  onMouseDown={(e) => (e.preventDefault(), pickCompletion(i))}
                >
                  <strong>{c.primary}</strong> <small class="hint">{c.secondary}</small>
                </li>
              ))}
            </ul>
          )}
          <textarea
            ref={box}
            rows={1}
            value={draft.text}
            aria-label={editing ? "Edit message" : threadRootId ? "Reply in thread" : "Message"}
            placeholder={props.placeholder ?? "Write a message…"}
            onInput={(e) => {
              change(e.currentTarget.value);
              completions.track(e.currentTarget);
              if (!editing && e.currentTarget.value.trim()) iAmTyping(conversationId);
            }}
            onKeyDown={onKeyDown}
            onPaste={(e) => {
              const pasted = [...(e.clipboardData?.files ?? [])];
              if (pasted.length === 0 || editing) return;
              e.preventDefault();
              for (const f of pasted) startUpload(conversationId, f, encrypted, slot);
            }}
          />
          <button
            type="submit"
            class="primary"
            disabled={saving || (!draft.text.trim() && (Boolean(editing) || !filesReady))}
          >
            {editing ? "Save" : "Send"}
          </button>
        </div>
      )}
    </form>
  );
}

const FORMATS: { format: Format; label: string; keys: string; icon: string }[] = [
  { format: "bold", label: "Bold", keys: "Ctrl+B", icon: "B" },
  { format: "italic", label: "Italic", keys: "Ctrl+I", icon: "I" },
  { format: "code", label: "Code", keys: "Ctrl+Shift+C", icon: "</>" },
  { format: "link", label: "Link", keys: "Ctrl+Shift+U", icon: "🔗" },
  { format: "list", label: "List", keys: "Ctrl+Shift+8", icon: "•" },
  { format: "quote", label: "Quote", keys: "Ctrl+Shift+9", icon: "❝" },
];

/** Bold, italic, code, link, list and quote: buttons that keep the focus in the message box. */
function FormatBar(props: { onFormat: (f: Format) => void }) {
  return (
    <div class="format-bar" role="toolbar" aria-label="Formatting">
      {FORMATS.map((f) => (
        <button
          key={f.format}
          type="button"
          class={`icon format-${f.format}`}
          aria-label={f.label}
          title={`${f.label} (${f.keys}; ⌘ on a Mac)`}
          // Pressing must not take the focus (and the selection) from the message box.
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => props.onFormat(f.format)}
        >
          {f.icon}
        </button>
      ))}
    </div>
  );
}
