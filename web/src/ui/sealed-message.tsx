// An end-to-end encrypted message as this device reads it (app/e2ee.ts): its words and files once decrypted,
// why it cannot be read, or that it is being read. Never its ciphertext as words.
import { useEffect, useState } from "preact/hooks";
import type { Message } from "../app/api.ts";
import { readables } from "../app/e2ee.ts";
import { openFile } from "../e2ee/files.ts";
import type { SealedFile } from "../e2ee/payload.ts";
import { Attachments } from "./attachments.tsx";
import { timelineKeyOf } from "../app/media.ts";
import { MessageText } from "./message-text.tsx";

/** An end-to-end encrypted message as this device reads it: its words and files, why it cannot, or that it is at it. */
export function SealedMessage(props: { m: Message }) {
  const r = readables.value.get(props.m.id);
  if (!r) return <p class="sealed hint">🔒 Decrypting…</p>;
  if (!r.ok) return <p class="sealed undecryptable">🔒 This message can't be decrypted on this device: {r.reason}</p>;
  return (
    <>
      {r.content.text && <MessageText text={r.content.text} />}
      {r.content.files.length > 0 && <SealedFiles m={props.m} files={r.content.files} />}
    </>
  );
}

/** An encrypted message's files, fetched and decrypted here; shown as any file once they are. */
function SealedFiles(props: { m: Message; files: SealedFile[] }) {
  const [opened, setOpened] = useState<{ list: Message["attachments"]; failed: number } | null>(null);
  useEffect(() => {
    let urls: string[] = [];
    let live = true;
    void Promise.all(
      props.files.map(async (f) => {
        const stored = props.m.attachments.find((a) => a.id === f.attachmentId);
        if (!stored) return null;
        const res = await fetch(stored.url, { credentials: "same-origin" });
        if (!res.ok) return null;
        const blob = await openFile(await res.arrayBuffer(), f).catch(() => null);
        if (!blob) return null;
        const url = URL.createObjectURL(blob);
        urls.push(url);
        return { ...stored, name: f.name, type: f.type, size: f.size, url, thumbnailUrl: null };
      }),
    ).then((all) => {
      if (!live) return;
      const list = all.filter((a) => a !== null);
      setOpened({ list, failed: all.length - list.length });
    });
    return () => {
      live = false;
      for (const u of urls) URL.revokeObjectURL(u);
      urls = [];
    };
  }, [props.m.id]);
  if (!opened) return <p class="sealed hint">🔒 Decrypting files…</p>;
  return (
    <>
      {opened.list.length > 0 && <Attachments list={opened.list} timelineKey={timelineKeyOf(props.m)} />}
      {opened.failed > 0 && (
        <p class="sealed undecryptable">
          🔒 {opened.failed === 1 ? "A file" : `${opened.failed} files`} of this message can't be decrypted.
        </p>
      )}
    </>
  );
}
