// A person's profile as others see it (name, about, picture) changes: saved, then told at once to everyone
// who shares a conversation with them, and to their own other devices. Not in the event stream: whoever was
// away reads the new profile with the next list or page they load.
import { toPublicUser, updateProfile, type UserRow } from "../accounts/users.ts";
import type { Chat } from "./context.ts";
import { listContactIds } from "./conversations.ts";

type ProfilePatch = Parameters<typeof updateProfile>[2];

/**
 * Tells a profile to those who see it, after the commit that changed it: each person once, however many
 * conversations they share (their own topics, not the conversations').
 */
export function announceProfile(chat: Chat, user: UserRow): void {
  const people = new Set([user.id, ...listContactIds(chat.store.db, user.id)]);
  chat.publisher.notify({ userIds: [...people] }, { type: "profile", user: toPublicUser(user) });
}

/** Saves my profile and settings; a change others can see is announced once committed. */
export function saveProfile(chat: Chat, userId: string, patch: ProfilePatch): Promise<UserRow> {
  return chat.store.write((tx, afterCommit) => {
    const row = updateProfile(tx, userId, patch);
    const seen = [patch.displayName, patch.bio, patch.timeZone, patch.shareLocalTime];
    if (seen.some((v) => v !== undefined)) afterCommit(() => announceProfile(chat, row));
    return row;
  }, "account");
}
