// Encrypted conversations as MLS groups, with Parley as the delivery service (RFC 9420 §3, docs/e2ee.md):
// it orders Commits (one per epoch, first come), keeps which devices the group holds, hands out KeyPackages
// for the devices that should join, and tells devices what membership asks of them. It cannot read a thing.
import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { AppError } from "../lib/errors.ts";
import { toIso } from "../lib/time.ts";
import type { EventView, HandshakeView, MlsGroupView } from "../protocol/views.ts";
import { conversations, members } from "../store/schema.ts";
import { devices, groupDevices, handshakes, keyPackages } from "../store/e2ee-schema.ts";
import type { Db } from "../store/store.ts";
import type { Chat } from "../chat/context.ts";
import { findMember, requireAccess, requireMember } from "../chat/conversations.ts";
import { appendEvent, renderEvents, toEventView, type EventRow } from "../chat/events.ts";
import { forgetRoster, rosterOf } from "../chat/roster.ts";
import { loadConversationViews, type ConversationRow } from "../chat/views.ts";
import { claimKeyPackages, requireMyDevice } from "./devices.ts";
import { toHandshakeView } from "./handshakes.ts";
import { MAX_HANDSHAKE_BYTES, readGroupMessage, readWelcome, type GroupFraming } from "./mls-wire.ts";

type AfterCommit = (cb: () => void) => void;

/** The group's id in MLS: the conversation's id, so a message for one group is refused in another. */
export function groupIdOf(conversationId: string): string {
  return conversationId;
}

function requireEncrypted(conversation: ConversationRow): void {
  if (conversation.encryptedAt === null) throw new AppError("NOT_ENCRYPTED");
}

/**
 * Turns end-to-end encryption on for a conversation, from now on (the editInfo right in groups; either person
 * in a direct chat). It cannot be turned off: everyone sees a notice that says so, and a client that sees an
 * encrypted conversation turn plain again would know the server lied.
 */
export function encryptConversation(chat: Chat, me: UserRow, conversationId: string): Promise<void> {
  return chat.queue.run((tx, afterCommit) => {
    const { conversation } = requireAccess(tx, conversationId, me.id, "read");
    if (conversation.type === "group") requireAccess(tx, conversationId, me.id, "editInfo");
    if (conversation.encryptedAt !== null) return;
    const now = Date.now();
    tx.update(conversations)
      .set({ encryptedAt: now, updatedAt: now })
      .where(eq(conversations.id, conversationId))
      .run();
    forgetRoster(tx, conversationId);
    const event = appendEvent(tx, { type: "conversation.encrypted", conversationId, actorId: me.id }, now);
    const view = loadConversationViews(tx, [conversationId]).get(conversationId)!;
    afterCommit(() => chat.publisher.publish(toEventView(event, { conversation: view })));
  });
}

interface Membership {
  /** Devices the accepted Commits put in the group. */
  inGroup: { deviceId: string; userId: string; fromEpoch: number }[];
  /** Active devices of current members that are not in it yet, and whether a KeyPackage waits for each. */
  toAdd: { deviceId: string; userId: string; ready: boolean }[];
  /** Devices in it whose person left or that were removed. */
  toRemove: string[];
}

/** What the conversation's membership asks of its MLS group now. */
function membershipOf(tx: Db, conversationId: string): Membership {
  const inGroup = tx
    .select({ deviceId: groupDevices.deviceId, userId: groupDevices.userId, fromEpoch: groupDevices.fromEpoch })
    .from(groupDevices)
    .where(eq(groupDevices.conversationId, conversationId))
    .all();
  const wanted = tx
    .select({
      deviceId: devices.id,
      userId: devices.userId,
      ready: sql<number>`EXISTS (SELECT 1 FROM ${keyPackages} WHERE ${keyPackages.deviceId} = ${devices.id})`,
    })
    .from(devices)
    .innerJoin(members, and(eq(members.userId, devices.userId), eq(members.conversationId, conversationId)))
    .where(isNull(devices.removedAt))
    .all();
  const inGroupIds = new Set(inGroup.map((d) => d.deviceId));
  const wantedIds = new Set(wanted.map((d) => d.deviceId));
  return {
    inGroup,
    toAdd: wanted.filter((d) => !inGroupIds.has(d.deviceId)).map((d) => ({ ...d, ready: d.ready === 1 })),
    toRemove: inGroup.filter((d) => !wantedIds.has(d.deviceId)).map((d) => d.deviceId),
  };
}

