// A device's MLS operations (RFC 9420, through ts-mls): keys, KeyPackages, creating and joining groups,
// committing adds and removes, and encrypting and decrypting messages. Pure functions over values, no
// storage and no network, so the web app (e2ee/device.ts keeps the state) and the tests run the same code.
// Loaded only with an encrypted conversation (a chunk of its own: docs/performance.md has its size).
import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processPrivateMessage,
  type CiphersuiteImpl,
  type ClientState,
  type KeyPackage,
  type MLSMessage,
  type PrivateKeyPackage,
  type Proposal,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { decodeKeyPackage, encodeKeyPackage, makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { fromBase64, toBase64 } from "./base64.ts";
import { CIPHER_SUITE, deviceIdentity } from "../../../src/protocol/e2ee.ts";

export { fromBase64, toBase64 };

let suitePromise: Promise<CiphersuiteImpl> | undefined;
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suitePromise ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHER_SUITE));
  return suitePromise;
}

export type GroupState = ClientState;

/** What a device is: its ids and its signature key pair (the private half never leaves the device). */
export interface DeviceKeys {
  userId: string;
  deviceId: string;
  signKey: Uint8Array;
  publicKey: Uint8Array;
}

/** A KeyPackage the device made, with its private keys: kept until a Welcome uses it. */
export interface OwnKeyPackage {
  /** Its KeyPackageRef, base64: what a Welcome names. */
  ref: string;
  publicPackage: KeyPackage;
  privatePackage: PrivateKeyPackage;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function parseIdentity(identity: Uint8Array): { userId: string; deviceId: string } | null {
  const m = /^([^/]+)\/([^/]+)$/.exec(fromUtf8.decode(identity));
  return m ? { userId: m[1]!, deviceId: m[2]! } : null;
}

/** A new device's signature key pair (Ed25519). */
export async function newSignatureKeys(): Promise<{ signKey: Uint8Array; publicKey: Uint8Array }> {
  return (await cipherSuite()).signature.keygen();
}

/** n KeyPackages for the device: what to upload (base64 MLSMessages) and what to keep. */
export async function newKeyPackages(
  device: DeviceKeys,
  n: number,
): Promise<{ upload: string[]; keep: OwnKeyPackage[] }> {
  const cs = await cipherSuite();
  const credential = {
    credentialType: "basic" as const,
    identity: utf8.encode(deviceIdentity(device.userId, device.deviceId)),
  };
  const upload: string[] = [];
  const keep: OwnKeyPackage[] = [];
  for (let i = 0; i < n; i++) {
    const kp = await generateKeyPackageWithKey(credential, defaultCapabilities(), defaultLifetime, [], device, cs);
    const ref = toBase64(await makeKeyPackageRef(kp.publicPackage, cs.hash));
    upload.push(
      toBase64(encodeMlsMessage({ keyPackage: kp.publicPackage, wireformat: "mls_key_package", version: "mls10" })),
    );
    keep.push({ ref, ...kp });
  }
  return { upload, keep };
}

/** A kept KeyPackage as bytes for storage, and back. */
export function encodeOwnKeyPackage(kp: OwnKeyPackage): string {
  return JSON.stringify({
    ref: kp.ref,
    pub: toBase64(encodeKeyPackage(kp.publicPackage)),
    init: toBase64(kp.privatePackage.initPrivateKey),
    hpke: toBase64(kp.privatePackage.hpkePrivateKey),
    sig: toBase64(kp.privatePackage.signaturePrivateKey),
  });
}

export function decodeOwnKeyPackage(s: string): OwnKeyPackage {
  const o = JSON.parse(s) as Record<string, string>;
  return {
    ref: o.ref!,
    publicPackage: decodeKeyPackage(fromBase64(o.pub!), 0)![0],
    privatePackage: {
      initPrivateKey: fromBase64(o.init!),
      hpkePrivateKey: fromBase64(o.hpke!),
      signaturePrivateKey: fromBase64(o.sig!),
    },
  };
}

/** A new group for the conversation with this device alone in it (epoch 0); its first Commit is sent next. */
export async function startGroup(conversationId: string, device: DeviceKeys): Promise<GroupState> {
  const cs = await cipherSuite();
  const { keep } = await newKeyPackages(device, 1);
  const own = keep[0]!;
  return createGroup(utf8.encode(conversationId), own.publicPackage, own.privatePackage, [], cs);
}

function decodeMessage(b64: string): MLSMessage {
  const decoded = decodeMlsMessage(fromBase64(b64), 0);
  if (!decoded) throw new UndecryptableError("malformed", "The message is not an MLS message.");
  return decoded[0];
}

/** The devices in the group, from its ratchet tree. */
export function groupMembers(
  state: GroupState,
): { leaf: number; userId: string; deviceId: string; signatureKey: string }[] {
  const out: { leaf: number; userId: string; deviceId: string; signatureKey: string }[] = [];
  state.ratchetTree.forEach((node, i) => {
    if (i % 2 !== 0 || !node || node.nodeType !== "leaf") return;
    const who = node.leaf.credential.credentialType === "basic" ? parseIdentity(node.leaf.credential.identity) : null;
    if (who) out.push({ leaf: i / 2, ...who, signatureKey: toBase64(node.leaf.signaturePublicKey) });
  });
  return out;
}

export function epochOf(state: GroupState): number {
  return Number(state.groupContext.epoch);
}

/**
 * A Commit that adds devices (their claimed KeyPackages, base64) and removes others (by device id), with the
 * Welcome for those added; the ratchet tree travels in the Welcome, so joiners need nothing else.
 */
export async function commitChanges(
  state: GroupState,
  change: { add: string[]; remove: string[] },
): Promise<{ state: GroupState; commit: string; welcome: string | null }> {
  const cs = await cipherSuite();
  const proposals: Proposal[] = [];
  for (const b64 of change.add) {
    const m = decodeMessage(b64);
    if (m.wireformat !== "mls_key_package") throw new Error("not a KeyPackage");
    proposals.push({ proposalType: "add", add: { keyPackage: m.keyPackage } });
  }
  const leaves = new Map(groupMembers(state).map((m) => [m.deviceId, m.leaf]));
  for (const deviceId of change.remove) {
    const leaf = leaves.get(deviceId);
    if (leaf !== undefined) proposals.push({ proposalType: "remove", remove: { removed: leaf } });
  }
  const result = await createCommit(
    { state, cipherSuite: cs },
    { extraProposals: proposals, ratchetTreeExtension: true },
  );
  return {
    state: result.newState,
    commit: toBase64(encodeMlsMessage(result.commit)),
    welcome: result.welcome
      ? toBase64(encodeMlsMessage({ welcome: result.welcome, wireformat: "mls_welcome", version: "mls10" }))
      : null,
  };
}

/** Joins from a Welcome, with whichever kept KeyPackage it was made for (null: none of them). */
export async function joinFromWelcome(
  welcomeB64: string,
  find: (ref: string) => Promise<OwnKeyPackage | undefined>,
): Promise<{ state: GroupState; used: string } | null> {
  const cs = await cipherSuite();
  const m = decodeMessage(welcomeB64);
  if (m.wireformat !== "mls_welcome") throw new Error("not a Welcome");
  for (const secret of m.welcome.secrets) {
    const own = await find(toBase64(secret.newMember));
    if (!own) continue;
    const state = await joinGroup(m.welcome, own.publicPackage, own.privatePackage, emptyPskIndex, cs);
    return { state, used: own.ref };
  }
  return null;
}

/** Why a message could not be read; `reason` is shown to people. */
export class UndecryptableError extends Error {
  constructor(
    readonly kind: "malformed" | "epoch" | "tampered" | "removed",
    reason: string,
  ) {
    super(reason);
  }
}

/** Processes another device's Commit: the group moves to its next epoch. */
export async function applyCommit(state: GroupState, commitB64: string): Promise<GroupState> {
  const cs = await cipherSuite();
  const m = decodeMessage(commitB64);
  if (m.wireformat !== "mls_private_message") throw new UndecryptableError("malformed", "Not an encrypted Commit.");
  const result = await processPrivateMessage(state, m.privateMessage, emptyPskIndex, cs);
  if (result.kind !== "newState") throw new UndecryptableError("malformed", "Not a Commit.");
  return result.newState;
}

/** Encrypts bytes for the group at its epoch. */
export async function encrypt(
  state: GroupState,
  plaintext: Uint8Array,
): Promise<{ state: GroupState; ciphertext: string }> {
  const cs = await cipherSuite();
  const r = await createApplicationMessage(state, plaintext, cs);
  return {
    state: r.newState,
    ciphertext: toBase64(
      encodeMlsMessage({ privateMessage: r.privateMessage, wireformat: "mls_private_message", version: "mls10" }),
    ),
  };
}

/** Decrypts another device's message; UndecryptableError says why not (never garbage: AEAD checks it whole). */
export async function decrypt(
  state: GroupState,
  ciphertextB64: string,
): Promise<{ state: GroupState; plaintext: Uint8Array }> {
  const cs = await cipherSuite();
  let m: MLSMessage;
  try {
    m = decodeMessage(ciphertextB64);
  } catch {
    throw new UndecryptableError("malformed", "The message is damaged.");
  }
  if (m.wireformat !== "mls_private_message") throw new UndecryptableError("malformed", "Not an encrypted message.");
  const epoch = Number(m.privateMessage.epoch);
  if (epoch > epochOf(state))
    throw new UndecryptableError("epoch", `Sent in epoch ${epoch}; this device is at epoch ${epochOf(state)}.`);
  try {
    const r = await processPrivateMessage(state, m.privateMessage, emptyPskIndex, cs);
    if (r.kind !== "applicationMessage") throw new UndecryptableError("malformed", "Not a message.");
    return { state: r.newState, plaintext: r.message };
  } catch (err) {
    if (err instanceof UndecryptableError) throw err;
    throw new UndecryptableError("tampered", "The message was altered or is not for this device.");
  }
}

/** The group's state as bytes to keep (between reloads), and back. */
export function saveState(state: GroupState): Uint8Array {
  return encodeGroupState(state);
}

export function loadState(bytes: Uint8Array): GroupState {
  const decoded = decodeGroupState(bytes, 0);
  if (!decoded) throw new Error("damaged group state");
  return { ...decoded[0], clientConfig: defaultClientConfig };
}
