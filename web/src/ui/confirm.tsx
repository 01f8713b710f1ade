import { signal } from "@preact/signals";
import { lazy } from "./lazy.tsx";

interface Question {
  title: string;
  text?: string;
  /** The button that goes ahead, named for what it does ("Delete", "Leave"). */
  action: string;
  resolve: (ok: boolean) => void;
}

export const asked = signal<Question | null>(null);

/**
 * Asks before something that cannot be undone, in the app's own dialog (the browser's confirm() looks like
 * a warning from the site, blocks the page and cannot be styled). Resolves true only for the named action;
 * Cancel, Esc and a click outside all say no.
 */
export function confirmAction(q: Omit<Question, "resolve">): Promise<boolean> {
  return new Promise((resolve) => {
    asked.value?.resolve(false);
    asked.value = { ...q, resolve };
  });
}

// The dialog's code loads with the first question.
const ConfirmDialog = lazy(() => import("./confirm-dialog.tsx").then((m) => m.ConfirmDialog));

/** Where the question shows: rendered once, by the app. */
export function ConfirmHost() {
  return asked.value ? <ConfirmDialog /> : null;
}