/** The conversation's group as a member's device needs it: epoch, devices, and the adds and removes due. */
export function groupView(db: Db, me: UserRow, conversationId: string): MlsGroupView {
  requireMember(db, conversationId, me.id);
  const conversation = rosterOf(db, conversationId)!.conversation;
  requireEncrypted(conversation);
  const m = membershipOf(db, conversationId);
  return {
    conversationId,
    epoch: conversation.mlsEpoch,
    devices: m.inGroup,
    pendingAdd: m.toAdd.filter((d) => d.ready).map(({ deviceId, userId }) => ({ deviceId, userId })),
    waiting: m.toAdd.filter((d) => !d.ready).map((d) => d.deviceId),
    pendingRemove: m.toRemove,
  };
}

/**
 * Whether the group starts over: it has no device yet (the first Commit creates it, made by whoever gets
 * there first), or every device in it was removed, so nobody is left who could commit their removal. Then a
 * new group is made at epoch 0 by the committer's device.
 */
function startsOver(m: Membership): boolean {
  return m.inGroup.length === m.toRemove.length;
}

/** My device may change the group: it is in it, or the group starts over. */
function requireCommitter(tx: Db, me: UserRow, m: Membership, deviceId: string): void {
  requireMyDevice(tx, me, deviceId);
  if (startsOver(m)) return;
  if (!m.inGroup.some((d) => d.deviceId === deviceId) || m.toRemove.includes(deviceId))
    throw new AppError("NOT_IN_GROUP");
}

/** KeyPackages for devices the group should add, claimed once each, for a device that will commit the add. */
export function claimForGroup(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  input: { deviceId: string; deviceIds: string[] },
): Promise<ReturnType<typeof claimKeyPackages>> {
  return chat.queue.run((tx) => {
    const { conversation } = requireAccess(tx, conversationId, me.id, "read");
    requireEncrypted(conversation);
    const m = membershipOf(tx, conversationId);
    requireCommitter(tx, me, m, input.deviceId);
    const due = new Set(m.toAdd.map((d) => d.deviceId));
    const notDue = input.deviceIds.find((id) => !due.has(id));
    if (notDue !== undefined)
      throw new AppError("DEVICE_NOT_FOUND", "That device is not waiting to join this group.", "deviceIds");
    return claimKeyPackages(tx, input.deviceIds);
  });
}

export interface CommitInput {
  deviceId: string;
  epoch: number;
  commit: string;
  welcome?: string | null;
  added: string[];
  removed: string[];
}

/** The framing must be this conversation's group at its current epoch; anything older lost the race. */
function requireCurrent(framing: GroupFraming, conversation: ConversationRow, epoch: number, field: string): void {
  if (framing.groupId !== groupIdOf(conversation.id))
    throw new AppError("MLS_INVALID", `${field} is for another group.`, field);
  if (framing.epoch !== epoch)
    throw new AppError(
      "MLS_STALE_EPOCH",
      `${field} is for epoch ${framing.epoch}; the group is at epoch ${epoch}.`,
      field,
    );
}

/**
 * Accepts a Commit for the group's current epoch, and only that: two devices that commit at once are put in
 * order, the second gets MLS_STALE_EPOCH, catches up with the first and tries again if still needed. The
 * devices it adds and removes must be what membership asks (devices of members joining; devices of people
 * who left or were removed), so a device cannot slip someone's device in or keep a departed one.
 */
