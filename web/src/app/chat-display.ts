// How conversations are named and pictured for me: a group by its title, a direct one by the other person.
import type { Conversation } from "./api.ts";
import { myUserId } from "./chats.ts";

/** The name a conversation goes by for me: a group's title, or the other person in a direct one. */
export function conversationTitle(c: Conversation): string {
  if (c.type === "group") return c.title ?? "Group";
  const other = c.members.find((m) => m.user.id !== myUserId()) ?? c.members[0];
  return other?.user.displayName ?? "Direct conversation";
}

export function otherPerson(c: Conversation) {
  return c.type === "direct" ? (c.members.find((m) => m.user.id !== myUserId())?.user ?? null) : null;
}
