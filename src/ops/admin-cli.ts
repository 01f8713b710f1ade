// `parley admin ...`: what the admin area does, from the shell of the machine Parley runs on (whoever can
// read the data folder is trusted already). Works while the server runs: SQLite takes turns.
import { eq } from "drizzle-orm";
import { updateUserByAdmin } from "../accounts/admin.ts";
import * as f from "../accounts/fields.ts";
import { registrationModes, updateInstanceSettings, type RegistrationMode } from "../accounts/instance-settings.ts";
import { createInvite, toInviteView } from "../accounts/invites.ts";
import { createResetLink } from "../accounts/password-reset.ts";
import { findUserByUsername, insertUser } from "../accounts/users.ts";
import { loadConfig } from "../config/config.ts";
import { AppError } from "../lib/errors.ts";
import { newId } from "../lib/ids.ts";
import { toIso } from "../lib/time.ts";
import { users } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { openCommandStore } from "../store/configured-store.ts";

export const ADMIN_USAGE = `usage: parley admin <command> [options]
  create-user <username> [--display-name NAME] [--admin]   a new account, with a link to set its password
  reset-link <username>                                      a password-reset link (valid one day)
  promote <username> | demote <username>                     make or unmake an instance admin
  invite                                                     an invite link for one person
  registration <open|invite|closed>                          who may create an account
`;

function take(args: string[], flag: string, withValue: boolean): string | boolean | undefined {
  const i = args.indexOf(flag);
  if (i === -1) return undefined;
  const [, value] = args.splice(i, withValue ? 2 : 1);
  return withValue ? value : true;
}

function someAdmin(store: Store): string {
  const admin = store.db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).get();
  if (!admin) throw new Error("there is no admin yet: create one with parley admin create-user <name> --admin");
  return admin.id;
}

function requireUsername(store: Store, name: string | undefined) {
  const user = name ? findUserByUsername(store.db, name) : undefined;
  if (!user || user.deletedAt !== null) throw new Error(`no account named "${name ?? ""}"`);
  return user;
}

export async function runAdminCommand(
  argv: string[],
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const args = [...argv];
  const command = args.shift();
  const displayName = take(args, "--display-name", true) as string | undefined;
  const makeAdmin = take(args, "--admin", false) === true;
  const positional = args.length > 0 && !args[0]!.startsWith("-") ? args.shift() : undefined;
  const config = loadConfig({ args });
  const store = openCommandStore(config);
  try {
    switch (command) {
      case "create-user": {
        const username = f.username.parse(positional ?? "");
        const user = insertUser(store.db, {
          id: newId(),
          username,
          displayName: f.displayName.parse(displayName ?? username),
          passwordHash: null,
          role: makeAdmin ? "admin" : "member",
        });
        const link = await createResetLink(store, makeAdmin ? user.id : someAdmin(store), user.id, config.publicUrl);
        out(`Created ${user.role} "${user.username}". They set their password here (until ${toIso(link.expiresAt)}):`);
        out(link.url);
        return 0;
      }
      case "reset-link": {
        const user = requireUsername(store, positional);
        const link = await createResetLink(store, someAdmin(store), user.id, config.publicUrl);
        out(`Password-reset link for "${user.username}" (until ${toIso(link.expiresAt)}):`);
        out(link.url);
        return 0;
      }
      case "promote":
      case "demote": {
        const user = requireUsername(store, positional);
        await updateUserByAdmin(store, user.id, { role: command === "promote" ? "admin" : "member" });
        out(`"${user.username}" is ${command === "promote" ? "now an admin" : "no longer an admin"}.`);
        return 0;
      }
      case "invite": {
        const invite = toInviteView(
          createInvite(store.db, someAdmin(store), { note: "from the command line" }),
          config.publicUrl,
        );
        out(`Invite link for one person (until ${invite.expiresAt}):`);
        out(invite.url);
        return 0;
      }
      case "registration": {
        if (!registrationModes.includes(positional as RegistrationMode))
          throw new Error("registration is open, invite or closed");
        updateInstanceSettings(store.db, { registrationMode: positional as RegistrationMode });
        out(`Registration is now ${positional}.`);
        return 0;
      }
      default:
        err(ADMIN_USAGE);
        return 2;
    }
  } catch (e) {
    const message =
      e instanceof AppError
        ? e.message
        : e instanceof Error && "issues" in e
          ? (e as { issues: { message: string }[] }).issues.map((i) => i.message).join(" ")
          : (e as Error).message;
    err(`parley admin ${command}: ${message}`);
    return 1;
  } finally {
    store.close();
  }
}
