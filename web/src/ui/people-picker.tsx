import { useEffect, useState } from "preact/hooks";
import { api, type Person } from "../app/api.ts";
import { me } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";

/** A search box over the instance's people; calls onPick with the one chosen. */
export function PeoplePicker(props: {
  onPick: (p: Person) => void;
  exclude?: string[];
  label?: string;
  autoFocus?: boolean;
}) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState<Person[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const query = q.trim();
    if (!query) return setFound([]);
    let current = true;
    const t = setTimeout(() => {
      api<{ users: Person[] }>("GET", `/search/users?q=${encodeURIComponent(query)}`).then(
        (r) => current && (setFound(r.users), setError(null)),
        (err) => current && setError(err.message),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [q]);
  const hidden = new Set([me.value?.id, ...(props.exclude ?? [])]);
  const people = found.filter((p) => !hidden.has(p.id));
  return (
    <div class="picker">
      <label class="field">
        <span>{props.label ?? "Find people"}</span>
        <input
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          placeholder="Name or username"
          autoFocus={props.autoFocus}
          autoComplete="off"
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="people" aria-label="People found">
        {people.map((p) => (
          <li key={p.id}>
            <button type="button" class="person" onClick={() => props.onPick(p)}>
              <Avatar person={p} size={32} decorative />
              <span>
                <strong>{p.displayName}</strong> <small>@{p.username}</small>
              </span>
            </button>
          </li>
        ))}
        {q.trim() && people.length === 0 && !error && <li class="hint">Nobody found.</li>}
      </ul>
    </div>
  );
}
