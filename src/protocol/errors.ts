/**
 * The error catalogue: every code a client can see, its HTTP status and its default message. Domain code
 * throws AppError(code) (lib/errors.ts); http/errors.ts and the WebSocket layer turn it into a reply. Plain
 * data with no imports, so the web app reads the same list.
 *
 * `retry: true` marks what the same request may overcome by being sent again later, unchanged: limits,
 * faults of the server (a full disk, a busy database, a restart) and a session that must be renewed. Any
 * other refusal needs a person to change something; clients show it instead of retrying.
 */
export const errorCatalogue = {
  BAD_REQUEST: { status: 400, message: "The request is malformed." },
  VALIDATION_FAILED: { status: 400, message: "A field is missing or invalid." },
  WEAK_PASSWORD: { status: 400, message: "The password does not meet the length policy." },
  INVALID_INVITE: { status: 400, message: "The invite code is unknown, expired, revoked or used up." },
  INVALID_RESET_TOKEN: { status: 400, message: "The password-reset link is unknown, expired or already used." },
  INVALID_VERIFICATION_TOKEN: {
    status: 400,
    message: "The confirmation link is unknown, expired, already used, or for an address no longer on the account.",
  },
  UNAUTHENTICATED: { status: 401, message: "Sign in first.", retry: true },
  INVALID_CREDENTIALS: { status: 401, message: "Wrong username or password." },
  WRONG_PASSWORD: { status: 403, message: "The password is not correct." },
  FORBIDDEN: { status: 403, message: "You do not have the right to do this." },
  NOT_A_MEMBER: { status: 403, message: "You are not a member of this conversation." },
  CSRF_REJECTED: { status: 403, message: "The request came from another site." },
  ACCOUNT_DEACTIVATED: { status: 403, message: "This account has been deactivated by an administrator." },
  REGISTRATION_CLOSED: { status: 403, message: "Registration is closed on this server." },
  INVITE_REQUIRED: { status: 403, message: "Registration on this server needs an invite code." },
  PASSKEY_INVALID: { status: 401, message: "The passkey could not be verified. Try again." },
  PASSKEY_EXISTS: { status: 409, message: "This passkey is already registered." },
  PASSKEY_NOT_FOUND: { status: 404, message: "No such passkey of yours." },
  LAST_SIGN_IN_METHOD: { status: 409, message: "This is the account's last way to sign in." },
  LAST_ADMIN: { status: 409, message: "The server must keep at least one active administrator." },
  NOT_FOUND: { status: 404, message: "Not found." },
  USER_NOT_FOUND: { status: 404, message: "No such user." },
  SESSION_NOT_FOUND: { status: 404, message: "No such session." },
  INVITE_NOT_FOUND: { status: 404, message: "No such invite." },
  ATTACHMENT_NOT_FOUND: { status: 404, message: "No such upload of yours that is not sent yet." },
  UPLOAD_INCOMPLETE: { status: 409, message: "The file's bytes have not arrived yet; upload them to the URL first." },
  UPLOAD_SIZE_MISMATCH: { status: 400, message: "The file is not the size that was announced." },
  UPLOAD_LINK_INVALID: { status: 403, message: "This upload link is invalid, used or expired." },
  UNSUPPORTED_IMAGE: { status: 415, message: "Send a JPEG, PNG or WebP image." },
  QUOTA_EXCEEDED: { status: 413, message: "Your files use all the space you have. Delete some to upload more." },
  INVITE_EXPIRED: { status: 410, message: "This invite link has expired." },
  INVITE_REVOKED: { status: 410, message: "This invite link was revoked." },
  INVITE_EXHAUSTED: { status: 410, message: "This invite link has been used as many times as it allows." },
  GROUP_ARCHIVED: { status: 409, message: "Everyone left this group; it is archived." },
  MESSAGE_NOT_FOUND: { status: 404, message: "No such message in this conversation." },
  CALL_NOT_FOUND: { status: 404, message: "No call is going on in this conversation." },
  PEER_NOT_FOUND: { status: 404, message: "That participant is not in this call." },
  NOT_IN_CALL: { status: 403, message: "Join the call first." },
  CALL_FULL: { status: 409, message: "This call is full." },
  DEVICE_NOT_FOUND: { status: 404, message: "No such device of yours." },
  TOO_MANY_DEVICES: { status: 409, message: "You have as many devices as an account may have; remove one first." },
  KEY_PACKAGE_NOT_YOURS: { status: 403, message: "That KeyPackage is not for this device of yours." },
  MLS_INVALID: { status: 400, message: "The encrypted message is malformed." },
  MLS_STALE_EPOCH: {
    status: 409,
    message: "The encrypted group has moved on; catch up with it and try again.",
  },
  MLS_REMOVAL_PENDING: {
    status: 409,
    message: "Someone left this encrypted conversation; their devices must be removed from it first.",
  },
  NOT_IN_GROUP: { status: 403, message: "This device is not in the conversation's encrypted group." },
  NOT_ENCRYPTED: { status: 409, message: "This conversation is not end-to-end encrypted." },
  ENCRYPTION_REQUIRED: {
    status: 409,
    message: "This conversation is end-to-end encrypted: only encrypted messages can be sent to it.",
  },
  BACKUP_NOT_FOUND: { status: 404, message: "You have no key backup yet." },
  ALREADY_SET_UP: { status: 409, message: "This server is already set up." },
  USERNAME_TAKEN: { status: 409, message: "That username is taken." },
  EMAIL_TAKEN: { status: 409, message: "That email address belongs to another account." },
  ALREADY_A_MEMBER: { status: 409, message: "That person is already a member." },
  CLIENT_ID_REUSED: { status: 409, message: "This clientId was already used for a message in another conversation." },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  FRAME_TOO_LARGE: { status: 413, message: "The frame is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "Send the body as application/json." },
  RATE_LIMITED: { status: 429, message: "Too many attempts. Try again later.", retry: true },
  UNKNOWN_FRAME: { status: 400, message: "Unknown frame type." },
  EMAIL_NOT_CONFIGURED: {
    status: 501,
    message: "This server has no email configured; ask an administrator for a reset link.",
  },
  INTERNAL: { status: 500, message: "Something went wrong on the server.", retry: true },
  UNAVAILABLE: { status: 503, message: "The server is not ready.", retry: true },
  DATABASE_BUSY: { status: 503, message: "The server is busy; try again in a moment.", retry: true },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: "The server cannot reach its database; try again in a moment.",
    retry: true,
  },
  STORAGE_FULL: {
    status: 507,
    message: "The server's disk is full; nothing was stored. Try again later.",
    retry: true,
  },
} as const satisfies Record<string, { status: number; message: string; retry?: true }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** Whether sending the same request again later may succeed (see `retry` above). */
export function isRetryable(code: string): boolean {
  const entry = (errorCatalogue as Record<string, { retry?: true }>)[code];
  return entry === undefined || entry.retry === true;
}
