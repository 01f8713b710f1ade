import { signal } from "@preact/signals";
import { Dialog } from "./dialog.tsx";

interface Question {
  title: string;
  text?: string;
  /** The button that goes ahead, named for what it does ("Delete", "Leave"). */
  action: string;
  resolve: (ok: boolean) => void;
}

const asked = signal<Question | null>(null);

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

/** Where the question shows: rendered once, by the app. */
export function ConfirmHost() {
  const q = asked.value;
  if (!q) return null;
  const answer = (ok: boolean) => {
    if (asked.value !== q) return;
    asked.value = null;
    q.resolve(ok);
  };
  return (
    <Dialog title={q.title} onClose={() => answer(false)}>
      {q.text && <p>{q.text}</p>}
      <div class="dialog-actions">
        <button type="button" onClick={() => answer(false)}>
          Cancel
        </button>
        <button type="button" class="primary destructive" onClick={() => answer(true)}>
          {q.action}
        </button>
      </div>
    </Dialog>
  );
}
