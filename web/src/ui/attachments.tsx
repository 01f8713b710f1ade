// A message's files: pictures as previews that open larger, anything else as a card to download.
import { useState } from "preact/hooks";
import type { Message } from "../app/api.ts";
import { formatSize } from "../app/uploads.ts";
import { Dialog } from "./dialog.tsx";

const IMAGE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** Images keep their place while loading: a box of their proportions, at most 320×240. */
function previewBox(a: Message["attachments"][number]) {
  if (!a.width || !a.height) return undefined;
  const k = Math.min(1, 320 / a.width, 240 / a.height);
  return { width: `${Math.round(a.width * k)}px`, height: `${Math.round(a.height * k)}px` };
}

/** Pictures as previews that open larger; any other file as a card to download. */
export function Attachments(props: { list: Message["attachments"] }) {
  const [open, setOpen] = useState<Message["attachments"][number] | null>(null);
  return (
    <div class="attachments">
      {props.list.map((a) =>
        IMAGE.has(a.type) ? (
          <button
            key={a.id}
            type="button"
            class="image-preview"
            aria-label={`Open image ${a.name}`}
            onClick={() => setOpen(a)}
          >
            <img src={a.thumbnailUrl ?? a.url} alt={a.name} loading="lazy" style={previewBox(a)} />
          </button>
        ) : (
          <a key={a.id} class="file-card" href={a.url} download={a.name}>
            <span aria-hidden="true">📄</span>
            <span>
              <strong>{a.name}</strong>
              <small class="hint">{formatSize(a.size)}</small>
            </span>
          </a>
        ),
      )}
      {open && (
        <Dialog title={open.name} onClose={() => setOpen(null)} wide>
          <img class="lightbox" src={open.url} alt={open.name} />
          <p>
            <a href={open.url} download={open.name}>
              Download ({formatSize(open.size)})
            </a>
          </p>
        </Dialog>
      )}
    </div>
  );
}
