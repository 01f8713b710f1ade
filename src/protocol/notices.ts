// The events clients show as a line among a conversation's messages ("Ana added Ben"): plain data with no
// imports, read by the server's history (chat/notices.ts) and the web app's live reducer alike.
export const NOTICE_TYPES = [
  "conversation.created",
  "conversation.updated",
  "member.added",
  "member.removed",
  "member.role-changed",
  "call.ended",
  "conversation.encrypted",
  /** Someone's devices for end-to-end encryption changed: people may compare safety numbers again. */
  "mls.devices",
] as const;

export type NoticeType = (typeof NOTICE_TYPES)[number];
