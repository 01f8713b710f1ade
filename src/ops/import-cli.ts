// `parley import slack <export.zip>`: the Slack import of the admin area, from the shell of the machine
// Parley runs on (works while the server runs: SQLite takes turns). Prints what came over, what did not
// and why, and each new person's link to choose a password.
import { join, resolve } from "node:path";
import { rmSync } from "node:fs";
import { eq } from "drizzle-orm";
import { loadConfig } from "../config/config.ts";
import { createFileStore } from "../files/create-file-store.ts";
import { TempFiles } from "../files/file-store.ts";
import { AppError } from "../lib/errors.ts";
import { createLogger } from "../lib/log.ts";
import { findUserByUsername } from "../accounts/users.ts";
import { users } from "../store/schema.ts";
import { openCommandStore } from "../store/configured-store.ts";
import { DiskSpace } from "./disk-space.ts";
import { importSlack, type SlackImportReport } from "./slack-import.ts";

export const IMPORT_USAGE = `usage: parley import slack <export.zip> [--admin USERNAME] [--data-dir DIR]
  Brings a Slack workspace export in: people as accounts with a link each to choose a password, public
  channels as groups, messages with threads, reactions and the files the export holds. Run it again to
  add what is new; nothing is doubled.
`;

/** The report as lines for a terminal. */
export function reportLines(r: SlackImportReport): string[] {
  const reasons = (skipped: Record<string, number>) =>
    Object.entries(skipped).map(([why, n]) => `    ${n} left out: ${why}`);
  return [
    `People: ${r.people.created} new, ${r.people.existing} already here`,
    ...reasons(r.people.skipped),
    `Groups: ${r.groups.created} new, ${r.groups.existing} already here`,
    ...reasons(r.groups.skipped),
    `Messages: ${r.messages.imported} brought over (${r.messages.threadReplies} in threads), ${r.messages.existing} already here`,
    ...reasons(r.messages.skipped),
    `Reactions: ${r.reactions.imported}`,
    ...reasons(r.reactions.skipped),
    `Files: ${r.files.imported}`,
    ...reasons(r.files.skipped),
    ...(r.people.links.length ? ["", "Send each new person their link to choose a password (valid 14 days):"] : []),
    ...r.people.links.map((l) => `  ${l.displayName} (@${l.username}): ${l.url}`),
  ];
}

export async function runImportCommand(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const args = [...argv];
  const kind = args.shift();
  const at = args.indexOf("--admin");
  const adminName = at === -1 ? undefined : args.splice(at, 2)[1];
  const file = args.shift();
  if (kind !== "slack" || !file || file.startsWith("-")) {
    err(IMPORT_USAGE.trimEnd());
    return 2;
  }
  const config = loadConfig({ args });
  const store = openCommandStore(config);
  const tmp = join(config.dataDir, ".import-tmp");
  try {
    const admin = adminName
      ? findUserByUsername(store.db, adminName)
      : store.db.select().from(users).where(eq(users.role, "admin")).get();
    if (!admin || admin.role !== "admin") {
      err(adminName ? `parley import: "${adminName}" is not an admin here` : "parley import: there is no admin yet");
      return 1;
    }
    const temps = new TempFiles(tmp);
    const log = createLogger({ format: "pretty", level: "warn", write: err });
    const media = {
      store,
      files: createFileStore(config, temps),
      temps,
      disk: new DiskSpace(config.dataDir, config.minFreeBytes, log),
      limits: config,
    };
    const report = await importSlack(
      { media, publicUrl: config.publicUrl, adminId: admin.id },
      await Bun.file(resolve(file)).bytes(),
    );
    for (const line of reportLines(report)) out(line);
    return 0;
  } catch (e) {
    err(`parley import: ${e instanceof AppError ? e.message : (e as Error).message}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    store.close();
  }
}
