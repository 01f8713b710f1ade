// What a timeline shows, in order, as plain rows: a day line where the day changes, group changes among
// the messages where they happened, the "New messages" line, and whether a message continues the one
// before (same sender, close in time). Pure, so the view only turns rows into elements and tests need
// no browser.
import type { Message, Notice } from "./api.ts";
import { sameDay } from "./format.ts";

/** Messages from one sender this close together show as one block, without repeating name and picture. */
export const GROUP_WITHIN_MS = 5 * 60_000;

export type TimelineRow =
  | { kind: "day"; key: string; at: string }
  | { kind: "notice"; notice: Notice }
  | { kind: "new" }
  | { kind: "message"; message: Message; continued: boolean };

/**
 * Rows for messages (oldest first) and notices (oldest first). `noticesAfterLast`: whether notices newer than
 * the last message belong here (false while older history is still to load and nothing is loaded).
 */
export function timelineRows(
  messages: Message[],
  notices: Notice[],
  opts: { firstUnreadId: string | null; noticesAfterLast: boolean },
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let prev: Message | null = null;
  let lastDay: string | null = null;
  const day = (at: string, key: string) => {
    if (lastDay && sameDay(lastDay, at)) return;
    rows.push({ kind: "day", key, at });
    lastDay = at;
    prev = null;
  };
  let n = 0;
  const noticesUntil = (at: string | null) => {
    while (n < notices.length && (at === null || notices[n]!.createdAt <= at)) {
      const notice = notices[n++]!;
      day(notice.createdAt, notice.id);
      rows.push({ kind: "notice", notice });
      prev = null;
    }
  };
  for (const m of messages) {
    noticesUntil(m.createdAt);
    day(m.createdAt, m.id);
    if (m.id === opts.firstUnreadId) rows.push({ kind: "new" });
    const p: Message | null = prev;
    const continued =
      p !== null &&
      p.sender.id === m.sender.id &&
      Date.parse(m.createdAt) - Date.parse(p.createdAt) < GROUP_WITHIN_MS &&
      m.id !== opts.firstUnreadId;
    rows.push({ kind: "message", message: m, continued });
    prev = m;
  }
  if (opts.noticesAfterLast) noticesUntil(null);
  return rows;
}

/** Where "New messages" goes when a conversation opens with `unread` unread: the first of the last `unread` from others. */
export function firstUnreadId(messages: Message[], myId: string | undefined, unread: number): string | null {
  if (unread <= 0) return null;
  const others = messages.filter((m) => m.sender.id !== myId);
  return others[Math.max(0, others.length - unread)]?.id ?? null;
}
