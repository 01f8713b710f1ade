// What the user asks of their conversations and messages: each call goes to the server, and its answer
// updates the state in chats.ts (events from the socket update it too; the reducer makes both agree).
import { api, type Conversation, type Message } from "./api.ts";
import {
  conversationPath,
  forgetConversation,
  messagePath,
  myUserId,
  putConversation,
  conversations,
  upsertMessage,
} from "./chats.ts";

/** Opens (or creates) my direct chat with someone; `encrypted` turns end-to-end encryption on for it. */
export async function openDirect(userId: string, encrypted = false): Promise<Conversation> {
  const { conversation } = await api<{ conversation: Conversation }>("POST", "/conversations", {
    type: "direct",
    userId,
    ...(encrypted ? { encrypted } : {}),
  });
  putConversation(conversation);
  return conversation;
}

export async function createGroup(title: string, memberIds: string[], encrypted = false): Promise<Conversation> {
  const { conversation } = await api<{ conversation: Conversation }>("POST", "/conversations", {
    type: "group",
    title,
    memberIds,
    encrypted,
  });
  putConversation(conversation);
  return conversation;
}

/** Turns end-to-end encryption on for a conversation, for good. */
export async function encryptConversation(id: string): Promise<void> {
  await api("POST", `${conversationPath(id)}/mls/enable`);
  const { conversation } = await api<{ conversation: Conversation }>("GET", conversationPath(id));
  putConversation(conversation);
}

export async function editMessage(m: Message, text: string): Promise<void> {
  const { message } = await api<{ message: Message }>("PATCH", messagePath(m), { text });
  upsertMessage(message);
}

export interface Version {
  text: string;
  replacedAt: string;
}

/** What an edited message said before (for its author and the group's admins). */
export async function earlierVersions(m: Message): Promise<Version[]> {
  return (await api<{ versions: Version[] }>("GET", `${messagePath(m)}/versions`)).versions;
}

export async function deleteMessage(m: Message): Promise<void> {
  await api("DELETE", messagePath(m));
}

/** Calls that change a conversation and answer with it as I now see it. */
export async function changeConversation(id: string, method: string, sub: string, body?: unknown): Promise<void> {
  const r = await api<{ conversation?: Conversation }>(method, conversationPath(id) + sub, body);
  if (r?.conversation) putConversation(r.conversation);
}

export async function toggleReaction(m: Message, emoji: string): Promise<void> {
  const r = await api<{ message: Message }>("POST", `${messagePath(m)}/reactions`, { emoji });
  upsertMessage(r.message);
}

export async function setPinned(m: Message, pinned: boolean): Promise<void> {
  const r = await api<{ message: Message }>(
    pinned ? "PUT" : "DELETE",
    `${conversationPath(m.conversationId)}/pins/${encodeURIComponent(m.id)}`,
  );
  upsertMessage(r.message);
}

/** Takes the link preview off my message, for everyone. */
export async function removePreview(m: Message): Promise<void> {
  const r = await api<{ message: Message }>("DELETE", `${messagePath(m)}/preview`);
  upsertMessage(r.message);
}

export async function forwardMessage(m: Message, toConversationId: string): Promise<void> {
  const r = await api<{ message: Message }>("POST", `${conversationPath(toConversationId)}/messages`, {
    clientId: crypto.randomUUID(),
    forwardOf: { conversationId: m.conversationId, messageId: m.id },
  });
  upsertMessage(r.message, true);
}

/** Leaving, or being removed, takes the conversation off my list at once. */
export async function leaveConversation(id: string): Promise<void> {
  const myId = myUserId();
  if (!myId) return;
  await api("DELETE", `${conversationPath(id)}/members/${encodeURIComponent(myId)}`);
  forgetConversation(id);
}

export async function deleteConversation(id: string): Promise<void> {
  await api("DELETE", conversationPath(id));
  forgetConversation(id);
}

export async function markUnread(id: string): Promise<void> {
  await api("POST", `${conversationPath(id)}/unread`);
  const c = conversations.value.get(id);
  if (c) putConversation({ ...c, markedUnread: true });
}

/** Mutes for some hours, until unmuted ("forever"), or unmutes (null). */
export async function setPushLevel(id: string, level: "all" | "mentions" | "none" | null): Promise<void> {
  await changeConversation(id, "PUT", "/notifications", { level });
}

export async function setMuted(id: string, until: number | "forever" | null): Promise<void> {
  await changeConversation(id, "PUT", "/mute", {
    until: typeof until === "number" ? new Date(Date.now() + until * 3_600_000).toISOString() : until,
  });
}
