import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A modal on the browser's own <dialog>: focus moves in and back, Esc closes it, the page behind is inert.
 * The parent renders it while open and drops it in onClose.
 */
export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    d.showModal();
    // Start on the first field to fill in; a menu closing as the dialog opens would otherwise take focus back.
    const first = () =>
      d.querySelector<HTMLElement>("input:not([type=hidden]):not([hidden]), textarea, select") ??
      d.querySelector<HTMLElement>("button");
    requestAnimationFrame(() => d.open && !d.contains(document.activeElement) && first()?.focus());
    first()?.focus();
    const closed = () => props.onClose();
    // The browser closes a modal on Esc too, but may skip it when nothing was clicked since it opened.
    const esc = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      e.preventDefault();
      d.close();
    };
    d.addEventListener("close", closed);
    document.addEventListener("keydown", esc);
    return () => {
      d.removeEventListener("close", closed);
      document.removeEventListener("keydown", esc);
      if (d.open) d.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={props.wide ? "wide" : undefined}
      aria-labelledby="dialog-title"
      onClick={(e) => e.target === ref.current && ref.current?.close()}
    >
      <div class="dialog-body">
        <header class="dialog-head">
          <h2 id="dialog-title">{props.title}</h2>
          <button type="button" class="icon" aria-label="Close" onClick={() => ref.current?.close()}>
            ✕
          </button>
        </header>
        {props.children}
      </div>
    </dialog>
  );
}