export function acceptCommit(
  chat: Chat,
  me: UserRow,
  conversationId: string,
  input: CommitInput,
): Promise<{ epoch: number; handshake: HandshakeView }> {
  const framing = readGroupMessage(input.commit, MAX_HANDSHAKE_BYTES, "commit");
  if (framing.contentType !== "commit") throw new AppError("MLS_INVALID", "commit is not a Commit.", "commit");
  if (input.added.length > 0 && !input.welcome)
    throw new AppError("VALIDATION_FAILED", "A Commit that adds devices needs their Welcome.", "welcome");
  if (input.welcome) readWelcome(input.welcome, "welcome");
  if (input.epoch !== framing.epoch) throw new AppError("MLS_INVALID", "epoch is not the Commit's epoch.", "epoch");
  return chat.queue.run((tx, afterCommit) => {
    const { conversation } = requireAccess(tx, conversationId, me.id, "read");
    requireEncrypted(conversation);
    const m = membershipOf(tx, conversationId);
    const fresh = startsOver(m);
    requireCurrent(framing, conversation, fresh ? 0 : conversation.mlsEpoch, "commit");
    requireCommitter(tx, me, m, input.deviceId);
    const addable = new Map(m.toAdd.filter((d) => d.ready).map((d) => [d.deviceId, d.userId]));
    // A new group's creator is in it from the start; the devices of the group it replaces are gone.
    if (fresh) addable.delete(input.deviceId);
    const removable = new Set(fresh ? [] : m.toRemove);
    if (input.added.some((id) => !addable.has(id)))
      throw new AppError("DEVICE_NOT_FOUND", "A device added is not waiting to join this group.", "added");
    if (input.removed.some((id) => !removable.has(id)))
      throw new AppError("DEVICE_NOT_FOUND", "A device removed should stay in this group.", "removed");
    if (new Set(input.added).size !== input.added.length || new Set(input.removed).size !== input.removed.length)
      throw new AppError("VALIDATION_FAILED", "A device is named twice.", "added");
    const now = Date.now();
    const next = framing.epoch + 1;
    if (fresh) {
      tx.delete(groupDevices).where(eq(groupDevices.conversationId, conversationId)).run();
      tx.insert(groupDevices).values({ conversationId, deviceId: input.deviceId, userId: me.id, fromEpoch: 0 }).run();
    }
    if (input.added.length > 0)
      tx.insert(groupDevices)
        .values(
          input.added.map((deviceId) => ({
            conversationId,
            deviceId,
            userId: addable.get(deviceId)!,
            fromEpoch: next,
          })),
        )
        .run();
    if (input.removed.length > 0)
      tx.delete(groupDevices)
        .where(and(eq(groupDevices.conversationId, conversationId), inArray(groupDevices.deviceId, input.removed)))
        .run();
    tx.update(conversations).set({ mlsEpoch: next }).where(eq(conversations.id, conversationId)).run();
    forgetRoster(tx, conversationId);
    const row = tx
      .insert(handshakes)
      .values({
        conversationId,
        epoch: framing.epoch,
        deviceId: input.deviceId,
        commit: input.commit,
        welcome: input.welcome ?? null,
        added: JSON.stringify(input.added),
        removed: JSON.stringify(input.removed),
        createdAt: now,
      })
      .returning()
      .get();
    const event = appendEvent(tx, { type: "mls.commit", conversationId, actorId: me.id, handshakeId: row.id }, now);
    const handshake = toHandshakeView(row);
    afterCommit(() => chat.publisher.publish(toEventView(event, { handshake })));
    return { epoch: next, handshake };
  });
}

/**
 * An encrypted message about to be stored: the conversation is encrypted, the framing is its group at the
 * current epoch (so a removed device's group never sees a new message), the sending device is the sender's
 * and in the group, and no removal is waiting to be committed.
 */
export function requireEncryptedSend(
  tx: Db,
  sender: UserRow,
  conversation: ConversationRow,
  input: { deviceId: string; framing: GroupFraming },
): void {
  requireEncrypted(conversation);
  if (input.framing.contentType !== "application")
    throw new AppError("MLS_INVALID", "ciphertext is not an application message.", "ciphertext");
  requireCurrent(input.framing, conversation, conversation.mlsEpoch, "ciphertext");
  requireMyDevice(tx, sender, input.deviceId);
  const m = membershipOf(tx, conversation.id);
  if (!m.inGroup.some((d) => d.deviceId === input.deviceId)) throw new AppError("NOT_IN_GROUP");
  if (m.toRemove.length > 0) throw new AppError("MLS_REMOVAL_PENDING");
}

/** Events of the log a device replays to catch up with its group: Commits and messages, in stream order. */
const LOG_TYPES = ["mls.commit", "message.created"] as const;

/**
 * What a member's device must process in order to be where its group is: the conversation's Commits and
 * messages after `after` (an event id), from the member's join on. A device that was closed, or that sees
 * an epoch it does not expect, reads this; live events carry the same views.
 */
export function listGroupLog(
  db: Db,
  me: UserRow,
  conversationId: string,
  after: number,
  limit: number,
): { events: EventView[]; more: boolean } {
  const member = findMember(db, conversationId, me.id);
  if (!member) throw new AppError("NOT_A_MEMBER");
  requireEncrypted(rosterOf(db, conversationId)!.conversation);
  const rows = db.$client
    .query<EventRow, [string, number, number]>(
      `SELECT id, type, conversation_id AS conversationId, user_id AS userId, actor_id AS actorId,
              message_id AS messageId, subject_user_id AS subjectUserId, call_id AS callId,
              handshake_id AS handshakeId, created_at AS createdAt
         FROM events
        WHERE conversation_id = ?1 AND id > ?2 AND type IN (${LOG_TYPES.map((t) => `'${t}'`).join(", ")})
        ORDER BY id LIMIT ?3`,
    )
    .all(conversationId, Math.max(after, member.fromEventId - 1), limit + 1);
  const more = rows.length > limit;
  return { events: renderEvents(db, more ? rows.slice(0, limit) : rows), more };
}
