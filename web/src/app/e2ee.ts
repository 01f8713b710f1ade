// End-to-end encrypted conversations in the app: which messages this device could read (a signal the
// timeline renders from), sealing outgoing messages, and keeping the device in step with events. The MLS
// code (e2ee/runtime.ts) is its own chunk, loaded with the first encrypted conversation.
import { signal } from "@preact/signals";
import { api, type ChatEvent, type Conversation, type Message } from "./api.ts";
import { idbClear } from "./idb.ts";
import { forgetWrappingKey, idbVault } from "../e2ee/vault.ts";
import type { KeptMessage, MessageContent, Readable } from "../e2ee/runtime.ts";

/** What this device made of each encrypted message it has seen, by message id. */
export const readables = signal<ReadonlyMap<string, Readable>>(new Map());

let userId: string | null = null;
let loaded = false;
const load = () => ((loaded = true), import("../e2ee/runtime.ts"));

function shown(messageId: string, r: Readable): void {
  const next = new Map(readables.value);
  next.set(messageId, r);
  readables.value = next;
}

async function device() {
  if (!userId) throw new Error("not signed in");
  return (await load()).deviceFor(userId, shown);
}

/** Who is signed in here (null: nobody); what was read stays with the device, not the page. */
export function setE2eeUser(id: string | null): void {
  if (id !== userId) readables.value = new Map();
  userId = id;
}

export function isEncrypted(c: Pick<Conversation, "encryptedAt"> | undefined): boolean {
  return !!c?.encryptedAt;
}

/** The words of a message as this device shows them: its own text, or what decrypting it gave. */
export function wordsOf(m: Message): string {
  if (!m.encrypted) return m.text;
  const r = readables.value.get(m.id);
  return r?.ok ? r.content.text : "";
}

/**
 * Brings the device up to date with an encrypted conversation and shows what it read: on opening it, and
 * on every event that changes its group or brings a message. Membership changes make the group follow.
 */
export function followEncrypted(conversationId: string, messages: readonly Message[] = []): void {
  void (async () => {
    const d = await device();
    // What this device read already shows at once (offline too); the rest after catching up with the group.
    const show = async (final: boolean) => {
      for (const m of messages) {
        if (!m.encrypted || readables.value.has(m.id)) continue;
        const r = await d.readable(m.id);
        if (r) shown(m.id, r);
        else if (final)
          shown(m.id, { ok: false, reason: "Sent before this device joined the conversation.", retry: true });
      }
    };
    await show(false);
    await d.reconcile(conversationId);
    await show(true);
  })().catch((err) => console.warn("encryption:", err));
}

/** Events that concern an encrypted conversation's group or bring it a message. */
const MOVES = new Set<string>([
  "message.created",
  "mls.commit",
  "member.added",
  "member.removed",
  "mls.devices",
  "mls.pending",
  "conversation.encrypted",
  "conversation.created",
]);

export function onEncryptedEvent(e: ChatEvent, c: Conversation | undefined): void {
  if (!isEncrypted(c ?? e.conversation)) return;
  if (MOVES.has(e.type)) followEncrypted(e.conversationId);
}

/** The encrypted form of an outgoing message (the outbox sends it in place of the words). */
export async function sealMessage(
  conversationId: string,
  clientId: string,
  content: MessageContent,
): Promise<{ deviceId: string; ciphertext: string }> {
  return (await device()).seal(conversationId, clientId, content);
}

/** This browser's device: its id, and whether it holds the key backup's key. */
export async function thisDevice(): Promise<{ id: string; hasBackupKey: boolean }> {
  const d = await device();
  return { id: d.id, hasBackupKey: d.backup.ready };
}

/** Sets up the key backup on this device; answers the recovery key to keep. */
export async function setUpBackup(): Promise<string> {
  return (await device()).backup.setUp();
}

/** Uses a recovery key typed in to read the earlier history of these conversations. */
export async function useRecoveryKey(key: string, conversationIds: string[]): Promise<void> {
  await (await device()).backup.useRecoveryKey(key, conversationIds);
}

/** Messages this device read whose words hold every word asked, newest first (kept-messages.ts). */
export async function searchKept(q: string, filter: (m: KeptMessage) => boolean): Promise<KeptMessage[]> {
  return (await device()).kept.search(q, filter);
}

/** This browser's device was removed (from another device): the next message registers a new one. */
export async function deviceRemoved(): Promise<void> {
  (await load()).forgetDevice();
}

/** Lets a passkey (with PRF) unlock the key backup on a new device. */
export async function protectWithPasskey(): Promise<void> {
  const { wrapWithPasskey } = await import("../e2ee/passkey-unlock.ts");
  await (await device()).backup.protect(wrapWithPasskey);
}

/** Unlocks the key backup on this device with a passkey, then reads these conversations' earlier history. */
export async function unlockWithPasskey(conversationIds: string[]): Promise<void> {
  const { unwrapWithPasskey } = await import("../e2ee/passkey-unlock.ts");
  await (await device()).backup.unlock(unwrapWithPasskey, conversationIds);
}

/**
 * Signing out: this browser's device leaves every encrypted conversation (removed on the server, so the others
 * commit its removal) and its keys and everything it read are wiped from this browser. Signing in again makes
 * a new device, which reads earlier messages from the key backup. Failures are ignored: signing out goes on.
 */
export async function forgetEncryption(): Promise<void> {
  const id = userId;
  if (!id) return;
  const kept = await idbVault.get(`device:${id}`).catch(() => undefined);
  if (kept) await api("DELETE", `/e2ee/devices/${(JSON.parse(kept) as { deviceId: string }).deviceId}`).catch(() => {});
  await idbClear("e2ee").catch(() => {});
  forgetWrappingKey();
  if (loaded) (await load()).forgetDevice();
  readables.value = new Map();
}
