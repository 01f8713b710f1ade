// A conversation's Files and media beside it: its pictures and videos as a grid that opens the viewer, and
// its other files (voice notes playable) as a list, newest first, older ones on request.
import { useEffect, useState } from "preact/hooks";
import { api, type Conversation, type ConversationFileView } from "../app/api.ts";
import { conversationPath } from "../app/chats.ts";
import { conversationTitle } from "../app/chat-display.ts";
import { isEncrypted } from "../app/e2ee.ts";
import { fullTime } from "../app/format.ts";
import { isAudio, isVideo, openMediaList } from "../app/media.ts";
import { sidePanel } from "../app/threads.ts";
import { formatSize } from "../app/uploads.ts";
import { AudioPlayer } from "./audio-player.tsx";
import { SidePanel } from "./side-panel.tsx";

type Kind = "media" | "files";

export function FilesPanel(props: { c: Conversation }) {
  const { c } = props;
  const [kind, setKind] = useState<Kind>("media");
  const [list, setList] = useState<ConversationFileView[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async (older: boolean) => {
    const before = older && list?.length ? `&before=${encodeURIComponent(list.at(-1)!.messageId)}` : "";
    try {
      const page = await api<{ files: ConversationFileView[]; more: boolean }>(
        "GET",
        `${conversationPath(c.id)}/files?kind=${kind}&limit=60${before}`,
      );
      // Several files of one message share its cursor: keep each once.
      const seen = new Set((older ? (list ?? []) : []).map((f) => f.attachment.id));
      setList([...(older ? (list ?? []) : []), ...page.files.filter((f) => !seen.has(f.attachment.id))]);
      setMore(page.more);
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  useEffect(() => {
    setList(null);
    void load(false);
  }, [c.id, kind]);

  const name = (id: string) => c.members.find((m) => m.user.id === id)?.user.displayName ?? "Someone";
  const media = (list ?? []).map((f) => ({
    attachment: f.attachment,
    sender: name(f.senderId),
    createdAt: f.createdAt,
  }));
  const close = () => (sidePanel.value = null);
  return (
    <SidePanel
      name="Files and media"
      className="files-panel"
      subtitle={conversationTitle(c)}
      closeLabel="Close files and media"
      onClose={close}
    >
      <div class="tabs" role="tablist" aria-label="Which files">
        {(["media", "files"] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={kind === k} onClick={() => setKind(k)}>
            {k === "media" ? "Media" : "Files"}
          </button>
        ))}
      </div>
      <div class="files-body">
        {isEncrypted(c) && (
          <p class="hint side-empty">
            End-to-end encrypted messages' files are not listed here: the server cannot tell what they are.
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {list && list.length === 0 && (
          <p class="hint side-empty">{kind === "media" ? "No pictures or videos yet." : "No files yet."}</p>
        )}
        {kind === "media" ? (
          <ul class="media-grid">
            {(list ?? []).map((f, i) => (
              <li key={f.attachment.id}>
                <button type="button" aria-label={`Open ${f.attachment.name}`} onClick={() => openMediaList(media, i)}>
                  {isVideo(f.attachment) ? (
                    <span class="video-tile" aria-hidden="true">
                      ▶
                    </span>
                  ) : (
                    <img src={f.attachment.thumbnailUrl ?? f.attachment.url} alt="" loading="lazy" />
                  )}
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <ul class="file-list">
            {(list ?? []).map((f) => (
              <li key={f.attachment.id}>
                {isAudio(f.attachment) ? (
                  <AudioPlayer a={f.attachment} />
                ) : (
                  <a class="file-card" href={f.attachment.url} download={f.attachment.name}>
                    <span aria-hidden="true">📄</span>
                    <span>
                      <strong>{f.attachment.name}</strong>
                      <small class="hint">{formatSize(f.attachment.size)}</small>
                    </span>
                  </a>
                )}
                <small class="hint">
                  {name(f.senderId)} · {fullTime(f.createdAt)}
                </small>
              </li>
            ))}
          </ul>
        )}
        {more && (
          <button type="button" class="load-more" onClick={() => void load(true)}>
            Show older
          </button>
        )}
      </div>
    </SidePanel>
  );
}
