// Accepted Commits as clients see them (HandshakeView), for events live and replayed.
import { inArray } from "drizzle-orm";
import { toIso } from "../lib/time.ts";
import type { HandshakeView } from "../protocol/views.ts";
import { handshakes } from "../store/e2ee-schema.ts";
import type { Db } from "../store/store.ts";

export function toHandshakeView(row: typeof handshakes.$inferSelect): HandshakeView {
  return {
    epoch: row.epoch,
    deviceId: row.deviceId,
    commit: row.commit,
    welcome: row.welcome,
    added: JSON.parse(row.added) as string[],
    removed: JSON.parse(row.removed) as string[],
    createdAt: toIso(row.createdAt)!,
  };
}

/** Handshakes by id, for rendering stored events. */
export function loadHandshakes(db: Db, ids: number[]): Map<number, HandshakeView> {
  const out = new Map<number, HandshakeView>();
  if (ids.length === 0) return out;
  for (const row of db.select().from(handshakes).where(inArray(handshakes.id, ids)).all())
    out.set(row.id, toHandshakeView(row));
  return out;
}
