import { asked } from "./confirm.tsx";
import { Dialog } from "./dialog.tsx";

/** The question asked by confirmAction, with Cancel and the named action. */
export function ConfirmDialog() {
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
