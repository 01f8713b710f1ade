// Messages the user wrote that the server has not acknowledged yet. Kept in IndexedDB, so a reload, a
// lost connection or a server restart never loses them; every retry reuses the same clientId, so the
// server stores each message once however often it is sent.
import { signal } from "@preact/signals";
import type { SentAttachment } from "./uploads.ts";
import { isRetryable } from "../../../src/protocol/errors.ts";
import type { ClientFrame } from "../../../src/protocol/frames.ts";
import { sendFrame, status } from "./connection.ts";
import { idbAll, idbDelete, idbPut } from "./idb.ts";
import { deviceRemoved, sealMessage } from "./e2ee.ts";
import { idbVault } from "../e2ee/vault.ts";

export interface Outgoing {
  clientId: string;
  userId: string;
  conversationId: string;
  text: string;
  replyToId: string | null;
  /** A reply in this message's thread. */
  threadRootId?: string | null;
  /** Files uploaded already, sent with the message (encrypted conversations: with what opens them). */
  attachments?: SentAttachment[];
  /** An end-to-end encrypted conversation: sealed by this device right before each attempt (app/e2ee.ts). */
  encrypted?: boolean;
  createdAt: string;
  /** sending: waiting for the server (also while offline) · failed: refused; the user may retry or discard. */
  state: "sending" | "failed";
  error?: string;
}

export const outbox = signal<Outgoing[]>([]);

