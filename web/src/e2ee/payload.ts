// What an encrypted message holds: the words and the keys of its files, signed by the sending device. MLS
// proves a message came from the group; ts-mls does not say which member, so the device signs what it
// sends, and a reader checks the signature against the key of the device the message names, which must be
// the sender the server names too. A member cannot pass words off as another's.
import { cipherSuite, fromBase64, toBase64 } from "./mls.ts";

/** A file of an encrypted message: uploaded encrypted, its key and real name only in here. */
export interface SealedFile {
  attachmentId: string;
  name: string;
  type: string;
  size: number;
  /** AES-GCM key (raw, base64) and IV the bytes were encrypted with. */
  key: string;
  iv: string;
}

export interface MessageContent {
  text: string;
  files: SealedFile[];
}

interface Signed {
  v: 1;
  /** The sending device's id and the message's clientId: a copy sent again elsewhere does not verify. */
  from: string;
  clientId: string;
  conversationId: string;
  content: MessageContent;
  sig: string;
}

const utf8 = new TextEncoder();

function signedBytes(s: Omit<Signed, "sig">): Uint8Array {
  return utf8.encode(JSON.stringify([s.v, s.from, s.clientId, s.conversationId, s.content]));
}

/** The plaintext of an MLS application message for this content. */
export async function sealContent(
  device: { deviceId: string; signKey: Uint8Array },
  at: { conversationId: string; clientId: string },
  content: MessageContent,
): Promise<Uint8Array> {
  const unsigned = { v: 1 as const, from: device.deviceId, ...at, content };
  const sig = await (await cipherSuite()).signature.sign(device.signKey, signedBytes(unsigned));
  return utf8.encode(JSON.stringify({ ...unsigned, sig: toBase64(sig) } satisfies Signed));
}

export class ForgedError extends Error {}

/**
 * The content of a decrypted message, if its signature is the named device's (`keyOf` gives a device's
 * public key from the group) and it is the message the server says it is; ForgedError otherwise.
 */
export async function openContent(
  plaintext: Uint8Array,
  expected: { conversationId: string; clientId: string; deviceId: string },
  keyOf: (deviceId: string) => string | undefined,
): Promise<MessageContent> {
  let s: Signed;
  try {
    s = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext)) as Signed;
  } catch {
    throw new ForgedError("The message's content is not readable.");
  }
  if (
    s?.v !== 1 ||
    s.from !== expected.deviceId ||
    s.clientId !== expected.clientId ||
    s.conversationId !== expected.conversationId ||
    typeof s.content?.text !== "string" ||
    !Array.isArray(s.content.files)
  )
    throw new ForgedError("The message is not the one its sender sent here.");
  const key = keyOf(s.from);
  if (!key) throw new ForgedError("The sending device is not in this group.");
  const ok = await (await cipherSuite()).signature.verify(fromBase64(key), signedBytes(s), fromBase64(s.sig));
  if (!ok) throw new ForgedError("The message's signature does not match its sender's device.");
  return s.content;
}
