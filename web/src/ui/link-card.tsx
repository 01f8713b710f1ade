// A link's card under its message: the page's picture, site, title and description, as the server fetched
// them (the picture re-encoded and served by Parley, so opening the chat contacts no other site). Its sender
// can take it off, for everyone.
import { useState } from "preact/hooks";
import type { Message } from "../app/api.ts";
import { removePreview } from "../app/chat-commands.ts";

export function LinkCard(props: { m: Message; own: boolean }) {
  const p = props.m.preview!;
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="link-card">
      <a href={p.url} target="_blank" rel="noopener noreferrer nofollow" class="link-card-body">
        {p.image && (
          <img src={p.image.url} width={p.image.width} height={p.image.height} alt="" loading="lazy" decoding="async" />
        )}
        <span class="link-card-words">
          {p.siteName && <small class="hint">{p.siteName}</small>}
          <strong>{p.title}</strong>
          {p.description && <span class="link-card-description">{p.description}</span>}
        </span>
      </a>
      {props.own && (
        <button
          type="button"
          class="icon link-card-remove"
          aria-label="Remove preview"
          title="Remove preview (for everyone)"
          onClick={() => removePreview(props.m).catch((err) => setError(err.message))}
        >
          ✕
        </button>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
