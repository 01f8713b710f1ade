// Pictures of people and groups: any JPEG, PNG or WebP becomes a square WebP (the centre of the image,
// upright, at most 256 pixels), stored under its hash so its URL can be cached for good.
import { eq } from "drizzle-orm";
import type { UserRow } from "../accounts/sessions.ts";
import { announceUpdate, requireAccess } from "../chat/conversations.ts";
import type { Chat } from "../chat/context.ts";
import type { ConversationView } from "../chat/views.ts";
import { getLogoKey, setLogoKey } from "../accounts/instance-settings.ts";
import { AppError } from "../lib/errors.ts";
import { conversations, users } from "../store/schema.ts";
import { forgetUser } from "../accounts/users.ts";
import type { Db } from "../store/store.ts";
import { requireDiskRoom, type IncomingBody, type Media } from "./attachments.ts";
import { removeUnreferenced } from "./file-cleanup.ts";
import { isFileKey } from "./file-store.ts";
import { makeAvatar } from "./images.ts";
import { boundaryOf, readFilePart } from "./multipart.ts";
import { sniffType } from "./sniff.ts";
import { formatSize } from "../protocol/sizes.ts";

/** A picture to crop is never bigger than a phone photo. */
const MAX_AVATAR_SOURCE_BYTES = 20 * 1024 * 1024;

/** Reads the picture from a multipart body (field "file") and stores its avatar; returns the key. */
export async function storeAvatar(m: Media, body: IncomingBody): Promise<string> {
  requireDiskRoom(m);
  if (!body.stream) throw new AppError("BAD_REQUEST", "The request has no body.");
  const declared = body.declaredBytes;
  if (declared > MAX_AVATAR_SOURCE_BYTES)
    throw new AppError("PAYLOAD_TOO_LARGE", `Pictures may be at most ${formatSize(MAX_AVATAR_SOURCE_BYTES)}.`);
  const chunks: Uint8Array[] = [];
  await readFilePart(body.stream, boundaryOf(body.contentType), "file", MAX_AVATAR_SOURCE_BYTES, async (c) => {
    chunks.push(c.slice());
  });
  const bytes = Buffer.concat(chunks);
  const avatar = await makeAvatar(sniffType(bytes.subarray(0, 4096)), bytes);
  if (!avatar) throw new AppError("UNSUPPORTED_IMAGE");
  return m.files.put(avatar);
}

export async function setUserAvatar(
  m: Media,
  me: UserRow,
  picture: IncomingBody | null,
  /** Told the new row once it is committed (others see the new picture at once). */
  announce: (row: UserRow) => void = () => {},
): Promise<UserRow> {
  const key = picture ? await storeAvatar(m, picture) : null;
  const row = await m.store.write((tx, afterCommit) => {
    const updated = tx
      .update(users)
      .set({ avatarKey: key, updatedAt: Date.now() })
      .where(eq(users.id, me.id))
      .returning()
      .get()!;
    forgetUser(tx, me.id);
    afterCommit(() => announce(updated));
    return updated;
  }, "account");
  if (me.avatarKey && me.avatarKey !== key) await removeUnreferenced(m.store.db, m.files, [me.avatarKey]);
  return row;
}

/** A group's picture: the editInfo right, like its name; members see conversation.updated. */
export async function setGroupAvatar(
  m: Media,
  chat: Chat,
  me: UserRow,
  conversationId: string,
  picture: IncomingBody | null,
): Promise<ConversationView> {
  // Checked before the picture is read, and again in the transaction in case rights changed meanwhile.
  const { conversation } = requireAccess(m.store.db, conversationId, me.id, "editInfo");
  if (conversation.type !== "group")
    throw new AppError("FORBIDDEN", "Direct conversations show the other person's picture.");
  const key = picture ? await storeAvatar(m, picture) : null;
  let previous: string | null = null;
  const view = await chat.queue.run((tx, afterCommit) => {
    previous = requireAccess(tx, conversationId, me.id, "editInfo").conversation.avatarKey;
    return announceUpdate(tx, afterCommit, chat, me.id, conversationId, { avatarKey: key });
  });
  if (previous && previous !== key) await removeUnreferenced(m.store.db, m.files, [previous]);
  return view;
}

/** The instance's logo (admins): the same square picture, shown on the sign-in page and beside the name. */
export async function setInstanceLogo(m: Media, picture: IncomingBody | null): Promise<string | null> {
  const key = picture ? await storeAvatar(m, picture) : null;
  const previous = getLogoKey(m.store.db);
  await m.store.write((tx) => setLogoKey(tx, key), "account");
  if (previous && previous !== key) await removeUnreferenced(m.store.db, m.files, [previous]);
  return key;
}

/** Avatars are for every signed-in user to see, but only keys that are someone's or some group's picture. */
export function requireAvatar(db: Db, key: string): string {
  const used =
    isFileKey(key) &&
    (db.select({ id: users.id }).from(users).where(eq(users.avatarKey, key)).get() ??
      db.select({ id: conversations.id }).from(conversations).where(eq(conversations.avatarKey, key)).get());
  if (!used) throw new AppError("NOT_FOUND", "No such picture.");
  return key;
}
