// The composer's state, in small hooks: the draft kept per conversation, @mention and :emoji suggestions, and a box
// that grows with its text. The rules they apply are pure functions in app/compose.ts.
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Member } from "../app/api.ts";
import {
  emojiAt,
  emojiSuggestions,
  insertEmoji,
  insertMention,
  mentionAt,
  mentionSuggestions,
  type Mentionable,
  type MentionQuery,
} from "../app/compose.ts";

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

/** One suggestion for what is being typed: a person for "@", an emoji for ":". */
export interface Completion {
  key: string;
  /** What the list shows first (a name, an emoji) and after it (@username, :shortcode:). */
  primary: string;
  secondary: string;
}

/**
 * Suggestions for the word being typed: "@" and a few letters (people in the conversation), or ":" and two
 * or more (emoji by shortcode), and which one is highlighted. Picking puts "@username " or the emoji there.
 */
export function useCompletions(members: Member[] | undefined, mayMentionEveryone: boolean) {
  const [typed, setTyped] = useState<{ kind: "mention" | "emoji"; at: MentionQuery } | null>(null);
  const [selected, setSelected] = useState(0);
  const people: Mentionable[] =
    typed?.kind === "mention"
      ? mentionSuggestions(
          typed.at.query,
          (members ?? []).map((m) => m.user),
          mayMentionEveryone,
        )
      : [];
  const emoji = typed?.kind === "emoji" ? emojiSuggestions(typed.at.query) : [];
  const suggestions: Completion[] =
    typed?.kind === "mention"
      ? people.map((u) => ({ key: u.username, primary: u.displayName, secondary: `@${u.username}` }))
      : emoji.map((e) => ({ key: e.name, primary: e.emoji, secondary: `:${e.name}:` }));
  return {
    kind: typed?.kind ?? null,
    suggestions,
    selected,
    /** Looks at the text before the caret after each keystroke. */
    track(el: HTMLTextAreaElement) {
      const before = el.value.slice(0, el.selectionStart);
      const mention = members ? mentionAt(before) : null;
      const named = mention ? null : emojiAt(before);
      setTyped(mention ? { kind: "mention", at: mention } : named ? { kind: "emoji", at: named } : null);
      setSelected(0);
    },
    move(step: 1 | -1) {
      setSelected((selected + suggestions.length + step) % suggestions.length);
    },
    close: () => setTyped(null),
    /** Puts the chosen one in place of what was typed, with the caret after it; returns the new text. */
    pick(el: HTMLTextAreaElement, index: number): string | null {
      if (!typed || !suggestions[index]) return null;
      const next =
        typed.kind === "mention"
          ? insertMention(el.value, typed.at, el.selectionStart, people[index]!.username)
          : insertEmoji(el.value, typed.at, el.selectionStart, emoji[index]!.emoji);
      // Set the text and the caret right away, so what is typed next lands after it.
      el.value = next.text;
      el.setSelectionRange(next.caret, next.caret);
      setTyped(null);
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
