// What the delivery service reads of MLS messages (RFC 9420) before it stores or relays them: the framing
// that is in the clear (wire format, group, epoch, content type) and a KeyPackage's public leaf. Never any
// content: that is encrypted for the group's devices. Decoding is ts-mls's, the same code the web app runs.
import {
  decodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type MLSMessage,
} from "ts-mls";
import { verifyKeyPackage } from "ts-mls/keyPackage.js";
import { AppError } from "../lib/errors.ts";
import { CIPHER_SUITE, deviceIdentity } from "../protocol/e2ee.ts";

/** A Commit with its Welcome and the ratchet tree of a group of ~200 devices; its base64 fits the JSON limit. */
export const MAX_HANDSHAKE_BYTES = 128 * 1024;
/** An application message: 16 KiB of text, file keys and padding fit; its base64 fits a WebSocket frame. */
export const MAX_APPLICATION_BYTES = 40 * 1024;
export const MAX_KEY_PACKAGE_BYTES = 4 * 1024;

let suite: Promise<CiphersuiteImpl> | undefined;
function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE));
  return suite;
}

/** Bytes from base64, or MLS_INVALID naming the field (no partial decoding of a bad string). */
export function fromBase64(value: string, maxBytes: number, field: string): Uint8Array {
  if (value.length > Math.ceil(maxBytes / 3) * 4)
    throw new AppError("MLS_INVALID", `${field} may be at most ${maxBytes} bytes.`, field);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
    throw new AppError("MLS_INVALID", `${field} must be base64.`, field);
  return Buffer.from(value, "base64");
}

function decodeWhole(bytes: Uint8Array, field: string): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  // Trailing bytes would be relayed unread: the whole string must be one message.
  if (!decoded || decoded[1] !== bytes.length || decoded[0].version !== "mls10")
    throw new AppError("MLS_INVALID", `${field} is not an MLS message.`, field);
  return decoded[0];
}

/** The clear framing of a group message: whose group, which epoch, what kind. */
export interface GroupFraming {
  groupId: string;
  epoch: number;
  contentType: "application" | "proposal" | "commit";
}

/**
 * Reads a message for a group (a PrivateMessage, or a PublicMessage for handshakes): MLS_INVALID if it is
 * anything else or cannot be decoded.
 */
export function readGroupMessage(value: string, maxBytes: number, field: string): GroupFraming {
  const message = decodeWhole(fromBase64(value, maxBytes, field), field);
  const framing =
    message.wireformat === "mls_private_message"
      ? message.privateMessage
      : message.wireformat === "mls_public_message"
        ? message.publicMessage.content
        : undefined;
  if (!framing) throw new AppError("MLS_INVALID", `${field} is not a group message.`, field);
  let groupId: string;
  try {
    groupId = new TextDecoder("utf-8", { fatal: true }).decode(framing.groupId);
  } catch {
    throw new AppError("MLS_INVALID", `${field} names no Parley group.`, field);
  }
  if (framing.epoch > BigInt(Number.MAX_SAFE_INTEGER))
    throw new AppError("MLS_INVALID", `${field} has an impossible epoch.`, field);
  return { groupId, epoch: Number(framing.epoch), contentType: framing.contentType };
}

/** A Welcome for new devices: MLS_INVALID if it is not one, or not of Parley's cipher suite. */
export function readWelcome(value: string, field: string): void {
  const message = decodeWhole(fromBase64(value, MAX_HANDSHAKE_BYTES, field), field);
  if (message.wireformat !== "mls_welcome" || message.welcome.cipherSuite !== CIPHER_SUITE)
    throw new AppError("MLS_INVALID", `${field} is not a Welcome of this server's cipher suite.`, field);
}

/**
 * A KeyPackage as a device uploads it: well formed, of Parley's suite, signed by the key it carries, and
 * naming the device (credential identity) and its registered signature key, so nobody can publish
 * KeyPackages that would add someone else's device to a group under their name.
 */
export async function readKeyPackage(
  value: string,
  device: { id: string; userId: string; signatureKey: string },
  field: string,
): Promise<void> {
  const message = decodeWhole(fromBase64(value, MAX_KEY_PACKAGE_BYTES, field), field);
  if (message.wireformat !== "mls_key_package")
    throw new AppError("MLS_INVALID", `${field} is not a KeyPackage.`, field);
  const kp = message.keyPackage;
  if (kp.cipherSuite !== CIPHER_SUITE)
    throw new AppError("MLS_INVALID", `${field} is not of this server's cipher suite (${CIPHER_SUITE}).`, field);
  const leaf = kp.leafNode;
  const identity = leaf.credential.credentialType === "basic" ? Buffer.from(leaf.credential.identity).toString() : "";
  if (
    identity !== deviceIdentity(device.userId, device.id) ||
    Buffer.from(leaf.signaturePublicKey).toString("base64") !== device.signatureKey
  )
    throw new AppError("KEY_PACKAGE_NOT_YOURS", undefined, field);
  if (!(await verifyKeyPackage(kp, (await cipherSuite()).signature)))
    throw new AppError("MLS_INVALID", `${field} is not signed by the key it carries.`, field);
}
