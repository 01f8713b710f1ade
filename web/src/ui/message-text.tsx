import type { ComponentChildren } from "preact";
import { isOnlyEmoji, parseMessage, type Block, type Inline } from "../app/markdown.ts";

/** A message's text with its Markdown, built from elements and text nodes only: never HTML. */
export function MessageText(props: { text: string }) {
  return <div class={isOnlyEmoji(props.text) ? "text jumbo" : "text"}>{parseMessage(props.text).map(block)}</div>;
}

function block(b: Block, i: number): ComponentChildren {
  if (b.t === "pre")
    return (
      <pre key={i}>
        <code>{b.v}</code>
      </pre>
    );
  if (b.t === "quote") return <blockquote key={i}>{b.c.map(block)}</blockquote>;
  if (b.t === "list") {
    const items = b.items.map((item, j) => <li key={j}>{item.map(inline)}</li>);
    return b.start === null ? (
      <ul key={i}>{items}</ul>
    ) : (
      <ol key={i} start={b.start}>
        {items}
      </ol>
    );
  }
  return <p key={i}>{b.c.map(inline)}</p>;
}

function inline(n: Inline, i: number): ComponentChildren {
  switch (n.t) {
    case "text":
      return n.v;
    case "br":
      return <br key={i} />;
    case "b":
      return <strong key={i}>{n.c.map(inline)}</strong>;
    case "i":
      return <em key={i}>{n.c.map(inline)}</em>;
    case "code":
      return <code key={i}>{n.v}</code>;
    case "link":
      return (
        <a key={i} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
          {n.v}
        </a>
      );
  }
}