const inFlight = new Set<string>();
let owner: string | null = null;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function set(items: Outgoing[]): void {
  outbox.value = items.toSorted((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * A copy written at once (localStorage is synchronous), so that a reload right after Enter, before IndexedDB
 * has committed, still finds the message; dropped once IndexedDB has it. Plain conversations only: an
 * encrypted one's words are never kept unsealed.
 */
const quickKey = (clientId: string) => `parley:outbox:${clientId}`;
const QUICK_PREFIX = "parley:outbox:";

function save(item: Outgoing): void {
  // If IndexedDB is unavailable (some private modes), the message still goes out; it just won't survive a reload.
  if (!item.encrypted) {
    try {
      localStorage.setItem(quickKey(item.clientId), JSON.stringify(item));
    } catch {}
    return void idbPut("outbox", item)
      .then(() => localStorage.removeItem(quickKey(item.clientId)))
      .catch(() => {});
  }
  // An encrypted conversation's words (and its files' keys) are kept sealed, in the device's vault, never plain.
  const { text, attachments, ...rest } = item;
  void idbVault
    .set({ [draftKey(item.clientId)]: JSON.stringify({ text, attachments }) })
    .then(() => idbPut("outbox", { ...rest, text: "" }))
    .catch(() => {});
}

const draftKey = (clientId: string) => `outbox:${clientId}`;

function forget(clientId: string): void {
  localStorage.removeItem(quickKey(clientId));
  idbDelete("outbox", clientId).catch(() => {});
  idbVault.delete(draftKey(clientId)).catch(() => {});
}

export async function loadOutbox(userId: string): Promise<void> {
  owner = userId;
  inFlight.clear();
  const stored = (await idbAll<Outgoing>("outbox").catch(() => [])).filter((o) => o.userId === userId);
  // Written just before the page went away, before IndexedDB had it: kept there now.
  for (const key of Object.keys(localStorage).filter((k) => k.startsWith(QUICK_PREFIX))) {
    let o: Outgoing | null = null;
    try {
      o = JSON.parse(localStorage.getItem(key) ?? "null");
    } catch {}
    if (!o || o.userId !== userId) continue;
    if (!stored.some((x) => x.clientId === o.clientId)) stored.push(o);
    save(o);
  }
  const items: Outgoing[] = [];
  for (const o of stored) {
    if (!o.encrypted) {
      items.push(o);
      continue;
    }
    // Its words were kept sealed; gone with the vault (signing out wipes it), the message goes too.
    const draft = await idbVault.get(draftKey(o.clientId)).catch(() => undefined);
    if (draft) items.push({ ...o, ...(JSON.parse(draft) as Pick<Outgoing, "text" | "attachments">) });
    else forget(o.clientId);
  }
  set(items);
}

export function queueMessage(
  conversationId: string,
  text: string,
  replyToId: string | null,
  attachments: SentAttachment[] = [],
  encrypted = false,
  threadRootId: string | null = null,
): Outgoing {
  const item: Outgoing = {
    clientId: crypto.randomUUID(),
    userId: owner!,
    conversationId,
    text,
    replyToId,
    ...(threadRootId ? { threadRootId } : {}),
    attachments,
    ...(encrypted ? { encrypted } : {}),
    createdAt: new Date().toISOString(),
    state: "sending",
  };
  save(item);
  set([...outbox.value, item]);
  flush();
  return item;
}

/** Sends everything waiting, oldest first, once per connection. */
export function flush(): void {
  for (const o of outbox.value) {
    if (o.state !== "sending" || inFlight.has(o.clientId)) continue;
    const frame: ClientFrame = {
      type: "send",
      id: o.clientId,
      conversationId: o.conversationId,
      clientId: o.clientId,
      text: o.text,
      ...(o.replyToId ? { replyToId: o.replyToId } : {}),
      ...(o.threadRootId ? { threadRootId: o.threadRootId } : {}),
      ...(o.attachments?.length ? { attachmentIds: o.attachments.map((a) => a.id) } : {}),
    };
    if (o.encrypted) {
      sendSealed(o, frame);
      continue;
    }
    if (!sendFrame(frame)) return;
    inFlight.add(o.clientId);
  }
}

/**
 * An encrypted conversation's message goes as ciphertext for the group's current epoch: sealed at each
 * attempt, because a Commit in between makes an older sealing stale (the server refuses it).
 */
function sendSealed(o: Outgoing, frame: Extract<ClientFrame, { type: "send" }>): void {
  // Sealing needs the group as the server has it: only once connected (flush runs again then).
  if (status.value !== "online") return;
  inFlight.add(o.clientId);
  const files = (o.attachments ?? []).flatMap((a) => (a.sealed ? [a.sealed] : []));
  sealMessage(o.conversationId, o.clientId, { text: o.text, files }).then(
    (encrypted) => {
      if (!inFlight.has(o.clientId)) return;
      if (!sendFrame({ ...frame, text: "", encrypted })) inFlight.delete(o.clientId);
    },
    (err: unknown) => {
      if (!inFlight.delete(o.clientId)) return;
      // The connection went while sealing: the next connection sends it, as any message waiting.
      if ((err as { code?: string }).code === "OFFLINE") return;
      update(o.clientId, { state: "failed", error: err instanceof Error ? err.message : String(err) });
    },
  );
}

/** Refusals of an encrypted message that sealing it again, after catching up with the group, overcomes. */
const RESEAL = new Set(["MLS_STALE_EPOCH", "MLS_REMOVAL_PENDING", "NOT_IN_GROUP", "DEVICE_NOT_FOUND"]);

export function acknowledged(clientId: string): void {
  inFlight.delete(clientId);
  if (!outbox.value.some((o) => o.clientId === clientId)) return;
  forget(clientId);
  set(outbox.value.filter((o) => o.clientId !== clientId));
}

export function refused(clientId: string, code: string, message: string, retryAfter?: number): void {
  if (!inFlight.delete(clientId)) return;
  if (RESEAL.has(code) && outbox.value.find((o) => o.clientId === clientId)?.encrypted) {
    // This browser's device was removed from another one: a new device is registered and added first.
    if (code === "DEVICE_NOT_FOUND") void deviceRemoved().then(flush);
    else flush();
    return;
  }
  // The error catalogue says which refusals retrying can overcome; the others need the user: show and wait.
  if (!isRetryable(code)) {
    update(clientId, { state: "failed", error: message });
    return;
  }
  // Rate limited or a passing server error: try again by itself.
  clearTimeout(retryTimer);
  retryTimer = setTimeout(flush, Math.max(1, retryAfter ?? 2) * 1000);
}

/** The connection dropped: nothing sent on it will be answered, so everything is sent again on the next. */
export function connectionLost(): void {
  inFlight.clear();
}

export function retry(clientId: string): void {
  update(clientId, { state: "sending", error: undefined });
  flush();
}

export function discard(clientId: string): void {
  inFlight.delete(clientId);
  forget(clientId);
  set(outbox.value.filter((o) => o.clientId !== clientId));
}

function update(clientId: string, patch: Partial<Outgoing>): void {
  const items = outbox.value.map((o) => (o.clientId === clientId ? { ...o, ...patch } : o));
  const changed = items.find((o) => o.clientId === clientId);
  if (changed) save(changed);
  set(items);
}
