// Who gets a push for a new message, and what it says. Never the sender; nobody with the app open in
// front of them (online, or away for less than PARLEY_PUSH_AWAY_SECONDS); nobody who muted the
// conversation; and per conversation, each member's level: all messages, mentions only, or nothing
// (defaults: direct conversations all, groups mentions).
import { inArray } from "drizzle-orm";
import type { EventView } from "../chat/events.ts";
import { defaultPushLevel } from "../chat/conversation-list.ts";
import type { Background } from "../lib/background.ts";
import { pushSubscriptions } from "../store/schema.ts";
import { rosterOf } from "../chat/roster.ts";
import { followersOf } from "../chat/threads.ts";
import { findUserById } from "../accounts/users.ts";
import type { ConversationRow } from "../chat/views.ts";
import type { Db } from "../store/store.ts";
import { previewText } from "../protocol/message-text.ts";
import type { PushMessage, PushSender } from "./sender.ts";
import type { SubscriptionRow } from "./subscriptions.ts";

export interface Attention {
  /** True when the person should hear about new messages elsewhere than in an open app. */
  isAway(userId: string): boolean;
}

/** What the service worker gets (web/sw.js). In private mode: no title, sender or words. */
export interface PushPayload {
  kind: "message" | "test" | "call";
  conversationId?: string;
  messageId?: string;
  url: string;
  tag: string;
  title: string;
  body: string;
  /** Unread messages in all my unmuted conversations, for the app badge. */
  badge: number;
  private: boolean;
  /** A call ringing now: the notification stays until it is answered, declined or missed. */
  ringing?: boolean;
}

const DAY = 24 * 3600;

export class PushNotifier {
  constructor(
    private readonly db: Db,
    private readonly sender: PushSender,
    private readonly attention: Attention,
    private readonly options: { privateMode: boolean },
    private readonly background: Background,
  ) {}

  /**
   * Called after commit for every published event. Who to notify is decided here, from memory: the
   * conversation's members who have a push device (chat/roster.ts), are not muted, and are away
   * (presence). Only when someone is left does anything run later, after the send has been answered.
   */
  onEvent(event: EventView): void {
    if (event.type === "call.ended" && event.call && !event.call.answered) return this.onMissedCall(event);
    if (event.type !== "message.created" || !event.message) return;
    const message = event.message;
    const roster = rosterOf(this.db, event.conversationId);
    if (!roster || roster.withDevices.length === 0) return;
    const now = Date.now();
    const { type } = roster.conversation;
    // A thread reply reaches those who follow the thread (unless the conversation is muted or set to nothing),
    // whatever their level: taking part in a thread is asking to hear of it.
    const followers = message.threadRootId ? new Set(followersOf(this.db, message.threadRootId)) : null;
    const recipients = roster.withDevices.filter((m) => {
      if (m.userId === message.sender.id || (m.mutedUntil !== null && m.mutedUntil > now)) return false;
      const level = m.pushLevel ?? defaultPushLevel(type);
      if (followers) return followers.has(m.userId) && level !== "none" && this.attention.isAway(m.userId);
      const named = message.mentions.everyone || message.mentions.userIds.includes(m.userId);
      return (level === "all" || (level === "mentions" && named)) && this.attention.isAway(m.userId);
    });
    if (recipients.length === 0) return;
    // After the turn that acks the batch (setImmediate), so the devices' reads never delay an ack.
    this.background.later("pushLater", async () => {
      await new Promise((r) => setImmediate(r));
      this.notifyMessage(
        roster.conversation,
        message,
        recipients.map((m) => m.userId),
      );
    });
  }

  private notifyMessage(conv: ConversationRow, message: NonNullable<EventView["message"]>, recipients: string[]): void {
    const conversationId = conv.id;
    const mentioned = new Set(message.mentions.userIds);
    const everyone = message.mentions.everyone;
    const subs = this.db.select().from(pushSubscriptions).where(inArray(pushSubscriptions.userId, recipients)).all();
    // End-to-end encrypted: the server has no words to show (and its files' names are the app's own
    // placeholders); the service worker may decrypt nothing either, so the push says only that there is one.
    const words = message.encrypted
      ? "New message"
      : previewText(message.text) ||
        (message.attachments.length ? `📎 ${message.attachments.map((a) => a.name).join(", ")}` : "");
    const place = conv.type === "group" ? (conv.title ?? "Group") : message.sender.displayName;
    const title = message.threadRootId ? `Thread in ${place}` : place;
    const body = conv.type === "group" ? `${message.sender.displayName}: ${words}` : words;
    for (const sub of subs) {
      const payload: PushPayload = {
        kind: "message",
        conversationId,
        messageId: message.id,
        // A thread reply opens its thread.
        url: message.threadRootId ? `/c/${conversationId}/thread/${message.threadRootId}` : `/c/${conversationId}`,
        tag: `conversation-${conversationId}`,
        badge: unreadTotal(this.db, sub.userId),
        private: this.options.privateMode,
        title: this.options.privateMode ? "New message" : title,
        body: this.options.privateMode ? "" : body.slice(0, 240),
      };
      const direct = conv.type === "direct" || everyone || mentioned.has(sub.userId);
      const push: PushMessage = {
        key: `conversation-${conversationId}`,
        payload,
        ttl: DAY,
        urgency: direct ? "high" : "normal",
      };
      this.sender.enqueue(sub, push);
    }
  }

