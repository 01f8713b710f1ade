// Moving in from Slack: a workspace export becomes Parley's. People and groups come first
// (ops/slack-roster.ts); then messages keep their authors and times, with threads, reactions and the files
// the export holds. Running it again adds only what is new: people, groups and messages are found by where
// they came from (imported_from, and a message's clientId "slack:<channel>:<ts>"). What is left out is
// counted, with why, in the report.
import { and, eq, like, sql } from "drizzle-orm";
import { isUniqueViolation } from "../accounts/users.ts";
import { newTimeOrderedId } from "../lib/ids.ts";
import { forgetHistoryPages } from "../chat/history-pages.ts";
import { MAX_TEXT_BYTES } from "../chat/messages.ts";
import { requireDiskRoom, storeImportedFile, type IncomingBody } from "../files/attachments.ts";
import { boundaryOf, readFilePart } from "../files/multipart.ts";
import { AppError } from "../lib/errors.ts";
import { formatSize } from "../protocol/sizes.ts";
import type { AttachmentRow } from "../files/attachment-views.ts";
import { attachments, members, messages, reactions, users } from "../store/schema.ts";
import { readSlackExport, type SlackChannel, type SlackExport, type SlackMessage } from "./slack-export.ts";
import { slackEmoji, slackToMarkdown } from "./slack-text.ts";
import { count, groupFor, importPeople, type ImportDeps } from "./slack-roster.ts";
import type { Skipped, SlackImportReport } from "../protocol/imports.ts";

/** Messages written per transaction: the server keeps answering between them. */
const CHUNK = 500;

export type { ImportDeps, Skipped, SlackImportReport };

const clientIdOf = (channel: SlackChannel, ts: string) => `slack:${channel.id}:${ts}`;

/** Why a Slack message is not one to bring over, or null. */
function leftOut(m: SlackMessage, people: Map<string, string>): string | null {
  if (m.type !== "message") return "not a message";
  if (m.subtype === "bot_message" || (m.bot_id && !m.user)) return "from a bot";
  if (m.subtype && !["thread_broadcast", "file_share", "me_message"].includes(m.subtype))
    return "a channel notice (joins, topic and name changes)";
  if (!m.user || !people.has(m.user)) return "its author is not in the export";
  return null;
}

