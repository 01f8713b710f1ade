// What people are doing right now: presence, typing, and how far others have received and read. None of it
// is in the event stream; it is fetched after (re)connecting and then kept current by socket frames.
import { signal } from "@preact/signals";
import { api } from "./api.ts";
import { sendFrame } from "./connection.ts";

export interface PresenceState {
  status: "online" | "away" | "offline";
  lastSeenAt: string | null;
}
export interface Receipt {
  deliveredMessageId: string | null;
  readMessageId: string | null;
}

export const presence = signal<Map<string, PresenceState>>(new Map());
/** conversationId → userId → when their typing notice runs out. */
export const typing = signal<Map<string, Map<string, number>>>(new Map());
/** conversationId → userId → how far they have received and read. */
export const receipts = signal<Map<string, Map<string, Receipt>>>(new Map());

export async function loadPresence(): Promise<void> {
  const r = await api<{ presence: ({ userId: string } & PresenceState)[] }>("GET", "/presence");
  presence.value = new Map(r.presence.map((p) => [p.userId, { status: p.status, lastSeenAt: p.lastSeenAt }]));
}

export async function loadReceipts(conversationId: string): Promise<void> {
  const r = await api<{ receipts: ({ userId: string } & Receipt)[] }>(
    "GET",
    `/conversations/${encodeURIComponent(conversationId)}/receipts`,
  );
  const next = new Map(receipts.value);
  next.set(
    conversationId,
    new Map(
      r.receipts.map((x) => [x.userId, { deliveredMessageId: x.deliveredMessageId, readMessageId: x.readMessageId }]),
    ),
  );
  receipts.value = next;
}

export function onPresence(f: { userId: string } & PresenceState): void {
  const next = new Map(presence.value);
  next.set(f.userId, { status: f.status, lastSeenAt: f.lastSeenAt });
  presence.value = next;
}

let sweep: ReturnType<typeof setTimeout> | undefined;
export function onTyping(f: { conversationId: string; userId: string; expiresInMs: number }): void {
  const next = new Map(typing.value);
  const inConv = new Map(next.get(f.conversationId) ?? []);
  inConv.set(f.userId, Date.now() + f.expiresInMs);
  next.set(f.conversationId, inConv);
  typing.value = next;
  clearTimeout(sweep);
  sweep = setTimeout(expireTyping, f.expiresInMs + 50);
}

/** Someone who sent a message has stopped typing it. */
export function stoppedTyping(conversationId: string, userId: string): void {
  if (!typing.value.get(conversationId)?.has(userId)) return;
  const next = new Map(typing.value);
  const inConv = new Map(next.get(conversationId));
  inConv.delete(userId);
  next.set(conversationId, inConv);
  typing.value = next;
}

function expireTyping(): void {
  const now = Date.now();
  const next = new Map<string, Map<string, number>>();
  let soonest = Infinity;
  for (const [c, people] of typing.value) {
    const still = new Map([...people].filter(([, until]) => until > now));
    for (const until of still.values()) soonest = Math.min(soonest, until);
    if (still.size > 0) next.set(c, still);
  }
  typing.value = next;
  if (soonest !== Infinity) sweep = setTimeout(expireTyping, soonest - now + 50);
}

export function onReceipt(f: {
  kind: "delivered" | "read";
  conversationId: string;
  userId: string;
  messageId: string;
}): void {
  const next = new Map(receipts.value);
  const inConv = new Map(next.get(f.conversationId) ?? []);
  const old = inConv.get(f.userId) ?? { deliveredMessageId: null, readMessageId: null };
  inConv.set(
    f.userId,
    f.kind === "read"
      ? { deliveredMessageId: old.deliveredMessageId ?? f.messageId, readMessageId: f.messageId }
      : { ...old, deliveredMessageId: f.messageId },
  );
  next.set(f.conversationId, inConv);
  receipts.value = next;
}

let typedAt = 0;
/** Says I am typing, at most every 3 s (the server expires it after 6 s without a repeat). */
export function iAmTyping(conversationId: string): void {
  const now = Date.now();
  if (now - typedAt < 3000) return;
  typedAt = now;
  sendFrame({ type: "typing", conversationId });
}

const delivered = new Map<string, string>();
/** Tells the sender's devices this one received a message (the newest per conversation is enough). */
export function confirmDelivery(conversationId: string, messageId: string): void {
  if (delivered.get(conversationId) === messageId) return;
  delivered.set(conversationId, messageId);
  queueMicrotask(
    () => delivered.get(conversationId) === messageId && sendFrame({ type: "delivered", conversationId, messageId }),
  );
}

// Away after a minute without input, or while the tab is hidden; active again on the next sign of life.
const AWAY_AFTER_MS = 60_000;
let away = false;
let idleTimer: ReturnType<typeof setTimeout> | undefined;
function report(next: boolean): void {
  if (next === away) return;
  away = next;
  sendFrame({ type: "presence", status: away ? "away" : "active" });
}
function activity(): void {
  clearTimeout(idleTimer);
  if (document.visibilityState === "visible") report(false);
  idleTimer = setTimeout(() => report(true), AWAY_AFTER_MS);
}
for (const e of ["pointerdown", "keydown", "focus"]) addEventListener(e, activity, { passive: true });
document.addEventListener("visibilitychange", () =>
  document.visibilityState === "hidden" ? report(true) : activity(),
);

/** After (re)connecting: the server starts everyone "active"; say so if we are not. */
export function resetActivity(): void {
  away = false;
  if (document.visibilityState === "hidden") report(true);
  else activity();
}
