// The wire contract: what the server sends and the web app reads, written once. Types only, with no
// imports from the rest of the server, so the web app can `import type` them without pulling server code
// into its bundle. The server's mappers (chat/views.ts, accounts/users.ts...) return these types and the web
// app reads them, so renaming a field on one side fails `npm run typecheck` on the other.
import type { NoticeType } from "./notices.ts";

/** Someone as others see them: members, senders, search results. */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string;
  /** A deleted account keeps its messages under "Deleted user". */
  deleted: boolean;
  /** Their time zone (IANA, e.g. "Europe/Berlin") for their local time, when they share it; else null. */
  timeZone: string | null;
}

/** What a user sees of themselves, and admins of everyone. */
export interface AccountView extends PublicUser {
  email: string | null;
  /** The address was confirmed by the link mailed to it: only then is it used for password reset. */
  emailVerified: boolean;
  role: "admin" | "member";
  /** False for accounts that sign in with passkeys only. */
  hasPassword: boolean;
  deactivated: boolean;
  /** Privacy: others see no "last seen"; no read receipts either way. */
  hideLastSeen: boolean;
  sendReadReceipts: boolean;
  /** Off: found in people search and contact matching only by exact username. */
  discoverable: boolean;
  /** Off: others see no time zone (and no local time) of mine. */
  shareLocalTime: boolean;
  createdAt: string;
}

/** An account as the admins' list shows it. */
export interface AdminAccountView extends AccountView {
  /** When the person last had Parley open (written when they leave, and once a minute while there). */
  lastSeenAt: string | null;
}

/** What a message carries about its author, so a client renders it without another request. */
export interface SenderView {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
}

export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  type: string;
  url: string;
  /** Images: the size as displayed, and a preview at most 480 pixels on its longer side (null: use url). */
  width: number | null;
  height: number | null;
  thumbnailUrl: string | null;
}

/** One file in a conversation's "Files and media": the file, and the message that carries it. */
export interface ConversationFileView {
  attachment: AttachmentView;
  messageId: string;
  senderId: string;
  createdAt: string;
  /** For a reply in a thread, its thread's first message (to open it there). */
  threadRootId: string | null;
}

export interface MessageView {
  id: string;
  conversationId: string;
  clientId: string;
  text: string;
  replyToId: string | null;
  /** A reply in a thread: the thread's first message. Null for the conversation's own timeline. */
  threadRootId: string | null;
  /** A thread's first message: its replies so far (null when it has none). */
  thread: ThreadSummary | null;
  /** The first link's page, as the server fetched it (null: none, not yet, or removed by the sender). */
  preview: LinkPreviewView | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  deleted: boolean;
  sender: SenderView;
  /** Per emoji: how many, and who (in the order they reacted). */
  reactions: { emoji: string; count: number; userIds: string[] }[];
  mentions: { userIds: string[]; everyone: boolean };
  pinned: boolean;
  /** Set on a forwarded copy: who wrote the original. */
  forwardedFrom: SenderView | null;
  attachments: AttachmentView[];
  /**
   * End-to-end encrypted conversations: the MLS application message (base64) and the device that sent it;
   * `text` is then empty and the words, with the keys of any files, are inside (docs/e2ee.md).
   */
  encrypted?: { ciphertext: string; deviceId: string };
}

/** A link's card: what its page says about itself; the picture re-encoded and served by Parley. */
export interface LinkPreviewView {
  /** The link as written in the message. */
  url: string;
  title: string;
  description: string | null;
  siteName: string | null;
  image: { url: string; width: number; height: number } | null;
}

/** What a thread's first message shows: "3 replies · last 5 min ago" and who replied. */
export interface ThreadSummary {
  /** Replies not deleted; lastReplyAt is null once none is left. */
  replyCount: number;
  lastReplyAt: string | null;
  /** Who replied, the most recent first (at most 5). */
  participantIds: string[];
}

/** A thread I follow, as my thread list shows it. */
export interface ThreadView {
  root: MessageView;
  /** Replies after my read position in it, not mine. */
  unreadCount: number;
  following: boolean;
}

export type Role = "owner" | "admin" | "member";

