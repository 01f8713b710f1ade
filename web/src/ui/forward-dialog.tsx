import { useState } from "preact/hooks";
import type { Message } from "../app/api.ts";
import { sortedConversations } from "../app/chats.ts";
import { conversationTitle } from "../app/chat-display.ts";
import { forwardMessage } from "../app/chat-commands.ts";
import { previewText } from "../app/markdown.ts";
import { navigate } from "../app/state.ts";
import { Dialog } from "./dialog.tsx";

/** Picks where to forward a message: any conversation where I may post. */
export function ForwardDialog(props: { m: Message; onClose: () => void }) {
  const [q, setQ] = useState("");
  const [error, setError] = useState<string | null>(null);
  const targets = sortedConversations.value.filter(
    (c) => c.can.post !== false && conversationTitle(c).toLowerCase().includes(q.trim().toLowerCase()),
  );
  return (
    <Dialog title="Forward message" onClose={props.onClose}>
      <blockquote class="reply-quote">
        <strong>{props.m.sender.displayName}</strong> {previewText(props.m.text).slice(0, 140)}
      </blockquote>
      <label class="field">
        <span>Forward to</span>
        <input
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          placeholder="Conversation"
          autoComplete="off"
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="people" aria-label="Conversations to forward to">
        {targets.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              class="person"
              onClick={() =>
                forwardMessage(props.m, c.id).then(
                  () => {
                    props.onClose();
                    navigate(`/c/${c.id}`);
                  },
                  (err) => setError(err.message),
                )
              }
            >
              {conversationTitle(c)}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
