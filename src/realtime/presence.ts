// Who is online: worked out from each person's live sockets (several tabs and devices), told only to the
// people who share a conversation with them. A socket that vanishes without a close is dropped by the
// ping timeout (PARLEY_WS_IDLE_TIMEOUT_SECONDS), so presence is right again within that time.
import { findUserById, recordLastSeen } from "../accounts/users.ts";
import type { Chat } from "../chat/context.ts";
import { listMemberConversationIds } from "../chat/conversations.ts";
import { toIso } from "../lib/time.ts";
import type { Db } from "../store/store.ts";
import type { PresenceFrame } from "../protocol/frames.ts";
import type { PresenceStatus } from "../protocol/views.ts";
import type { Hub } from "./hub.ts";

const rank = { offline: 0, away: 1, online: 2 } as const;
/** The better of two statuses: online over away over offline. */
export const best = (a: Status, b: Status): Status => (rank[a] >= rank[b] ? a : b);

export type Status = PresenceStatus;

/**
 * The other nodes of a cluster (cluster/peer-presence.ts): a person is shown online when any node has them
 * online. Each node tells its own sockets from that combined status.
 */
export interface PresenceElsewhere {
  /** The best status a person has on other nodes. */
  statusOf(userId: string): Status;
  /** This node's own status for a person changed. */
  announce(userId: string, status: Status): void;
}

/** While someone stays online, their last-seen time is written at most this often. */
const LAST_SEEN_EVERY_MS = 60_000;

export interface PresenceView {
  userId: string;
  status: Status;
  /** Null when they hide it, or were never seen. */
  lastSeenAt: string | null;
}

export class Presence {
  /** From this node's own sockets. */
  private readonly local = new Map<string, Exclude<Status, "offline">>();
  /** What is shown: the local status combined with the other nodes' (the same map without a cluster). */
  private readonly current = new Map<string, Exclude<Status, "offline">>();
  private readonly written = new Map<string, number>();
  /** When each person's current status began (absent: offline since before this process started). */
  private readonly since = new Map<string, number>();
  /** What others were last told of each person, and when; a change within minGapMs waits in `queued`. */
  private readonly told = new Map<string, { status: Status; at: number }>();
  private readonly queued = new Map<string, Timer>();
  private readonly minGapMs: number;
  private elsewhere: PresenceElsewhere | null = null;

  /**
   * @param ratePerSecond how often one person's changes may reach others (PARLEY_PRESENCE_RATE). Each
   *   change fans out to every conversation they share, so a flapping client is coalesced: at most one
   *   frame per gap, and always the latest state last.
   */
  constructor(
    private readonly hub: Hub,
    private readonly chat: Chat,
    ratePerSecond = 1000,
    /**
     * How long going offline waits before anyone is told (PARLEY_PRESENCE_GRACE_SECONDS): a reconnect within
     * it (a reload, a phone changing networks) tells nobody anything, since the state told is unchanged.
     */
    private readonly offlineGraceMs = 0,
  ) {
    this.minGapMs = 1000 / ratePerSecond;
    hub.onUserChanged = (userId) => this.update(userId);
  }

  /** A node of a cluster: others' statuses count too, and this node's changes are told to them. */
  spanNodes(elsewhere: PresenceElsewhere): void {
    this.elsewhere = elsewhere;
  }

  /** This node's own statuses (for another node that asks for them all). */
  localStatuses(): Iterable<[string, Exclude<Status, "offline">]> {
    return this.local.entries();
  }

  onlineCount(): number {
    let n = 0;
    for (const s of this.current.values()) if (s === "online") n++;
    return n;
  }

  statusOf(userId: string): Status {
    return this.current.get(userId) ?? "offline";
  }

  /**
   * What others are shown: while a change waits to be told (the offline grace, or the gap between tellings),
   * what they were last told, so that a list asked for meanwhile agrees with the frames.
   */
  shownStatus(userId: string): Status {
    return this.queued.has(userId) ? (this.told.get(userId)?.status ?? "offline") : this.statusOf(userId);
  }

  /** How long someone has not had the app in front of them: null while online, Infinity when never seen here. */
  awayForMs(userId: string): number | null {
    if (this.statusOf(userId) === "online") return null;
    return Date.now() - (this.since.get(userId) ?? -Infinity);
  }

