import { useEffect, useState } from "preact/hooks";

/** Loads once on mount: [value, error, reload, fail]; `fail` shows an error from a later action in its place. */
export function useLoad<T>(load: () => Promise<T>): [T | null, string | null, () => void, (e: Error) => void] {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () =>
    void load().then(
      (v) => (setValue(v), setError(null)),
      (e) => setError(e.message),
    );
  useEffect(reload, []);
  return [value, error, reload, (e) => setError(e.message)];
}
