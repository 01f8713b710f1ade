// Pictures and videos as the full-screen viewer shows them: the ones of a conversation (or a thread, or its
// Files and media list), in order, and which one is open.
import { signal } from "@preact/signals";
import type { Attachment, Message } from "./api.ts";
import { timelines } from "./chats.ts";
import { threadKey } from "./chat-reducer.ts";

/** The timeline a message shows in: its thread's, or its conversation's. */
export const timelineKeyOf = (m: Message) => (m.threadRootId ? threadKey(m.threadRootId) : m.conversationId);

export interface MediaItem {
  attachment: Attachment;
  /** Who sent it and when, for the viewer's caption. */
  sender: string;
  createdAt: string;
}

export const isPicture = (a: Attachment) => /^image\/(png|jpeg|gif|webp)$/.test(a.type);
export const isVideo = (a: Attachment) => a.type.startsWith("video/");
export const isAudio = (a: Attachment) => a.type.startsWith("audio/");
const isMedia = (a: Attachment) => isPicture(a) || isVideo(a);

/** What the viewer shows now: the list it moves through, and where it is. */
export const viewer = signal<{ items: MediaItem[]; index: number } | null>(null);

/** The pictures and videos of loaded messages, oldest first. */
export function mediaOf(messages: readonly Message[]): MediaItem[] {
  return messages.flatMap((m) =>
    m.deleted || m.encrypted
      ? []
      : m.attachments
          .filter(isMedia)
          .map((attachment) => ({ attachment, sender: m.sender.displayName, createdAt: m.createdAt })),
  );
}

/** Opens a picture in the viewer, among the others of the timeline it is shown in (a conversation or thread). */
export function openMedia(attachment: Attachment, timelineKey: string): void {
  const items = mediaOf(timelines.value.get(timelineKey)?.messages ?? []);
  const index = items.findIndex((i) => i.attachment.id === attachment.id);
  viewer.value = index >= 0 ? { items, index } : { items: [{ attachment, sender: "", createdAt: "" }], index: 0 };
}

export function openMediaList(items: MediaItem[], index: number): void {
  viewer.value = { items, index };
}

export function closeViewer(): void {
  viewer.value = null;
}

/** One step through the list (never past either end). */
export function step(by: 1 | -1): void {
  const v = viewer.value;
  if (!v) return;
  const index = Math.min(v.items.length - 1, Math.max(0, v.index + by));
  if (index !== v.index) viewer.value = { ...v, index };
}