/** Brings a channel's messages over in chunks; files are stored before the chunk that carries them. */
async function importMessages(
  deps: ImportDeps,
  data: SlackExport,
  channel: SlackChannel,
  conversationId: string,
  people: Map<string, string>,
  report: SlackImportReport,
): Promise<void> {
  const { store } = deps.media;
  // What an earlier run brought over already, by clientId (replies find their thread's first message here).
  const known = new Map(
    store.db
      .select({ id: messages.id, clientId: messages.clientId })
      .from(messages)
      .where(and(eq(messages.conversationId, conversationId), like(messages.clientId, "slack:%")))
      .all()
      .map((r) => [r.clientId, r.id]),
  );
  const usernameOf = (slackId: string) => {
    const id = people.get(slackId);
    return id ? (store.db.select({ u: users.username }).from(users).where(eq(users.id, id)).get()?.u ?? null) : null;
  };
  const list = data.messages.get(channel.id) ?? [];
  for (let at = 0; at < list.length; at += CHUNK) {
    const chunk = list.slice(at, at + CHUNK);
    // Files first (stored outside the transaction, like uploads), for the messages that are new.
    const stored = new Map<string, AttachmentRow>();
    for (const m of chunk) {
      if (leftOut(m, people) || known.has(clientIdOf(channel, m.ts))) continue;
      for (const f of m.files) {
        if (f.mode === "tombstone" || f.mode === "hidden_by_limit") continue;
        const found = data.fileBytes(f.id);
        if (found)
          stored.set(
            f.id,
            await storeImportedFile(deps.media, people.get(m.user!)!, f.name ?? found.name, found.bytes),
          );
      }
    }
    await store.write((tx) => {
      for (const m of chunk) {
        const why = leftOut(m, people);
        if (why) {
          count(report.messages.skipped, why);
          continue;
        }
        const clientId = clientIdOf(channel, m.ts);
        if (known.has(clientId)) {
          report.messages.existing++;
          continue;
        }
        const senderId = people.get(m.user!)!;
        const missing: string[] = [];
        const files: AttachmentRow[] = [];
        for (const f of m.files) {
          const row = stored.get(f.id);
          if (row) files.push(row);
          else {
            count(
              report.files.skipped,
              f.mode === "tombstone"
                ? "deleted in Slack"
                : f.mode === "hidden_by_limit"
                  ? "hidden by Slack's plan limits"
                  : "not in the export (Slack keeps it)",
            );
            missing.push(f.title ?? f.name ?? "a file");
          }
        }
        let text = slackToMarkdown(m.text, usernameOf).trim();
        if (missing.length)
          text = [text, ...missing.map((name) => `📎 ${name} (not in the Slack export)`)].filter(Boolean).join("\n");
        if (!text && files.length === 0) {
          count(report.messages.skipped, "empty");
          continue;
        }
        if (Buffer.byteLength(text, "utf8") > MAX_TEXT_BYTES) {
          count(report.messages.skipped, "longer than Parley's 16 KiB for a message");
          continue;
        }
        const createdAt = Math.floor(Number(m.ts) * 1000);
        // A reply whose thread start is not in the export stays in the channel's timeline.
        const reply = m.thread_ts && m.thread_ts !== m.ts;
        const rootId = reply ? known.get(clientIdOf(channel, m.thread_ts!)) : undefined;
        const id = newTimeOrderedId(createdAt);
        try {
          tx.insert(messages)
            .values({
              id,
              conversationId,
              senderId,
              clientId,
              text,
              threadRootId: rootId ?? null,
              createdAt,
              editedAt: m.edited?.ts ? Math.floor(Number(m.edited.ts) * 1000) || null : null,
            })
            .run();
        } catch (err) {
          if (isUniqueViolation(err, "messages_sender_client_id_unique")) {
            report.messages.existing++;
            continue;
          }
          throw err;
        }
        known.set(clientId, id);
        report.messages.imported++;
        if (rootId) report.messages.threadReplies++;
        for (const row of files) {
          tx.insert(attachments)
            .values({ ...row, messageId: id, conversationId, createdAt })
            .run();
          report.files.imported++;
        }
        for (const r of m.reactions) {
          const emoji = slackEmoji(r.name);
          if (!emoji) {
            count(report.reactions.skipped, `a custom emoji of the workspace (:${r.name.split("::")[0]}:)`);
            continue;
          }
          for (const who of r.users) {
            const userId = people.get(who);
            if (!userId) {
              count(report.reactions.skipped, "by someone not in the export");
              continue;
            }
            tx.insert(reactions).values({ messageId: id, userId, emoji, createdAt }).onConflictDoNothing().run();
            report.reactions.imported++;
          }
        }
      }
    }, "import");
  }
  // Old messages come without events: the pages held in memory would not know of them.
  forgetHistoryPages(store.db);
  // What came over is history: not unread for anyone.
  await store.write((tx) => {
    const top = tx
      .select({ seq: sql<number>`max(${messages.seq})` })
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .get()?.seq;
    if (top)
      tx.update(members)
        .set({
          lastReadSeq: sql`max(${members.lastReadSeq}, ${top})`,
          lastDeliveredSeq: sql`max(${members.lastDeliveredSeq}, ${top})`,
        })
        .where(eq(members.conversationId, conversationId))
        .run();
  }, "import");
}

/** Imports a Slack export (the bytes of its zip). Safe to run again: it adds only what is new. */
export async function importSlack(deps: ImportDeps, zip: Uint8Array): Promise<SlackImportReport> {
  const data = readSlackExport(zip);
  const report: SlackImportReport = {
    people: { created: 0, existing: 0, skipped: {}, links: [] },
    groups: { created: 0, existing: 0, skipped: {} },
    messages: { imported: 0, existing: 0, threadReplies: 0, skipped: {} },
    reactions: { imported: 0, skipped: {} },
    files: { imported: 0, skipped: {} },
  };
  for (const u of data.unreadable) count(report.messages.skipped, `${u.reason} (${u.where})`);
  const { store } = deps.media;
  const people = await store.write((tx) => importPeople(tx, deps, data.users, report), "import");
  for (const channel of data.channels) {
    const conversationId = await store.write(
      (tx, afterCommit) => groupFor(tx, deps, channel, people, report, afterCommit),
      "import",
    );
    if (conversationId) await importMessages(deps, data, channel, conversationId, people, report);
  }
  return report;
}

/** The largest export the admin area takes (the command line takes any). */
export const MAX_EXPORT_BYTES = 512 * 1024 * 1024;

/** An export sent to the admin area (multipart, field "file"): on disk while it arrives, then imported. */
export async function importSlackUpload(deps: ImportDeps, body: IncomingBody): Promise<SlackImportReport> {
  const stream = body.stream;
  if (!stream) throw new AppError("BAD_REQUEST", "The request has no body.");
  if (body.declaredBytes > MAX_EXPORT_BYTES + 64 * 1024)
    throw new AppError("PAYLOAD_TOO_LARGE", `An export may be at most ${formatSize(MAX_EXPORT_BYTES)} here.`);
  requireDiskRoom(deps.media);
  const { temp } = await deps.media.temps.receive((write) =>
    readFilePart(stream, boundaryOf(body.contentType), "file", MAX_EXPORT_BYTES, write),
  );
  try {
    return await importSlack(deps, await Bun.file(temp.path).bytes());
  } finally {
    deps.media.temps.discard(temp);
  }
}
