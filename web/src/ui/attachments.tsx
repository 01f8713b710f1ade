// A message's files: pictures as previews that open the full-screen viewer, videos and sounds with players
// of their own (a voice note with its waveform), anything else as a card to download.
import type { Message } from "../app/api.ts";
import { isAudio, isPicture, isVideo, openMedia } from "../app/media.ts";
import { formatSize } from "../app/uploads.ts";
import { AudioPlayer } from "./audio-player.tsx";

/** Images keep their place while loading: a box of their proportions, at most 320×240. */
function previewBox(a: Message["attachments"][number]) {
  if (!a.width || !a.height) return undefined;
  const k = Math.min(1, 320 / a.width, 240 / a.height);
  return { width: `${Math.round(a.width * k)}px`, height: `${Math.round(a.height * k)}px` };
}

/**
 * A message's files. `timelineKey` is where the message is shown (a conversation, or a thread): the viewer
 * moves through that timeline's pictures and videos.
 */
export function Attachments(props: { list: Message["attachments"]; timelineKey: string }) {
  return (
    <div class="attachments">
      {props.list.map((a) =>
        isPicture(a) ? (
          <button
            key={a.id}
            type="button"
            class="image-preview"
            aria-label={`Open image ${a.name}`}
            onClick={() => openMedia(a, props.timelineKey)}
          >
            <img src={a.thumbnailUrl ?? a.url} alt={a.name} loading="lazy" style={previewBox(a)} />
          </button>
        ) : isVideo(a) ? (
          <video key={a.id} class="video-inline" src={a.url} controls preload="metadata" aria-label={a.name} />
        ) : isAudio(a) ? (
          <AudioPlayer key={a.id} a={a} />
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
    </div>
  );
}
