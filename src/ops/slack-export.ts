// What a Slack workspace export (the .zip from "Export data") holds, read and checked: users.json,
// channels.json (public channels) and one folder per channel of daily files of messages. Only the fields
// Parley uses are read; anything else in them is ignored. Files are in the export only when the tool that
// made it put them there (under __uploads/<file id>/, or a folder named after the file id).
import { unzipSync } from "fflate";
import { z } from "zod";
import { AppError } from "../lib/errors.ts";

/** An export larger than this unpacked is refused (it would be read into memory). */
export const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

const slackUser = z.looseObject({
  id: z.string().min(1).max(40),
  name: z.string().max(200).default(""),
  deleted: z.boolean().default(false),
  is_bot: z.boolean().default(false),
  real_name: z.string().max(200).optional(),
  profile: z
    .looseObject({
      display_name: z.string().max(200).optional(),
      real_name: z.string().max(200).optional(),
      email: z.string().max(254).optional(),
    })
    .default({}),
});

const slackChannel = z.looseObject({
  id: z.string().min(1).max(40),
  name: z.string().min(1).max(200),
  created: z.number().nonnegative().optional(),
  creator: z.string().max(40).optional(),
  members: z.array(z.string().max(40)).default([]),
  purpose: z.looseObject({ value: z.string().max(4000).default("") }).optional(),
});

const slackFile = z.looseObject({
  id: z.string().min(1).max(40),
  name: z.string().max(500).optional(),
  title: z.string().max(500).optional(),
  mode: z.string().max(40).optional(),
});

const slackMessage = z.looseObject({
  type: z.string().max(40),
  subtype: z.string().max(60).optional(),
  user: z.string().max(40).optional(),
  bot_id: z.string().max(40).optional(),
  text: z.string().max(200_000).default(""),
  ts: z.string().regex(/^\d{1,12}(\.\d{1,9})?$/),
  thread_ts: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,9})?$/)
    .optional(),
  edited: z.looseObject({ ts: z.string().max(40).optional() }).optional(),
  reactions: z
    .array(z.looseObject({ name: z.string().min(1).max(100), users: z.array(z.string().max(40)).default([]) }))
    .default([]),
  files: z.array(slackFile).default([]),
});

export type SlackUser = z.infer<typeof slackUser>;
export type SlackChannel = z.infer<typeof slackChannel>;
export type SlackMessage = z.infer<typeof slackMessage>;
export type SlackFile = z.infer<typeof slackFile>;

export interface SlackExport {
  users: SlackUser[];
  channels: SlackChannel[];
  /** Per channel id, its messages oldest first; entries that are not messages Parley can read are counted. */
  messages: Map<string, SlackMessage[]>;
  /** Lines of the daily files that could not be read, with why. */
  unreadable: { where: string; reason: string }[];
  /** A file's bytes, if the export has them. */
  fileBytes(id: string): { name: string; bytes: Uint8Array } | null;
}

function parseJson(entries: Record<string, Uint8Array>, path: string): unknown {
  const bytes = entries[path];
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new AppError("VALIDATION_FAILED", `${path} in the export is not JSON.`, "file");
  }
}

/** Reads a Slack export from the bytes of its zip; refuses anything that is not one. */
export function readSlackExport(zip: Uint8Array): SlackExport {
  let entries: Record<string, Uint8Array>;
  let unpacked = 0;
  try {
    entries = unzipSync(zip, {
      filter: (f) => {
        unpacked += f.originalSize;
        if (unpacked > MAX_UNPACKED_BYTES)
          throw new AppError("PAYLOAD_TOO_LARGE", "The export is too large to import.");
        return !f.name.endsWith("/");
      },
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError("VALIDATION_FAILED", "The file is not a zip archive.", "file");
  }
  // Some tools put everything in one top folder: read from there.
  const top = Object.keys(entries).find((p) => p.endsWith("users.json") && p.split("/").length <= 2);
  const base = top ? top.slice(0, -"users.json".length) : "";
  const at = (p: string) => base + p;
  const users = z.array(slackUser).safeParse(parseJson(entries, at("users.json")));
  const channels = z.array(slackChannel).safeParse(parseJson(entries, at("channels.json")) ?? []);
  if (!users.success || !channels.success || !entries[at("channels.json")])
    throw new AppError(
      "VALIDATION_FAILED",
      "This is not a Slack export: it needs users.json and channels.json.",
      "file",
    );

  const messages = new Map<string, SlackMessage[]>();
  const unreadable: SlackExport["unreadable"] = [];
  for (const channel of channels.data) {
    const folder = at(`${channel.name}/`);
    const days = Object.keys(entries)
      .filter((p) => p.startsWith(folder) && /^\d{4}-\d{2}-\d{2}\.json$/.test(p.slice(folder.length)))
      .sort();
    const list: SlackMessage[] = [];
    for (const day of days) {
      const raw = parseJson(entries, day);
      if (!Array.isArray(raw)) {
        unreadable.push({ where: day, reason: "not a list of messages" });
        continue;
      }
      for (const item of raw) {
        const m = slackMessage.safeParse(item);
        if (m.success) list.push(m.data);
        else unreadable.push({ where: day, reason: "a message Parley cannot read" });
      }
    }
    messages.set(
      channel.id,
      list.sort((a, b) => Number(a.ts) - Number(b.ts)),
    );
  }
  const files = new Map<string, { name: string; bytes: Uint8Array }>();
  for (const [path, bytes] of Object.entries(entries)) {
    const parts = path.slice(base.length).split("/");
    // __uploads/<file id>/<name>, or <anything>/<file id>/<name>
    if (parts.length >= 2) files.set(parts.at(-2)!, { name: parts.at(-1)!, bytes });
  }
  return {
    users: users.data,
    channels: channels.data,
    messages,
    unreadable,
    fileBytes: (id) => files.get(id) ?? null,
  };
}
