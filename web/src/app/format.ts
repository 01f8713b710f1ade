// Dates and times as a chat shows them, in the browser's language and time zone.
import type { CallSummaryView } from "../../../src/protocol/views.ts";

const day = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
const DAY_MS = 86_400_000;

export function timeOfDay(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** For the conversation list: a time today, a weekday this week, a date before that. */
export function listTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const diff = (day(now) - day(d)) / DAY_MS;
  if (diff < 1) return timeOfDay(iso);
  if (diff < 7) return d.toLocaleDateString(undefined, { weekday: "short" });
  return d.toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    ...(d.getFullYear() !== now.getFullYear() ? { year: "numeric" } : {}),
  });
}

/** For the separators between days in a conversation. */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const diff = Math.round((day(now) - day(d)) / DAY_MS);
  if (diff === 0) return "Today";
  if (diff === 1) return "Yesterday";
  return d.toLocaleDateString(undefined, {
    weekday: "long",
    day: "numeric",
    month: "long",
    ...(d.getFullYear() !== now.getFullYear() ? { year: "numeric" } : {}),
  });
}

export function sameDay(a: string, b: string): boolean {
  return day(new Date(a)) === day(new Date(b));
}

export function fullTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "full", timeStyle: "short" });
}

/** For "last seen …": "today at 09:14", "yesterday at 22:03", "Monday at 08:00", or a date. */
export function lastSeenText(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const diff = Math.round((day(now) - day(d)) / DAY_MS);
  const at = `at ${timeOfDay(iso)}`;
  if (diff <= 0) return `today ${at}`;
  if (diff === 1) return `yesterday ${at}`;
  if (diff < 7) return `${d.toLocaleDateString(undefined, { weekday: "long" })} ${at}`;
  return d.toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    ...(d.getFullYear() !== now.getFullYear() ? { year: "numeric" } : {}),
  });
}

/** How long a call lasted: "less than a minute", "12 min", "1 h 5 min". */
export function callDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ""}`;
}

/**
 * A call in a conversation's history: "Video call · 12 min · 3 people"; one nobody answered is a "Missed
 * call" for the others and "Call not answered" for whoever made it.
 */
export function callLine(
  call: Omit<CallSummaryView, "id">,
  opts: { myId: string | undefined; direct: boolean },
): string {
  const kind = call.media === "video" ? "Video call" : "Call";
  if (!call.answered) return call.startedBy === opts.myId ? `${kind} not answered` : `Missed ${kind.toLowerCase()}`;
  const parts = [kind, callDuration(Date.parse(call.endedAt) - Date.parse(call.startedAt))];
  if (!opts.direct) parts.push(`${call.participants} people`);
  return parts.join(" · ");
}

/** How long ago, for "last reply 5 min ago": "just now", "5 min ago", "3 h ago", then the day as lastSeenText says it. */
export function agoText(iso: string, now = new Date()): string {
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 12 * 60) return `${Math.floor(minutes / 60)} h ago`;
  return lastSeenText(iso, now);
}