/** Rights a group's owner can give to a role (chat/permissions.ts has their labels and defaults). */
export type AdjustableRight =
  "post" | "addMembers" | "removeMembers" | "editInfo" | "pin" | "deleteOthers" | "mentionEveryone" | "startCalls";
/** Rights tied to a role for good. */
export type FixedRight =
  "read" | "react" | "leave" | "manageRoles" | "changePermissions" | "transferOwnership" | "deleteGroup";
export type Right = AdjustableRight | FixedRight;
/** The least role that has each adjustable right in a conversation. */
export type Permissions = Record<AdjustableRight, Role>;

export interface MemberView {
  user: PublicUser;
  role: Role;
  joinedAt: string;
}

/** A conversation as everyone in it sees it. */
export interface ConversationView {
  id: string;
  type: "direct" | "group";
  title: string | null;
  description: string;
  /** Who may do what; the same for direct conversations, where roles do not apply. */
  permissions: Permissions;
  archived: boolean;
  /** Groups: their picture (null shows initials); direct conversations show the other person's. */
  avatarUrl: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  members: MemberView[];
  /** When end-to-end encryption was turned on (null: not encrypted). It cannot be turned off. */
  encryptedAt: string | null;
}

export type PushLevel = "all" | "mentions" | "none";

/** A conversation as one member sees it in their list: with their own unread, mute and rights. */
export interface ConversationSummary extends ConversationView {
  lastMessage: MessageView | null;
  unreadCount: number;
  /** My role here, and what it lets me do: clients show only the controls that will work. */
  myRole: Role;
  can: Record<Right, boolean>;
  /** Unread messages that mention me (or everyone). Thread replies count in threadUnreadCount instead. */
  mentionCount: number;
  /** Unread replies in the threads I follow here. */
  threadUnreadCount: number;
  /** Muted until then (far in the future: until unmuted); null when not muted. */
  mutedUntil: string | null;
  markedUnread: boolean;
  /** Which messages reach me as push notifications here; `pushLevelDefault` when I never chose. */
  pushLevel: PushLevel;
  pushLevelDefault: boolean;
}

export type EventType =
  | "conversation.created"
  | "conversation.updated"
  | "member.added"
  | "member.removed"
  | "member.role-changed"
  | "conversation.deleted"
  | "message.created"
  | "message.updated"
  | "message.deleted"
  | "message.reactions"
  | "message.pinned"
  | "message.unpinned"
  /** The message's link preview arrived, changed or was removed: `message` carries it as it is now. */
  | "message.preview"
  | "call.ended"
  /** End-to-end encryption was turned on (a notice; `conversation` carries encryptedAt). */
  | "conversation.encrypted"
  /** The encrypted group moved to its next epoch: `handshake` has the Commit (and Welcome) to process. */
  | "mls.commit"
  /** `user`'s devices changed: the group adds or removes some, and people may compare safety numbers again. */
  | "mls.devices"
  /** `user` has a first device: the group adds it (nothing changed that people compared). */
  | "mls.pending";

/** A call that happened, as the conversation's history shows it. */
export interface CallSummaryView {
  id: string;
  media: "audio" | "video";
  startedBy: string | null;
  startedAt: string;
  endedAt: string;
  /** Someone other than the caller joined; a direct call that was not is a missed call. */
  answered: boolean;
  /** How many people took part at some point, the caller included. */
  participants: number;
}

/** An event as clients see it. Ids are decimal strings that increase with every change. */
export interface EventView {
  id: string;
  type: EventType;
  conversationId: string;
  actorId: string | null;
  createdAt: string;
  message?: MessageView;
  user?: PublicUser;
  conversation?: ConversationView;
  /** call.ended: the call as the history shows it. */
  call?: CallSummaryView;
  /** mls.commit: the Commit. */
  handshake?: HandshakeView;
  /** A thread reply's message.created, .updated, .deleted: its first message's summary now. */
  thread?: ThreadSummary & { rootId: string };
}

/** One device of a person for end-to-end encryption (each browser or app install). */
export interface DeviceView {
  id: string;
  userId: string;
  name: string;
  /** Its Ed25519 public key (base64): what safety numbers are made of. */
  signatureKey: string;
  createdAt: string;
  /** My own devices: KeyPackages waiting for groups to add it. */
  keyPackages?: number;
}

