// The composer's state, in small hooks: the draft kept per conversation, @mention suggestions, and a box
// that grows with its text. The rules they apply are pure functions in app/compose.ts.
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Member } from "../app/api.ts";
import { insertMention, mentionAt, mentionSuggestions, type Mentionable, type MentionQuery } from "../app/compose.ts";

const draftKey = (id: string) => `parley:draft:${id}`;

/** The text in the box, kept per conversation across reloads (not while editing a sent message). */
export function useDraft(conversationId: string, editing: boolean) {
  const [text, setText] = useState(() => localStorage.getItem(draftKey(conversationId)) ?? "");
  useEffect(() => setText(localStorage.getItem(draftKey(conversationId)) ?? ""), [conversationId]);
  const change = (value: string) => {
    setText(value);
    if (editing) return;
    if (value) localStorage.setItem(draftKey(conversationId), value);
    else localStorage.removeItem(draftKey(conversationId));
  };
  /** Back to the saved draft (after an edit ends). */
  const restore = () => setText(localStorage.getItem(draftKey(conversationId)) ?? "");
  return { text, setText, change, restore };
}

/** @mention suggestions for the word being typed after "@", and which one is highlighted. */
export function useMentions(members: Member[] | undefined, mayMentionEveryone: boolean) {
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [selected, setSelected] = useState(0);
  const suggestions: Mentionable[] = mention
    ? mentionSuggestions(
        mention.query,
        (members ?? []).map((m) => m.user),
        mayMentionEveryone,
      )
    : [];
  return {
    suggestions,
    selected,
    /** Looks at the text before the caret after each keystroke. */
    track(el: HTMLTextAreaElement) {
      setMention(members ? mentionAt(el.value.slice(0, el.selectionStart)) : null);
      setSelected(0);
    },
    move(step: 1 | -1) {
      setSelected((selected + suggestions.length + step) % suggestions.length);
    },
    close: () => setMention(null),
    /** Puts "@username " in place of what was typed, with the caret after it; returns the new text. */
    pick(el: HTMLTextAreaElement, username: string): string | null {
      if (!mention) return null;
      const next = insertMention(el.value, mention, el.selectionStart, username);
      // Set the text and the caret right away, so what is typed next lands after the name.
      el.value = next.text;
      el.setSelectionRange(next.caret, next.caret);
      setMention(null);
      return next.text;
    },
  };
}

/** Grows the box with its text, up to a third of the screen. */
export function useAutoGrow(box: RefObject<HTMLTextAreaElement | null>, text: string): void {
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, window.innerHeight / 3)}px`;
  }, [text]);
}