  /** Recomputes a person's status from their live sockets, and tells those who share a conversation. */
  update(userId: string): void {
    const sockets = this.hub.liveSockets(userId);
    const status: Status = sockets.length === 0 ? "offline" : sockets.some((s) => !s.data.away) ? "online" : "away";
    if (status === (this.local.get(userId) ?? "offline")) return;
    if (status === "offline") this.local.delete(userId);
    else this.local.set(userId, status);
    const now = Date.now();
    // Going offline here is always written; coming and going while online, at most once a minute.
    if (status === "offline" || now - (this.written.get(userId) ?? 0) >= LAST_SEEN_EVERY_MS) {
      this.written.set(userId, now);
      this.chat.background.later("recordLastSeenLater", () => recordLastSeen(this.chat.queue, userId, now));
      if (status === "offline") this.written.delete(userId);
    }
    this.elsewhere?.announce(userId, status);
    this.recompute(userId);
  }

  /** The shown status from this node's and the other nodes'; a change is told (at its pace). */
  recompute(userId: string): void {
    const local = this.local.get(userId) ?? "offline";
    const status = this.elsewhere ? best(local, this.elsewhere.statusOf(userId)) : local;
    if (status === this.statusOf(userId)) return;
    if (status === "offline") this.current.delete(userId);
    else this.current.set(userId, status);
    this.since.set(userId, Date.now());
    this.tellLater(userId);
  }

  /** Tells the people who share a conversation, now or once the gap since the last telling has passed. */
  private tellLater(userId: string): void {
    if (this.queued.has(userId)) return;
    const grace = this.statusOf(userId) === "offline" ? this.offlineGraceMs : 0;
    const wait = Math.max(grace, (this.told.get(userId)?.at ?? -Infinity) + this.minGapMs - Date.now());
    // Telling reads the database (who shares a conversation), which may fail (a cluster's primary away):
    // as named background work, a failure is logged and the next change tells again.
    if (wait <= 0) return this.chat.background.later("tellPresenceLater", () => this.tell(userId));
    const timer = setTimeout(() => {
      this.queued.delete(userId);
      this.chat.background.later("tellPresenceLater", () => this.tell(userId));
    }, wait);
    timer.unref();
    this.queued.set(userId, timer);
  }

  private tell(userId: string): void {
    const status = this.statusOf(userId);
    const now = Date.now();
    // A flap that ended where it began tells nobody anything. (One entry per person seen: bounded by accounts.)
    if ((this.told.get(userId)?.status ?? "offline") === status) return;
    // Read first: when the database fails, nothing counts as told and the next change tells again.
    const db = this.chat.store.db;
    const user = findUserById(db, userId);
    const conversationIds = user ? listMemberConversationIds(db, userId) : [];
    this.told.set(userId, { status, at: now });
    if (!user) return;
    const frame: PresenceFrame = {
      type: "presence",
      userId,
      status,
      lastSeenAt: user.hideLastSeen ? null : toIso(this.since.get(userId) ?? now),
    };
    for (const conversationId of conversationIds) this.hub.notify({ conversationId }, frame);
  }

  /** Stops waiting announcements (shutdown). */
  stop(): void {
    for (const timer of this.queued.values()) clearTimeout(timer);
    this.queued.clear();
  }

  /** Everyone who shares a conversation with me, with their status and (unless hidden) last seen. */
  contactsOf(db: Db, userId: string): PresenceView[] {
    const rows = db.$client
      .query<{ id: string; lastSeenAt: number | null; hide: number }, [string, string]>(
        `SELECT DISTINCT u.id, u.last_seen_at AS lastSeenAt, u.hide_last_seen AS hide
           FROM members mine JOIN members theirs ON theirs.conversation_id = mine.conversation_id
           JOIN users u ON u.id = theirs.user_id
          WHERE mine.user_id = ?1 AND theirs.user_id != ?2 AND u.deleted_at IS NULL`,
      )
      .all(userId, userId);
    return rows.map((r) => {
      const status = this.shownStatus(r.id);
      return {
        userId: r.id,
        status,
        lastSeenAt: r.hide ? null : status === "offline" ? toIso(r.lastSeenAt) : toIso(Date.now()),
      };
    });
  }
}