  /**
   * A direct call rings: the other person, when away from the app and not muting the conversation, gets a
   * high-urgency notification that lasts as long as the ring (PARLEY_CALL_RING_SECONDS).
   */
  onRing(call: { conversationId: string; startedBy: string; media: "audio" | "video" }, ringSeconds: number): void {
    const recipients = this.callRecipients(call.conversationId, call.startedBy, true);
    if (recipients.length === 0) return;
    this.background.later("pushLater", () =>
      this.notifyCall(call.conversationId, call.startedBy, recipients, {
        words: (caller) => ({ title: caller, body: call.media === "video" ? "Video call" : "Audio call" }),
        privateTitle: "Incoming call",
        ttl: ringSeconds,
        urgency: "high",
        ringing: true,
      }),
    );
  }

  /** A call nobody answered: the others hear of it as a missed call (away or not: they did not pick up). */
  private onMissedCall(event: EventView): void {
    const call = event.call!;
    const startedBy = call.startedBy ?? "";
    const recipients = this.callRecipients(event.conversationId, startedBy, false);
    if (recipients.length === 0) return;
    this.background.later("pushLater", () =>
      this.notifyCall(event.conversationId, startedBy, recipients, {
        words: (caller) => ({ title: call.media === "video" ? "Missed video call" : "Missed call", body: caller }),
        privateTitle: "Missed call",
        ttl: DAY,
        urgency: "normal",
      }),
    );
  }

  /** Members with a device, other than the caller, not muting the conversation (and away, when asked). */
  private callRecipients(conversationId: string, callerId: string, onlyAway: boolean): string[] {
    const roster = rosterOf(this.db, conversationId);
    if (!roster) return [];
    const now = Date.now();
    return roster.withDevices
      .filter((m) => m.userId !== callerId && !(m.mutedUntil !== null && m.mutedUntil > now))
      .filter((m) => !onlyAway || this.attention.isAway(m.userId))
      .map((m) => m.userId);
  }

  private notifyCall(
    conversationId: string,
    callerId: string,
    recipients: string[],
    what: {
      /** Title and words, given the caller's name (left out in private mode). */
      words: (caller: string) => { title: string; body: string };
      privateTitle: string;
      ttl: number;
      urgency: PushMessage["urgency"];
      ringing?: boolean;
    },
  ): void {
    const words = what.words(findUserById(this.db, callerId)?.displayName ?? "Someone");
    const subs = this.db.select().from(pushSubscriptions).where(inArray(pushSubscriptions.userId, recipients)).all();
    for (const sub of subs) {
      const payload: PushPayload = {
        kind: "call",
        conversationId,
        url: `/c/${conversationId}`,
        // The missed call replaces the ringing one on the device.
        tag: `call-${conversationId}`,
        badge: unreadTotal(this.db, sub.userId),
        private: this.options.privateMode,
        title: this.options.privateMode ? what.privateTitle : words.title,
        body: this.options.privateMode ? "" : words.body,
        ...(what.ringing ? { ringing: true } : {}),
      };
      this.sender.enqueue(sub, { key: `call-${conversationId}`, payload, ttl: what.ttl, urgency: what.urgency });
    }
  }

  /** "Send a test notification" from the profile. */
  test(sub: SubscriptionRow): void {
    const payload: PushPayload = {
      kind: "test",
      url: "/",
      tag: "parley-test",
      title: "Parley",
      body: "Notifications work on this device.",
      badge: unreadTotal(this.db, sub.userId),
      private: false,
    };
    this.sender.enqueue(sub, { key: "test", payload, ttl: 60, urgency: "normal" });
  }
}

/** Messages from others I have not read, over my unmuted conversations and the threads I follow in them. */
export function unreadTotal(db: Db, userId: string): number {
  return (
    db.$client
      .query<{ n: number }, [string, number]>(
        `SELECT (SELECT count(*) FROM members mb JOIN messages m ON m.conversation_id = mb.conversation_id
                  WHERE mb.user_id = ?1 AND m.seq > mb.last_read_seq AND m.sender_id != ?1 AND m.deleted_at IS NULL
                    AND m.thread_root_id IS NULL AND (mb.muted_until IS NULL OR mb.muted_until <= ?2))
              + (SELECT count(*) FROM thread_follows f
                   JOIN members mb ON mb.conversation_id = f.conversation_id AND mb.user_id = f.user_id
                   JOIN messages m ON m.thread_root_id = f.root_id
                  WHERE f.user_id = ?1 AND f.muted = 0 AND m.seq > f.last_read_seq AND m.sender_id != ?1
                    AND m.deleted_at IS NULL AND (mb.muted_until IS NULL OR mb.muted_until <= ?2)) AS n`,
      )
      .get(userId, Date.now())?.n ?? 0
  );
}
