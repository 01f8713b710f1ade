// Which browsers may be sent notifications, per person: one subscription per browser, tied to the session
// that made it, so signing out (or being signed out) stops notifications on that device.
import { and, desc, eq } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { OutboundRefused, resolveTarget, type OutboundPolicy } from "../lib/outbound.ts";
import { newId } from "../lib/ids.ts";
import { toIso } from "../lib/time.ts";
import { pushSubscriptions } from "../store/schema.ts";
import { forgetAllRosters } from "../chat/roster.ts";
import type { Db, Store } from "../store/store.ts";
import type { PushSubscriptionView } from "../protocol/views.ts";

export type SubscriptionRow = typeof pushSubscriptions.$inferSelect;

export type SubscriptionView = PushSubscriptionView;

export function toSubscriptionView(s: SubscriptionRow, sessionId: string): SubscriptionView {
  return {
    id: s.id,
    label: s.label,
    service: new URL(s.endpoint).host,
    current: s.sessionId === sessionId,
    createdAt: toIso(s.createdAt)!,
    lastSuccessAt: toIso(s.lastSuccessAt),
  };
}

/**
 * Saves a browser's subscription; the same endpoint again (a refresh, another account on that browser)
 * replaces it. The endpoint must pass the outbound guard: a known push service, resolving to public
 * addresses (or networks the admin allowed), so a subscription cannot aim Parley at the inside.
 */
export async function subscribe(
  store: Store,
  policy: OutboundPolicy,
  userId: string,
  sessionId: string,
  input: { endpoint: string; p256dh: string; auth: string; label: string },
): Promise<SubscriptionRow> {
  try {
    await resolveTarget(input.endpoint, policy);
  } catch (err) {
    if (err instanceof OutboundRefused)
      throw new AppError("VALIDATION_FAILED", `The endpoint ${err.message}.`, "endpoint");
    throw err;
  }
  return store.write((tx) => {
    tx.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, input.endpoint)).run();
    const row = tx
      .insert(pushSubscriptions)
      .values({ id: newId(), userId, sessionId, ...input, createdAt: Date.now(), lastSuccessAt: null })
      .returning()
      .get();
    // Every roster may now have one more member with a device to notify.
    forgetAllRosters(tx);
    return row;
  }, "push");
}

export function listSubscriptions(db: Db, userId: string): SubscriptionRow[] {
  return db
    .select()
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.userId, userId))
    .orderBy(desc(pushSubscriptions.createdAt))
    .all();
}

export function findSubscription(db: Db, userId: string, id: string): SubscriptionRow {
  const row = db
    .select()
    .from(pushSubscriptions)
    .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, userId)))
    .get();
  if (!row) throw new AppError("NOT_FOUND", "No such notification subscription.");
  return row;
}

export function unsubscribe(store: Store, userId: string, id: string): Promise<void> {
  return store.write((tx) => {
    findSubscription(tx, userId, id);
    tx.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id)).run();
    forgetAllRosters(tx);
  }, "push");
}
