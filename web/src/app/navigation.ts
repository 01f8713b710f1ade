// Where the app is: the path as a signal, and moving to another one (history push or replace).
import { signal } from "@preact/signals";

export const path = signal(location.pathname);

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = new URL(to, location.origin).pathname;
}

addEventListener("popstate", () => {
  path.value = location.pathname;
});
