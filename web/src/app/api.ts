// The API client: JSON in (or a multipart form, for pictures), JSON out, errors as ApiError with the
// server's code and field.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      // A form goes as multipart, its boundary set by the browser.
      headers: body === undefined || body instanceof FormData ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "OFFLINE", "Cannot reach the server. Check your connection and try again.");
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = data?.error;
    throw new ApiError(res.status, err?.code ?? "INTERNAL", err?.message ?? `The server answered ${res.status}.`, err?.field);
  }
  return data as T;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string;
  email: string | null;
  role: "admin" | "member";
  /** False for accounts that sign in with passkeys only. */
  hasPassword: boolean;
  hideLastSeen?: boolean;
  sendReadReceipts?: boolean;
  discoverable?: boolean;
}

export interface Instance {
  name: string;
  version: string;
  setupRequired: boolean;
  registrationMode: "open" | "invite" | "closed";
  features: { emailPasswordReset: boolean };
  passwordMinLength: number;
  /** The server's logo, public (shown before anyone signs in). */
  logoUrl?: string | null;
}

export interface Invite {
  code: string;
  url: string;
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  usable: boolean;
}

/** Someone as others see them: in member lists, message senders and search results. */
export interface Person {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
}

export interface Member {
  user: Person & { deleted?: boolean };
  role: "owner" | "admin" | "member";
  joinedAt: string;
}

export interface Message {
  id: string;
  conversationId: string;
  clientId: string;
  text: string;
  replyToId: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  deleted: boolean;
  sender: Person;
  reactions: { emoji: string; count: number; userIds: string[] }[];
  mentions: { userIds: string[]; everyone: boolean };
  pinned: boolean;
  forwardedFrom: Person | null;
  attachments: Attachment[];
}

export interface Attachment {
  id: string;
  name: string;
  size: number;
  type: string;
  url: string;
  /** Images: the size as displayed, and a small preview (null: the image is its own preview). */
  width: number | null;
  height: number | null;
  thumbnailUrl: string | null;
}

export interface Conversation {
  id: string;
  type: "direct" | "group";
  title: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  description: string;
  archived: boolean;
  avatarUrl: string | null;
  members: Member[];
  permissions: Record<string, Role>;
  lastMessage: Message | null;
  unreadCount: number;
  mentionCount: number;
  mutedUntil: string | null;
  markedUnread: boolean;
  /** Which messages reach me as push notifications here, and whether that is the default. */
  pushLevel: "all" | "mentions" | "none";
  pushLevelDefault: boolean;
  /** My role, and what it lets me do here (the server decides; this only hides controls that would fail). */
  myRole: "owner" | "admin" | "member";
  can: Record<string, boolean>;
}

export interface ChatEvent {
  id: string;
  type:
    | "conversation.created"
    | "conversation.updated"
    | "conversation.deleted"
    | "member.added"
    | "member.removed"
    | "member.role-changed"
    | "message.created"
    | "message.updated"
    | "message.deleted"
    | "message.reactions"
    | "message.pinned"
    | "message.unpinned";
  conversationId: string;
  actorId: string | null;
  createdAt: string;
  message?: Message;
  user?: Person;
  conversation?: Omit<Conversation, "lastMessage" | "unreadCount" | "myRole" | "can">;
}

export interface SessionInfo {
  id: string;
  current: boolean;
  userAgent: string;
  ip: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

export type Role = "owner" | "admin" | "member";

export interface GroupInvite {
  code: string;
  url: string;
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  revoked: boolean;
  usable: boolean;
  createdAt: string;
}

/** A change to a conversation shown as a line among its messages ("Ana added Ben"). */
export interface Notice {
  id: string;
  type: "conversation.created" | "conversation.updated" | "member.added" | "member.removed" | "member.role-changed";
  actor: Person | null;
  subject: Person | null;
  createdAt: string;
}
