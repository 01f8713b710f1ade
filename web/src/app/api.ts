// The API client: JSON in (or a multipart form, for pictures), JSON out, errors as ApiError with the
// server's code and field. What the server sends is typed by the server's own wire contract
// (src/protocol/): a field renamed there fails the typecheck here.
import type {
  AccountView,
  AddressesView,
  AdminAccountView,
  AdjustableRight,
  AttachmentView,
  ConversationFileView,
  ConversationSummary,
  EventView,
  GroupInviteView,
  InstanceView,
  InviteView,
  MemberView,
  MessageView,
  NoticeView,
  PublicUser,
  Role,
  SenderView,
  SessionView,
  ThreadView,
} from "../../../src/protocol/views.ts";

/** Me, as the server tells me about myself. */
export type User = AccountView;
/** Someone as a message or a member list shows them. */
export type Person = SenderView;
export type Member = MemberView;
/** Someone with their profile: about, and time zone when they share it (members lists, the profile card). */
export type Profile = PublicUser;
export type Message = MessageView;
export type Attachment = AttachmentView;
/** A conversation as I see it in my list (with my unread, mute and rights). */
export type Conversation = ConversationSummary;
export type ChatEvent = EventView;
export type Notice = NoticeView;
export type Instance = InstanceView;
export type { ConversationFileView, ThreadView };
export type Invite = InviteView;
export type GroupInvite = GroupInviteView;
export type SessionInfo = SessionView;
export type { AddressesView, AdjustableRight, AdminAccountView, Role };

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
    throw new ApiError(
      res.status,
      err?.code ?? "INTERNAL",
      err?.message ?? `The server answered ${res.status}.`,
      err?.field,
    );
  }
  return data as T;
}
