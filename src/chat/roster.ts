// A conversation's row and who is in it with what role, mute and notification level: what every send,
// history page and push decision asks, kept in memory (store/row-cache.ts says why it stays exact).
// Every write that changes a member's role, mute or notification level, adds or removes a member, or
// changes or deletes the conversation calls forgetRoster right after it; a change to anyone's push
// devices forgets them all. Read markers are not held here: they change on every read.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../store/store.ts";
import { rowCache } from "../store/row-cache.ts";
import { conversations, members, pushSubscriptions } from "../store/schema.ts";
import { prepared } from "../store/prepared.ts";
import { readPermissions, type Subject } from "./permissions.ts";
import type { ConversationRow, MemberRow } from "./views.ts";

/** A member as the hot paths need them: rights, mute and notification level. */
export type Membership = Pick<MemberRow, "conversationId" | "userId" | "role" | "mutedUntil" | "pushLevel">;

export interface Roster {
  conversation: ConversationRow;
  subject: Subject;
  members: ReadonlyMap<string, Membership>;
  /**
   * Members who had a push device when this was loaded: the only ones a new message may notify. A
   * superset (a session's logout removes its device by cascade without forgetting), never a subset: every
   * new device forgets all rosters, and the notifier reads the devices themselves before sending.
   */
  withDevices: readonly Membership[];
}

const queries = prepared((db) => ({
  conversation: db
    .select()
    .from(conversations)
    .where(eq(conversations.id, sql.placeholder("id")))
    .prepare(),
  members: db
    .select({
      conversationId: members.conversationId,
      userId: members.userId,
      role: members.role,
      mutedUntil: members.mutedUntil,
      pushLevel: members.pushLevel,
      hasDevice: sql<number>`EXISTS (SELECT 1 FROM ${pushSubscriptions} WHERE ${pushSubscriptions.userId} = ${members.userId})`,
    })
    .from(members)
    .where(eq(members.conversationId, sql.placeholder("id")))
    .prepare(),
}));

function loadRoster(db: Db, conversationId: string): Roster | undefined {
  const q = queries(db);
  const conversation = q.conversation.get({ id: conversationId });
  if (!conversation) return undefined;
  const rows = q.members.all({ id: conversationId });
  const byUser = new Map<string, Membership>();
  const withDevices: Membership[] = [];
  for (const { hasDevice, ...m } of rows) {
    byUser.set(m.userId, m);
    if (hasDevice) withDevices.push(m);
  }
  return {
    conversation,
    subject: { type: conversation.type, permissions: readPermissions(conversation.permissions) },
    members: byUser,
    withDevices,
  };
}

// Ten thousand conversations is every conversation of a large instance; beyond it the oldest loaded goes.
const rosters = rowCache(loadRoster, 10_000);

/** The conversation with its members, or undefined when it does not exist. */
export function rosterOf(db: Db, conversationId: string): Roster | undefined {
  return rosters.get(db, conversationId);
}

/** Right after a write to the conversation's row or to its members' roles, mutes or levels. */
export function forgetRoster(db: Db, conversationId: string): void {
  rosters.forget(db, conversationId);
}

/** Right after a change to someone's push devices: any roster may list them. */
export function forgetAllRosters(db: Db): void {
  rosters.forgetAll(db);
}

/** What is held now, without loading: for the test that compares the cache with the database. */
export function peekRoster(db: Db, conversationId: string): Roster | undefined {
  return rosters.peek(db, conversationId);
}
