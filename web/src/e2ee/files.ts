// Files of end-to-end encrypted conversations: encrypted in the browser before upload with a key of their
// own (AES-256-GCM), which travels only inside the signed, MLS-encrypted message (payload.ts SealedFile).
// The server stores bytes it cannot open under a name that says nothing ("encrypted").
import type { SealedFile } from "./payload.ts";
import { fromBase64, toBase64 } from "./base64.ts";

/** What the server is told a sealed file is called: the real name is in the message. */
export const SEALED_NAME = "encrypted";

/** The file encrypted, ready to upload, and what the message must carry to open it (without its id yet). */
export async function sealFile(file: File): Promise<{ upload: File; sealed: Omit<SealedFile, "attachmentId"> }> {
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, await file.arrayBuffer());
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", key));
  return {
    upload: new File([data], SEALED_NAME, { type: "application/octet-stream" }),
    sealed: {
      name: file.name || "pasted-file",
      type: file.type || "application/octet-stream",
      size: file.size,
      key: toBase64(raw),
      iv: toBase64(iv),
    },
  };
}

/** The file's bytes back, as a Blob of its real type; throws if they were altered (GCM checks them whole). */
export async function openFile(bytes: ArrayBuffer, sealed: SealedFile): Promise<Blob> {
  const key = await crypto.subtle.importKey("raw", fromBase64(sealed.key), "AES-GCM", false, ["decrypt"]);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(sealed.iv) }, key, bytes);
  return new Blob([plain], { type: sealed.type });
}
