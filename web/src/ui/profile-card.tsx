import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { Message, Profile } from "../app/api.ts";
import { openDirect } from "../app/chat-commands.ts";
import { conversations } from "../app/chats.ts";
import { timeIn } from "../app/local-time.ts";
import { me, navigate } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { personLine } from "./conversation-head.tsx";
import { Dialog } from "./dialog.tsx";

/** Whose card is open (one at a time, over any screen of the chat page). */
const shown = signal<Profile | null>(null);

/** Opens someone's card: from a message, the person as their conversation's members list has them. */
export function showProfileOf(m: Pick<Message, "conversationId" | "sender">): void {
  const member = conversations.value.get(m.conversationId)?.members.find((x) => x.user.id === m.sender.id);
  shown.value = member?.user ?? { ...m.sender, bio: "", deleted: false, timeZone: null };
}

/**
 * A person's card when their name or picture is clicked: name, username, about, whether they are here, their
 * local time (when they share it), and "Message" to talk to them directly.
 */
export function ProfileCard() {
  const person = shown.value;
  const [now, setNow] = useState(() => new Date());
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setError(null);
    if (!person) return;
    // The local time stays true while the card is open.
    const timer = setInterval(() => setNow(new Date()), 30_000);
    return () => clearInterval(timer);
  }, [person?.id]);
  if (!person) return null;
  const close = () => (shown.value = null);
  const local = person.timeZone ? timeIn(person.timeZone, now) : null;
  // Nothing known (never here, or hidden): no line rather than an empty one.
  const status = personLine(person.id).trim();
  const message = async () => {
    try {
      const c = await openDirect(person.id);
      close();
      navigate(`/c/${c.id}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Dialog title={person.displayName} onClose={close}>
      <div class="profile-card">
        <Avatar person={person} size={72} decorative />
        <dl>
          <dt>Username</dt>
          <dd>@{person.username}</dd>
          {status && (
            <>
              <dt>Status</dt>
              <dd>{status}</dd>
            </>
          )}
          {local && (
            <>
              <dt>Local time</dt>
              <dd>
                {local} <small class="hint">{person.timeZone!.replaceAll("_", " ")}</small>
              </dd>
            </>
          )}
          {person.bio && (
            <>
              <dt>About</dt>
              <dd class="bio">{person.bio}</dd>
            </>
          )}
        </dl>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {person.id !== me.value?.id && !person.deleted && (
        <button type="button" class="primary" onClick={() => void message()}>
          Message
        </button>
      )}
    </Dialog>
  );
}