/** A Commit the delivery service accepted: it moved the group from `epoch` to `epoch + 1`. */
export interface HandshakeView {
  epoch: number;
  /** The committing device. */
  deviceId: string;
  /** MLSMessage, base64. */
  commit: string;
  /** For the devices it adds (MLSMessage with a Welcome, base64), or null. */
  welcome: string | null;
  added: string[];
  removed: string[];
  createdAt: string;
}

/** My key backup: how to tell the key right (`check`) and the key wrapped by a passkey, if any. */
export interface KeyBackupView {
  check: string;
  /** e.g. { "prf:<credential id>": "<wrapped key>" }: opaque to the server. */
  wrapped: Record<string, string>;
  updatedAt: string;
}

/** One message's content in my key backup, encrypted under my backup key. */
export interface BackupEntryView {
  messageId: string;
  data: string;
}

/** An encrypted conversation's MLS group as the delivery service keeps it. */
export interface MlsGroupView {
  conversationId: string;
  /** The epoch a Commit or message must be for; 0 with no devices: nobody has created the group yet. */
  epoch: number;
  devices: { deviceId: string; userId: string; fromEpoch: number }[];
  /** Devices of members to add, each with a KeyPackage waiting. */
  pendingAdd: { deviceId: string; userId: string }[];
  /** Devices of members that have no KeyPackage left: added once they upload more. */
  waiting: string[];
  /** Devices to remove (their person left, or they were removed): nobody may send until that is committed. */
  pendingRemove: string[];
}

/** A change shown as a line among the messages ("Ana added Ben", "Call · 12 min · 3 people"). */
export interface NoticeView {
  /** The event id. */
  id: string;
  type: NoticeType;
  actor: PublicUser | null;
  subject: PublicUser | null;
  createdAt: string;
  /** call.ended: the call. */
  call?: CallSummaryView;
}

export type PresenceStatus = "online" | "away" | "offline";

/** One Web Push subscription: one browser of mine that gets notifications. */
export interface PushSubscriptionView {
  id: string;
  label: string;
  /** The push service's host, to tell devices apart (fcm.googleapis.com, updates.push.services.mozilla.com…). */
  service: string;
  /** Made by the session asking. */
  current: boolean;
  createdAt: string;
  lastSuccessAt: string | null;
}

/** Public facts the web app needs before anyone signs in (GET /api/v1/instance). */
export interface InstanceView {
  name: string;
  version: string;
  publicUrl: string;
  setupRequired: boolean;
  registrationMode: "open" | "invite" | "closed";
  features: { emailPasswordReset: boolean; trustPage: boolean; directUploads: boolean };
  passwordMinLength: number;
  /** The server's logo, public (shown before anyone signs in). */
  logoUrl: string | null;
}

/**
 * How others reach this server, for the admin (GET /api/v1/admin/addresses): with no public URL set, links
 * say localhost, and `origins` are the addresses of this machine that other devices on its network can use.
 */
export interface AddressesView {
  publicUrl: string;
  publicUrlConfigured: boolean;
  /** Listening on a loopback address: only this machine (or a reverse proxy on it) can connect. */
  localOnly: boolean;
  hostname: string;
  /** e.g. "http://192.168.1.20:8080"; empty when the public URL is set. */
  origins: string[];
}

/** Who registered with an invite, as the admins' list of invites shows them. */
export interface InvitedUser {
  id: string;
  username: string;
  displayName: string;
}

/** An invite to register on this server (admins). */
export interface InviteView {
  code: string;
  url: string;
  note: string;
  maxUses: number | null;
  uses: number;
  /** The accounts made with it, oldest first (empty right after it is made). */
  usedBy: InvitedUser[];
  expiresAt: string | null;
  revoked: boolean;
  usable: boolean;
  createdBy: string;
  createdAt: string;
}

/** A link that lets people join one group. */
export interface GroupInviteView {
  code: string;
  url: string;
  conversationId: string;
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  revoked: boolean;
  usable: boolean;
  createdBy: string | null;
  createdAt: string;
}

/** One signed-in device of mine. */
export interface SessionView {
  id: string;
  current: boolean;
  userAgent: string;
  ip: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}
