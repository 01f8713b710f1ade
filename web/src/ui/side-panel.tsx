// The panel beside a conversation (a screen of its own on a phone): a thread, my threads, Files and media.
// One head for all of them: back (phones) and close (wide screens) do the same, and the title names what
// it shows and in which conversation.
import type { ComponentChildren } from "preact";

export function SidePanel(props: {
  name: string;
  className: string;
  subtitle: string;
  closeLabel: string;
  onClose: () => void;
  /** Controls in the head between the title and close (Follow). */
  actions?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <aside class={`side-panel ${props.className}`} aria-label={props.name}>
      <header class="side-head">
        <button type="button" class="icon back-to-chat" aria-label="Back to the conversation" onClick={props.onClose}>
          ←
        </button>
        <div class="side-title">
          <h2>{props.name}</h2>
          <small class="hint">{props.subtitle}</small>
        </div>
        {props.actions}
        <button type="button" class="icon close" aria-label={props.closeLabel} onClick={props.onClose}>
          ✕
        </button>
      </header>
      {props.children}
    </aside>
  );
}
