import { useState } from "preact/hooks";
import type { Profile } from "../app/api.ts";
import { findPeople, MAX_CONTACTS, parseContacts, type Found } from "../app/contacts.ts";
import { Avatar } from "./avatar.tsx";

/**
 * "Find people I know": emails or usernames typed or pasted (an address book's export too), looked up on this
 * server with emails hashed in the browser. Each one found can be picked; the rest are listed as not here.
 */
export function FindPeople(props: { onPick: (p: Profile) => void }) {
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ found: Found[]; missing: string[]; invalid: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const find = async () => {
    const list = parseContacts(text);
    const count = list.emails.length + list.usernames.length;
    if (count === 0) return setError("Type or paste email addresses or usernames first.");
    if (count > MAX_CONTACTS) return setError(`At most ${MAX_CONTACTS} at a time (there are ${count}).`);
    setBusy(true);
    setError(null);
    try {
      setResult({ ...(await findPeople(list)), invalid: list.invalid });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="find-people">
      <summary>Find people I know</summary>
      <label class="field">
        <span>Email addresses or usernames</span>
        <textarea
          rows={3}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="ana@example.com, ben@example.com, cid"
        />
      </label>
      <p class="hint">Email addresses leave this browser only as hashes; nobody is told you looked.</p>
      <button type="button" disabled={busy} onClick={() => void find()}>
        Find
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && (
        <div class="found">
          <ul class="people" aria-label="People found">
            {result.found.map((f) => (
              <li key={f.user.id}>
                <button type="button" class="person" onClick={() => props.onPick(f.user)}>
                  <Avatar person={f.user} size={32} decorative />
                  <span>
                    <strong>{f.user.displayName}</strong> <small>@{f.user.username}</small>{" "}
                    <small class="hint">{f.typed}</small>
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {result.found.length === 0 && <p class="hint">Nobody you typed is on this server.</p>}
          {result.missing.length > 0 && result.found.length > 0 && (
            <p class="hint">Not on this server: {result.missing.join(", ")}</p>
          )}
          {result.invalid.length > 0 && (
            <p class="hint">Neither an email address nor a username: {result.invalid.join(", ")}</p>
          )}
        </div>
      )}
    </details>
  );
}
