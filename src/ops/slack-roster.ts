// The people and the groups of a Slack import (ops/slack-import.ts): Slack users become accounts waiting for
// their owner, each with a link to choose a password (someone whose confirmed email is here is that account),
// and public channels become groups with their members. Both are found again by imported_from on a second run.
import { and, eq, sql } from "drizzle-orm";
import { resetLinkIn } from "../accounts/password-reset.ts";
import { newId } from "../lib/ids.ts";
import { DAY } from "../lib/time.ts";
import { stripHiddenCharacters } from "../lib/text-policy.ts";
import { appendEvent, toEventView } from "../chat/events.ts";
import type { ChatPublisher } from "../chat/context.ts";
import { forgetRoster } from "../chat/roster.ts";
import { loadConversationViews } from "../chat/views.ts";
import type { Media } from "../files/attachments.ts";
import { conversations, members, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import type { SlackChannel, SlackUser } from "./slack-export.ts";
import type { Skipped, SlackImportReport } from "../protocol/imports.ts";

/** How long the links to choose a password work: long enough to reach everyone. */
const LINK_TTL = 14 * DAY;
export interface ImportDeps {
  media: Media;
  publicUrl: string;
  /** The admin who runs it: the links are theirs, and the groups' creation is theirs in the stream. */
  adminId: string;
  /** With a running server: new groups are announced to their members at once. */
  publisher?: ChatPublisher;
}

export const count = (s: Skipped, reason: string, n = 1) => void (s[reason] = (s[reason] ?? 0) + n);

/** A username Parley takes, from a Slack name: its letters, digits, dots, dashes and underscores. */
function usernameFrom(db: Db, name: string, id: string): string {
  let base = name
    .normalize("NFKD")
    .replace(/[^A-Za-z0-9._-]/g, "")
    .replace(/^[._-]+/, "")
    .slice(0, 28);
  if (base.length < 3) base = `slack-${id.toLowerCase()}`.slice(0, 28);
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? base : `${base}${n + 1}`;
    const taken = db
      .select({ id: users.id })
      .from(users)
      .where(sql`lower(${users.username}) = lower(${candidate})`)
      .get();
    if (!taken) return candidate;
  }
}

/** A name people show, within Parley's rules for names (hidden characters gone, at most 64). */
export function shownName(...candidates: (string | undefined)[]): string | null {
  for (const c of candidates) {
    const clean = stripHiddenCharacters((c ?? "").normalize("NFC"))
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 64);
    if (clean) return clean;
  }
  return null;
}

export function importPeople(
  tx: Db,
  deps: ImportDeps,
  list: SlackUser[],
  report: SlackImportReport,
): Map<string, string> {
  const ids = new Map<string, string>();
  const now = Date.now();
  for (const u of list) {
    if (u.is_bot || u.id === "USLACKBOT") {
      count(report.people.skipped, "a bot");
      continue;
    }
    const origin = `slack:${u.id}`;
    const known = tx.select().from(users).where(eq(users.importedFrom, origin)).get();
    if (known) {
      ids.set(u.id, known.id);
      report.people.existing++;
      continue;
    }
    // Someone already here under the same confirmed address is that person.
    const email = u.profile.email?.trim();
    const same = email
      ? tx
          .select()
          .from(users)
          .where(and(sql`lower(${users.email}) = lower(${email})`, sql`${users.emailVerifiedAt} IS NOT NULL`))
          .get()
      : undefined;
    if (same && same.importedFrom === null) {
      tx.update(users).set({ importedFrom: origin }).where(eq(users.id, same.id)).run();
      ids.set(u.id, same.id);
      report.people.existing++;
      continue;
    }
    const username = usernameFrom(tx, u.name, u.id);
    const displayName = shownName(u.profile.display_name, u.profile.real_name, u.real_name, u.name) ?? username;
    const id = newId();
    tx.insert(users)
      .values({
        id,
        username,
        displayName,
        passwordHash: null,
        role: "member",
        importedFrom: origin,
        // Someone who left the Slack workspace keeps their messages, not a way in.
        deactivatedAt: u.deleted ? now : null,
        createdAt: now,
        updatedAt: now,
      })
      .run();
    ids.set(u.id, id);
    report.people.created++;
    if (!u.deleted) {
      const { url } = resetLinkIn(tx, deps.adminId, id, deps.publicUrl, now, LINK_TTL);
      report.people.links.push({ username, displayName, url });
    }
  }
  return ids;
}

/** The group for a channel: found from an earlier run, or made now (with its members and creation event). */
export function groupFor(
  tx: Db,
  deps: ImportDeps,
  channel: SlackChannel,
  people: Map<string, string>,
  report: SlackImportReport,
  afterCommit: (cb: () => void) => void,
): string | null {
  const origin = `slack:${channel.id}`;
  const memberIds = [...new Set(channel.members.flatMap((m) => (people.has(m) ? [people.get(m)!] : [])))];
  const existing = tx.select().from(conversations).where(eq(conversations.importedFrom, origin)).get();
  const now = Date.now();
  if (existing) {
    report.groups.existing++;
    return existing.id;
  }
  const title = shownName(channel.name);
  if (!title) {
    count(report.groups.skipped, "a channel without a usable name");
    return null;
  }
  const id = newId();
  const owner = (channel.creator && people.get(channel.creator)) || memberIds[0] || deps.adminId;
  tx.insert(conversations)
    .values({
      id,
      type: "group",
      title,
      description: shownName(channel.purpose?.value) ?? "",
      createdBy: owner,
      importedFrom: origin,
      createdAt: channel.created ? channel.created * 1000 : now,
      updatedAt: now,
    })
    .run();
  const event = appendEvent(tx, { type: "conversation.created", conversationId: id, actorId: deps.adminId }, now);
  const everyone = [...new Set([owner, ...memberIds])];
  tx.insert(members)
    .values(
      everyone.map((userId) => ({
        conversationId: id,
        userId,
        role: userId === owner ? ("owner" as const) : ("member" as const),
        fromEventId: event.id,
        joinedAt: now,
      })),
    )
    .run();
  forgetRoster(tx, id);
  report.groups.created++;
  const publisher = deps.publisher;
  if (publisher) {
    const conversation = loadConversationViews(tx, [id]).get(id)!;
    afterCommit(() => publisher.publish(toEventView(event, { conversation }), { join: everyone }));
  }
  return id;
}
