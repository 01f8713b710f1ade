// The full-screen viewer: a conversation's pictures and videos one at a time, moved through with the arrow
// keys, the buttons, or a swipe; Esc closes it.
import { useEffect, useRef } from "preact/hooks";
import { fullTime } from "../app/format.ts";
import { closeViewer, isVideo, step, viewer } from "../app/media.ts";
import { formatSize } from "../app/uploads.ts";

/** How far a finger must travel sideways to move to the next picture. */
const SWIPE_PX = 50;

export function MediaViewer() {
  // Only while something is open: an empty <dialog> in the page would still be one to screen readers.
  return viewer.value ? <ViewerDialog /> : null;
}

function ViewerDialog() {
  const v = viewer.value!;
  const ref = useRef<HTMLDialogElement>(null);
  const swipe = useRef<{ x: number; y: number } | null>(null);

  useEffect(() => {
    const d = ref.current!;
    d.showModal();
    return () => {
      if (d.open) d.close();
    };
  }, []);

  const item = v.items[v.index]!;
  const a = item.attachment;
  return (
    <dialog
      ref={ref}
      class="media-viewer"
      aria-label="Media viewer"
      onClose={closeViewer}
      onKeyDown={(e) => {
        if (e.key === "ArrowRight") step(1);
        else if (e.key === "ArrowLeft") step(-1);
      }}
      onPointerDown={(e) => (swipe.current = { x: e.clientX, y: e.clientY })}
      onPointerUp={(e) => {
        const start = swipe.current;
        swipe.current = null;
        if (!start) return;
        const dx = e.clientX - start.x;
        if (Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(e.clientY - start.y)) step(dx < 0 ? 1 : -1);
      }}
    >
      <header class="media-head">
        <span class="media-caption">
          <strong>{a.name}</strong>
          {item.sender && (
            <small>
              {item.sender} · {fullTime(item.createdAt)}
            </small>
          )}
        </span>
        <span class="media-count" aria-live="polite">
          {v.index + 1} of {v.items.length}
        </span>
        <a class="button" href={a.url} download={a.name}>
          Download ({formatSize(a.size)})
        </a>
        <button type="button" class="icon" aria-label="Close viewer" onClick={() => ref.current?.close()}>
          ✕
        </button>
      </header>
      <div class="media-stage">
        <button
          type="button"
          class="media-step"
          aria-label="Previous"
          disabled={v.index === 0}
          onClick={() => step(-1)}
        >
          ‹
        </button>
        {isVideo(a) ? (
          <video key={a.id} src={a.url} controls preload="metadata" />
        ) : (
          <img key={a.id} src={a.url} alt={a.name} draggable={false} />
        )}
        <button
          type="button"
          class="media-step"
          aria-label="Next"
          disabled={v.index === v.items.length - 1}
          onClick={() => step(1)}
        >
          ›
        </button>
      </div>
    </dialog>
  );
}
