import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

/**
 * Loads once on mount. `waiting` is what to show instead until the value is there: "Loading…", or the error
 * (from the load, or from a later action reported with `fail`). `reload` asks again.
 */
export function useLoad<T>(load: () => Promise<T>): {
  value: T | null;
  waiting: JSX.Element | null;
  reload: () => void;
  fail: (e: Error) => void;
} {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () =>
    void load().then(
      (v) => (setValue(v), setError(null)),
      (e) => setError(e.message),
    );
  useEffect(reload, []);
  const waiting = error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : value === null ? (
    <p class="hint">Loading…</p>
  ) : null;
  return { value, waiting, reload, fail: (e) => setError(e.message) };
}
