import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../app/api.ts";

const VIEW = 240;
const OUT = 512;

interface Crop {
  img: HTMLImageElement;
  zoom: number;
  /** The image's top-left corner inside the square view, in view pixels. */
  x: number;
  y: number;
}

/** Keeps the image covering the whole square, however it is zoomed or dragged. */
function clamp(c: Crop): Crop {
  const scale = (VIEW / Math.min(c.img.naturalWidth, c.img.naturalHeight)) * c.zoom;
  const w = c.img.naturalWidth * scale;
  const h = c.img.naturalHeight * scale;
  return { ...c, x: Math.min(0, Math.max(VIEW - w, c.x)), y: Math.min(0, Math.max(VIEW - h, c.y)) };
}

function draw(canvas: HTMLCanvasElement, c: Crop, side: number): void {
  const ctx = canvas.getContext("2d")!;
  const k = side / VIEW;
  const scale = (VIEW / Math.min(c.img.naturalWidth, c.img.naturalHeight)) * c.zoom * k;
  ctx.clearRect(0, 0, side, side);
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(c.img, c.x * k, c.y * k, c.img.naturalWidth * scale, c.img.naturalHeight * scale);
}

/**
 * Choose a picture, frame it in a square (drag to move, zoom with the slider or + and −, arrow keys
 * move too), and save; or remove the current one. The browser crops; the server makes the final square.
 */
export function AvatarEditor(props: {
  current: ComponentChildren;
  hasPicture: boolean;
  path: string;
  label: string;
  onSaved: (body: any) => void;
}) {
  const [crop, setCrop] = useState<Crop | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const drag = useRef<{ px: number; py: number; x: number; y: number } | null>(null);

  useEffect(() => {
    if (crop && canvas.current) draw(canvas.current, crop, VIEW);
  }, [crop]);

  const pick = (f: File | undefined) => {
    if (!f) return;
    setError(null);
    const url = URL.createObjectURL(f);
    const img = new Image();
    img.onload = () =>
      setCrop(
        clamp({
          img,
          zoom: 1,
          x: (VIEW - (img.naturalWidth * VIEW) / Math.min(img.naturalWidth, img.naturalHeight)) / 2,
          y: (VIEW - (img.naturalHeight * VIEW) / Math.min(img.naturalWidth, img.naturalHeight)) / 2,
        }),
      );
    img.onerror = () => setError("That file is not a picture this browser can show.");
    img.src = url;
  };

  const zoomTo = (zoom: number) =>
    crop &&
    setCrop(
      clamp({
        ...crop,
        zoom,
        // Zoom about the centre of the square.
        x: VIEW / 2 - ((VIEW / 2 - crop.x) * zoom) / crop.zoom,
        y: VIEW / 2 - ((VIEW / 2 - crop.y) * zoom) / crop.zoom,
      }),
    );

  const save = async () => {
    if (!crop) return;
    setBusy(true);
    setError(null);
    try {
      const out = document.createElement("canvas");
      out.width = out.height = OUT;
      draw(out, crop, OUT);
      const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, "image/webp", 0.92));
      if (!blob) throw new Error("The picture could not be prepared.");
      const form = new FormData();
      form.append("file", blob, "picture");
      props.onSaved(await api("PUT", props.path, form));
      setCrop(null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onSaved(await api("DELETE", props.path));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="avatar-editor">
      {crop ? (
        <div class="cropper">
          <canvas
            ref={canvas}
            width={VIEW}
            height={VIEW}
            tabIndex={0}
            role="img"
            aria-label="Picture framing: drag or use the arrow keys to move it, + and − to zoom"
            onPointerDown={(e) => {
              (e.currentTarget as HTMLCanvasElement).setPointerCapture(e.pointerId);
              drag.current = { px: e.clientX, py: e.clientY, x: crop.x, y: crop.y };
            }}
            onPointerMove={(e) => {
              const d = drag.current;
              if (d) setCrop(clamp({ ...crop, x: d.x + e.clientX - d.px, y: d.y + e.clientY - d.py }));
            }}
            onPointerUp={() => (drag.current = null)}
            onKeyDown={(e) => {
              const step = e.shiftKey ? 20 : 5;
              const moves: Record<string, [number, number]> = {
                ArrowLeft: [step, 0],
                ArrowRight: [-step, 0],
                ArrowUp: [0, step],
                ArrowDown: [0, -step],
              };
              if (moves[e.key]) {
                e.preventDefault();
                setCrop(clamp({ ...crop, x: crop.x + moves[e.key]![0], y: crop.y + moves[e.key]![1] }));
              } else if (e.key === "+" || e.key === "=") zoomTo(Math.min(4, crop.zoom + 0.1));
              else if (e.key === "-") zoomTo(Math.max(1, crop.zoom - 0.1));
            }}
          />
          <label>
            Zoom
            <input
              type="range"
              min={1}
              max={4}
              step={0.01}
              value={crop.zoom}
              onInput={(e) => zoomTo(Number((e.currentTarget as HTMLInputElement).value))}
            />
          </label>
          <div class="avatar-actions">
            <button type="button" class="primary" disabled={busy} onClick={save}>
              {busy ? "Saving…" : "Save picture"}
            </button>
            <button type="button" disabled={busy} onClick={() => setCrop(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div class="avatar-actions">
          {props.current}
          <button type="button" disabled={busy} onClick={() => file.current?.click()}>
            {props.hasPicture ? "Change picture" : "Add picture"}
          </button>
          {props.hasPicture && (
            <button type="button" disabled={busy} onClick={remove}>
              Remove picture
            </button>
          )}
        </div>
      )}
      <input
        ref={file}
        type="file"
        accept="image/jpeg,image/png,image/webp"
        hidden
        aria-label={props.label}
        onChange={(e) => {
          const input = e.currentTarget as HTMLInputElement;
          pick(input.files?.[0]);
          input.value = "";
        }}
      />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
