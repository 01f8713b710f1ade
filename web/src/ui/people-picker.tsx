import { useRef, useState } from "preact/hooks";
import type { Person } from "../app/api.ts";
import { me } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { usePeopleSearch } from "./use-people-search.ts";

let pickers = 0;

/**
 * A search box over the instance's people; calls onPick with the one chosen, by a click or with the keyboard
 * (arrows move, Enter picks). After a pick the box empties, ready for the next name.
 */
export function PeoplePicker(props: {
  onPick: (p: Person) => void;
  exclude?: string[];
  label?: string;
  autoFocus?: boolean;
}) {
  const [id] = useState(() => `picker-${++pickers}`);
  const [q, setQ] = useState("");
  const [active, setActive] = useState(0);
  // Enter pressed before the answer for these words came: the first person found is picked when it does.
  const enterFor = useRef<string | null>(null);
  const query = q.trim();
  const { found, error } = usePeopleSearch(query, (answer) => {
    setActive(0);
    const first = answer.find((p) => !hidden.has(p.id));
    if (enterFor.current === query && first) pick(first);
    enterFor.current = null;
  });
  const hidden = new Set([me.value?.id, ...(props.exclude ?? [])]);
  const people = query ? found.people.filter((p) => !hidden.has(p.id)) : [];
  const at = Math.min(active, Math.max(0, people.length - 1));
  const pick = (p: Person) => {
    // The box empties, and with it the list.
    setQ("");
    props.onPick(p);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (people.length > 0) setActive((at + (e.key === "ArrowDown" ? 1 : people.length - 1)) % people.length);
    } else if (e.key === "Enter") {
      // Never submits a surrounding form: Enter here means "this person".
      e.preventDefault();
      if (found.answered === query && people[at]) pick(people[at]);
      else if (query) enterFor.current = query;
    }
  };
  return (
    <div class="picker">
      <label class="field">
        <span>{props.label ?? "Find people"}</span>
        <input
          type="search"
          value={q}
          onInput={(e) => setQ(e.currentTarget.value)}
          onKeyDown={onKey}
          placeholder="Name or username"
          autoFocus={props.autoFocus}
          autoComplete="off"
          aria-autocomplete="list"
          aria-controls={id}
          aria-activedescendant={people[at] ? `${id}-${people[at].id}` : undefined}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="people" id={id} aria-label="People found">
        {people.map((p, i) => (
          <li key={p.id}>
            <button
              type="button"
              id={`${id}-${p.id}`}
              class={`person${i === at ? " active" : ""}`}
              onClick={() => pick(p)}
            >
              <Avatar person={p} size={32} decorative />
              <span>
                <strong>{p.displayName}</strong> <small>@{p.username}</small>
              </span>
            </button>
          </li>
        ))}
        {query && found.answered === query && people.length === 0 && !error && <li class="hint">Nobody found.</li>}
      </ul>
    </div>
  );
}
