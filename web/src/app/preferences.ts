// What this browser prefers, remembered in it (like the theme, theme.ts): a sound when a message comes in
// while the app is open, and unread conversations first in the list.
import { effect, signal, type Signal } from "@preact/signals";

function remembered(key: string, fallback: boolean): Signal<boolean> {
  const stored = localStorage.getItem(key);
  const s = signal(stored === null ? fallback : stored === "true");
  effect(() => localStorage.setItem(key, String(s.value)));
  return s;
}

/** A short sound for a message I would be notified of, while the app is open but I am not reading that chat. */
export const messageSound = remembered("parley:message-sound", true);
/** Unread conversations above the others in the list (each part by latest activity). */
export const unreadFirst = remembered("parley:unread-first", false);
