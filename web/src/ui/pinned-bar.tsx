import { useEffect, useState } from "preact/hooks";
import { api, type Conversation, type Message } from "../app/api.ts";
import { conversationPath, timelines } from "../app/chats.ts";
import { previewText } from "../app/markdown.ts";
import { jumpTo } from "../app/search.ts";

/**
 * The conversation's pinned messages as a bar under its header: the newest pin first; a press shows that
 * message in the timeline (loading back to it) and turns the bar to the next pin, as in other messengers.
 */
export function PinnedBar(props: { c: Conversation }) {
  const { c } = props;
  const [pins, setPins] = useState<Message[]>([]);
  const [at, setAt] = useState(0);
  // Pins change by events that update the loaded messages: their pinned ids are the key to ask again.
  const loaded = timelines.value.get(c.id)?.messages ?? [];
  const pinnedHere = loaded
    .filter((m) => m.pinned)
    .map((m) => m.id)
    .join(",");
  useEffect(() => {
    let current = true;
    api<{ messages: Message[] }>("GET", `${conversationPath(c.id)}/pins`).then(
      (r) => current && (setPins(r.messages), setAt(0)),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [c.id, pinnedHere]);
  const shown = pins[Math.min(at, pins.length - 1)];
  if (!shown) return null;
  return (
    <button
      type="button"
      class="pinned-bar"
      aria-label={`Pinned message${pins.length > 1 ? ` ${at + 1} of ${pins.length}` : ""}: ${shown.sender.displayName}: ${previewText(shown.text)}. Show it`}
      onClick={() => {
        jumpTo.value = { conversationId: c.id, messageId: shown.id };
        setAt((at + 1) % pins.length);
      }}
    >
      <span class="pin-mark" aria-hidden="true">
        📌
      </span>
      <span class="pin-text">
        <small class="hint">{pins.length > 1 ? `Pinned ${at + 1} of ${pins.length}` : "Pinned"}</small>
        <span>
          <strong>{shown.sender.displayName}:</strong> {previewText(shown.text) || "📎"}
        </span>
      </span>
    </button>
  );
}
