// The server's people search as someone types (GET /search/users), a moment after the last key: the new-chat
// and group pickers and the quick switcher ask the same way.
import { useEffect, useState } from "preact/hooks";
import { api, type Person } from "../app/api.ts";

/**
 * The people found for `query` and which words they answer (`answered`: a list shows "nobody found" only once
 * the current words were asked). `onAnswer` runs with each answer as it comes.
 */
export function usePeopleSearch(query: string, onAnswer?: (people: Person[]) => void) {
  const [found, setFound] = useState<{ answered: string; people: Person[] }>({ answered: "", people: [] });
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!query) return setFound({ answered: "", people: [] });
    let current = true;
    const t = setTimeout(() => {
      api<{ users: Person[] }>("GET", `/search/users?q=${encodeURIComponent(query)}`).then(
        (r) => {
          if (!current) return;
          setFound({ answered: query, people: r.users });
          setError(null);
          onAnswer?.(r.users);
        },
        (err: Error) => current && setError(err.message),
      );
    }, 150);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [query]);
  return { found, error };
}
