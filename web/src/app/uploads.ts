// Files on their way up: each upload reports progress and can be cancelled; done ones wait to be sent.
import { signal } from "@preact/signals";
import { api, type Attachment } from "./api.ts";
import { instance } from "./instance.ts";
import { sealFile } from "../e2ee/files.ts";
import type { SealedFile } from "../e2ee/payload.ts";

export interface Upload {
  key: string;
  /** Encrypted conversations: how to open the uploaded bytes (its key travels in the message). */
  sealed?: Omit<SealedFile, "attachmentId">;
  conversationId: string;
  /** Which composer it waits for: the conversation's (its id) or a thread's (uploadSlot). */
  slot: string;
  name: string;
  size: number;
  /** 0 to 1. */
  progress: number;
  attachment: Attachment | null;
  error: string | null;
  cancel: () => void;
  /** Starts a failed upload again from the same file. */
  retry: () => void;
}

export const uploads = signal<Upload[]>([]);

function update(key: string, patch: Partial<Upload>): void {
  uploads.value = uploads.value.map((u) => (u.key === key ? { ...u, ...patch } : u));
}

/**
 * Starts uploading a file for a conversation's next message. XHR, because fetch cannot report upload progress.
 * In an end-to-end encrypted conversation (`encrypted`) the file is encrypted here first (e2ee/files.ts):
 * the server gets bytes it cannot open.
 */
export function startUpload(conversationId: string, file: File, encrypted = false, slot = conversationId): void {
  if (encrypted) {
    void sealFile(file).then(
      ({ upload, sealed }) => send(conversationId, slot, file, upload, sealed),
      () => send(conversationId, slot, file, file, undefined, "This file could not be encrypted."),
    );
    return;
  }
  send(conversationId, slot, file, file);
}

/** The composer a file waits for: a conversation's, or one of its threads'. */
export const uploadSlot = (conversationId: string, threadRootId: string | null) =>
  threadRootId ? `${conversationId} thread ${threadRootId}` : conversationId;

function send(
  conversationId: string,
  slot: string,
  file: File,
  bytes: File,
  sealed?: Omit<SealedFile, "attachmentId">,
  failed?: string,
): void {
  const key = crypto.randomUUID();
  /** The request under way now (the cancel button aborts it). */
  let active: XMLHttpRequest | null = null;
  let cancelled = false;
  const upload: Upload = {
    key,
    ...(sealed ? { sealed } : {}),
    conversationId,
    slot,
    name: file.name || "pasted-file",
    size: file.size,
    progress: 0,
    attachment: null,
    error: null,
    cancel: () => {
      cancelled = true;
      if (active) active.abort();
      else removeUpload(key);
    },
    retry: () => {
      removeUpload(key);
      startUpload(conversationId, file, sealed !== undefined || failed !== undefined, slot);
    },
  };
  uploads.value = [...uploads.value, failed ? { ...upload, error: failed } : upload];
  if (failed) return;
  const done = (attachment: Attachment) => update(key, { progress: 1, attachment });
  const fail = (message: string) => update(key, { error: message });
  const through = () => {
    if (cancelled) return removeUpload(key);
    active = sendThrough(key, bytes, done, fail);
  };
  // With S3 storage the bytes go straight to the bucket, sparing the server's bandwidth; if the bucket
  // refuses the browser (no CORS rule for this origin), through Parley as always.
  if (instance.value?.features.directUploads)
    void sendDirect(key, bytes, (xhr) => (active = xhr)).then(
      (attachment) => (attachment ? done(attachment) : through()),
      (err: Error) => (cancelled ? removeUpload(key) : fail(err.message)),
    );
  else through();
}

/** Through Parley: one multipart POST, with progress. */
function sendThrough(
  key: string,
  bytes: File,
  done: (a: Attachment) => void,
  fail: (message: string) => void,
): XMLHttpRequest {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  form.append("file", bytes, bytes.name || "pasted-file");
  xhr.upload.onprogress = (e) => e.lengthComputable && update(key, { progress: e.loaded / e.total });
  xhr.onload = () => {
    let body: any = null;
    try {
      body = JSON.parse(xhr.responseText);
    } catch {}
    if (xhr.status === 201) done(body.attachment);
    else fail(body?.error?.message ?? `The server answered ${xhr.status}.`);
  };
  xhr.onerror = () => fail("Cannot reach the server.");
  xhr.onabort = () => removeUpload(key);
  xhr.open("POST", "/api/v1/uploads");
  xhr.send(form);
  return xhr;
}

/**
 * Straight to the bucket: a presigned PUT (with progress), then Parley checks what arrived. Null when the
 * bucket could not be reached from the browser (the caller goes through Parley instead); the server's
 * refusals (size, quota) are errors.
 */
async function sendDirect(
  key: string,
  bytes: File,
  started: (xhr: XMLHttpRequest) => void,
): Promise<Attachment | null> {
  const { attachment, upload } = await api<{ attachment: Attachment; upload: { url: string; method: "PUT" } }>(
    "POST",
    "/uploads/presign",
    { name: bytes.name || "pasted-file", size: bytes.size, ...(bytes.type ? { type: bytes.type } : {}) },
  );
  const put = await new Promise<"done" | "unreachable">((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    started(xhr);
    xhr.upload.onprogress = (e) => e.lengthComputable && update(key, { progress: (0.98 * e.loaded) / e.total });
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve("done") : resolve("unreachable"));
    xhr.onerror = () => resolve("unreachable");
    xhr.onabort = () => reject(new Error("cancelled"));
    xhr.open(upload.method, upload.url);
    xhr.send(bytes);
  });
  if (put === "unreachable") return null;
  return (await api<{ attachment: Attachment }>("POST", `/uploads/${encodeURIComponent(attachment.id)}/complete`))
    .attachment;
}

export function removeUpload(key: string): void {
  uploads.value = uploads.value.filter((u) => u.key !== key);
}

/**
 * The finished uploads of a composer (uploadSlot), taken for the message being sent. Failed ones go with them: the
 * message went without them, and a row saying "failed" under the next one would only puzzle.
 */
export function takeAttachments(slot: string): SentAttachment[] {
  const mine = uploads.value.filter((u) => u.slot === slot && (u.attachment || u.error));
  uploads.value = uploads.value.filter((u) => !mine.includes(u));
  return mine
    .filter((u) => u.attachment)
    .map((u) =>
      u.sealed ? { ...u.attachment!, sealed: { ...u.sealed, attachmentId: u.attachment!.id } } : u.attachment!,
    );
}

/** A finished upload as a message takes it; an encrypted conversation's with what opens it. */
export type SentAttachment = Attachment & { sealed?: SealedFile };

// One way to write sizes, shared with the server's messages.
export { formatSize } from "../../../src/protocol/sizes.ts";
