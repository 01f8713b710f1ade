// What a timeline shows, as rows, without a browser: day lines, group changes where they happened, the
// "New messages" line, and which messages continue a block.
import { describe, expect, test } from "bun:test";
import type { Message, Notice } from "../web/src/app/api.ts";
import { firstUnreadId, timelineRows } from "../web/src/app/timeline-rows.ts";

let n = 0;
const at = (day: number, minute: number) => new Date(2026, 0, day, 12, minute).toISOString();
const msg = (from: string, when: string): Message => ({
  id: `m${++n}`,
  conversationId: "g",
  clientId: `c${n}`,
  text: "hi",
  replyToId: null,
  threadRootId: null,
  thread: null,
  preview: null,
  createdAt: when,
  editedAt: null,
  deletedAt: null,
  deleted: false,
  sender: { id: from, username: from, displayName: from, avatarUrl: null },
  reactions: [],
  mentions: { userIds: [], everyone: false },
  pinned: false,
  forwardedFrom: null,
  attachments: [],
});
const notice = (when: string): Notice => ({
  id: `e${++n}`,
  type: "member.added",
  actor: null,
  subject: null,
  createdAt: when,
});
const kinds = (rows: ReturnType<typeof timelineRows>) =>
  rows.map((r) => (r.kind === "message" ? `${r.message.sender.id}${r.continued ? "+" : ""}` : r.kind));

describe("timeline rows", () => {
  test("one day line per day; a sender's messages within five minutes continue one block", () => {
    const rows = timelineRows(
      [msg("ana", at(1, 0)), msg("ana", at(1, 4)), msg("ana", at(1, 20)), msg("ben", at(1, 21)), msg("ben", at(2, 0))],
      [],
      {
        firstUnreadId: null,
        noticesAfterLast: true,
      },
    );
    expect(kinds(rows)).toEqual(["day", "ana", "ana+", "ana", "ben", "day", "ben"]);
  });

  test("group changes sit where they happened and break a block; later ones only once history is complete", () => {
    const messages = [msg("ana", at(1, 0)), msg("ana", at(1, 2))];
    const notices = [notice(at(1, 1)), notice(at(1, 30))];
    expect(kinds(timelineRows(messages, notices, { firstUnreadId: null, noticesAfterLast: true }))).toEqual([
      "day",
      "ana",
      "notice",
      "ana",
      "notice",
    ]);
    expect(kinds(timelineRows([], notices, { firstUnreadId: null, noticesAfterLast: false }))).toEqual([]);
  });

  test("the New messages line comes before the first unread, which starts a new block", () => {
    const messages = [msg("ben", at(1, 0)), msg("ben", at(1, 1)), msg("ben", at(1, 2))];
    const first = firstUnreadId(messages, "me", 2);
    expect(first).toBe(messages[1]!.id);
    expect(kinds(timelineRows(messages, [], { firstUnreadId: first, noticesAfterLast: true }))).toEqual([
      "day",
      "ben",
      "new",
      "ben",
      "ben+",
    ]);
  });

  test("unread counts only others' messages, and more unread than loaded points at the oldest loaded", () => {
    const messages = [msg("ben", at(1, 0)), msg("me", at(1, 1)), msg("ben", at(1, 2))];
    expect(firstUnreadId(messages, "me", 1)).toBe(messages[2]!.id);
    expect(firstUnreadId(messages, "me", 50)).toBe(messages[0]!.id);
    expect(firstUnreadId(messages, "me", 0)).toBeNull();
  });
});
