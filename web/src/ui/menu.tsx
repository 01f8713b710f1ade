import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";

/** One line of a menu: an action, a choice among several (shown with a check), or a heading over choices. */
export type MenuEntry =
  | { kind?: "action"; label: string; run: () => void }
  | { kind: "choice"; label: string; checked: boolean; run: () => void }
  | { kind: "heading"; label: string };

let menus = 0;

/**
 * A menu button and its list, on the browser's popover (Esc, clicks outside and focus handled by it). The list
 * opens under its button and is kept inside the window, so it never sticks out on a phone. A chosen item runs
 * once the menu has closed and handed focus back, so a dialog it opens keeps the focus.
 */
export function Menu(props: {
  label: string;
  buttonClass?: string;
  children: ComponentChildren;
  header?: ComponentChildren;
  entries: MenuEntry[];
}) {
  const [id] = useState(() => `menu-${++menus}`);
  const list = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const [open, setOpen] = useState(false);
  const chosen = useRef<(() => void) | null>(null);
  useEffect(() => {
    const el = list.current!;
    const toggled = (e: Event) => {
      const isOpen = (e as ToggleEvent).newState === "open";
      setOpen(isOpen);
      if (isOpen) {
        place(el, button.current!);
        el.querySelector<HTMLButtonElement>("[role^=menuitem]")?.focus();
      }
      const run = chosen.current;
      chosen.current = null;
      if (!isOpen) run?.();
    };
    el.addEventListener("toggle", toggled);
    return () => el.removeEventListener("toggle", toggled);
  }, []);
  const choose = (run: () => void) => {
    chosen.current = run;
    list.current?.hidePopover();
  };
  return (
    <div class="menu">
      <button
        type="button"
        ref={button}
        class={`icon ${props.buttonClass ?? ""}`}
        aria-label={props.label}
        title={props.label}
        aria-haspopup="menu"
        aria-expanded={open}
        popovertarget={id}
      >
        {props.children}
      </button>
      <div role="menu" id={id} class="menu-list" popover="auto" ref={list} aria-label={props.label}>
        {props.header}
        {props.entries.map((e) =>
          e.kind === "heading" ? (
            <p key={`h-${e.label}`} class="menu-heading" role="presentation">
              {e.label}
            </p>
          ) : (
            <button
              key={e.label}
              type="button"
              role={e.kind === "choice" ? "menuitemradio" : "menuitem"}
              aria-checked={e.kind === "choice" ? e.checked : undefined}
              onClick={() => choose(e.run)}
            >
              {e.kind === "choice" && <span class="check">{e.checked ? "✓" : ""}</span>}
              {e.label}
            </button>
          ),
        )}
      </div>
    </div>
  );
}

/** Puts the open list under its button, right edges aligned, moved in so that all of it is in the window. */
function place(list: HTMLElement, button: HTMLElement): void {
  const b = button.getBoundingClientRect();
  const vw = document.documentElement.clientWidth;
  const vh = document.documentElement.clientHeight;
  const width = Math.min(list.offsetWidth, vw - 16);
  const left = Math.max(8, Math.min(b.right - width, vw - width - 8));
  list.style.left = `${left}px`;
  list.style.maxWidth = `${vw - 16}px`;
  list.style.top = `${Math.min(b.bottom + 4, Math.max(8, vh - list.offsetHeight - 8))}px`;
  list.style.maxHeight = `${vh - 16}px`;
}
