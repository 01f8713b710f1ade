// Local time on profile cards: each person's browser tells the server its time zone (while they share it),
// and others' cards show the time there now.
import { api, type User } from "./api.ts";

/** This browser's time zone (IANA), or null when it cannot say. */
export function browserTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/** Tells the server this browser's zone when it differs from the one kept (travel, a new device); the new account back. */
export async function keepTimeZone(user: User): Promise<User | null> {
  const zone = browserTimeZone();
  if (!zone || !user.shareLocalTime || user.timeZone === zone) return null;
  // A zone the server does not know is refused: nothing is shown rather than something wrong.
  return (await api<{ user: User }>("PATCH", "/me", { timeZone: zone }).catch(() => null))?.user ?? null;
}

/** The time now in a zone, as this browser writes times ("3:42 PM"), or null for a zone it does not know. */
export function timeIn(zone: string, now = new Date()): string | null {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: "numeric", minute: "2-digit" }).format(now);
  } catch {
    return null;
  }
}
