// "Find people I know": emails and usernames someone types or pastes, matched by the server's contact API
// (POST /contacts/match). Emails leave the browser only as SHA-256 hashes of the address trimmed and
// lower-cased, as the API asks; what matched is shown against what was typed.
import { api, type Profile } from "./api.ts";

/** The API's bound: at most this many identifiers in one lookup. */
export const MAX_CONTACTS = 500;

export interface ContactList {
  emails: string[];
  usernames: string[];
  /** Neither an email nor a username, as typed. */
  invalid: string[];
}

/** Splits what was typed or pasted (commas, semicolons, spaces, lines; "Name <a@b.c>" too) into emails and usernames. */
export function parseContacts(text: string): ContactList {
  const out: ContactList = { emails: [], usernames: [], invalid: [] };
  const seen = new Set<string>();
  // "Ana Bell <ana@example.com>", as address books write them: the address alone, not the name's words.
  const addresses = text.replace(/[^,;\n<>]*<([^<>\s]+)>/g, " $1 ");
  for (const raw of addresses.split(/[\s,;]+/)) {
    const item = raw.replace(/^<|>$/g, "").trim();
    if (!item) continue;
    const key = item.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    if (/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(item)) out.emails.push(key);
    else if (/^@?[A-Za-z0-9._-]{1,64}$/.test(item)) out.usernames.push(item.replace(/^@/, ""));
    else out.invalid.push(item);
  }
  return out;
}

/** SHA-256 hex of the address, trimmed and lower-cased (the contact API's email identifier). */
export async function hashEmail(email: string): Promise<string> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email.trim().toLowerCase())),
  );
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface Found {
  /** What was typed (the email, not its hash). */
  typed: string;
  user: Profile;
}

/** Who of these is on this server (and findable); the rest by what was typed. */
export async function findPeople(list: ContactList): Promise<{ found: Found[]; missing: string[] }> {
  const hashes = new Map(await Promise.all(list.emails.map(async (e) => [await hashEmail(e), e] as const)));
  const { matches } = await api<{ matches: { identifier: string; user: Profile }[] }>("POST", "/contacts/match", {
    usernames: list.usernames,
    emailHashes: [...hashes.keys()],
  });
  const asked = [...list.emails, ...list.usernames];
  const order = (typed: string) => asked.findIndex((t) => t.toLowerCase() === typed.toLowerCase());
  const found = matches
    .map((m) => ({ typed: hashes.get(m.identifier.toLowerCase()) ?? m.identifier, user: m.user }))
    .sort((a, b) => order(a.typed) - order(b.typed));
  const hit = new Set(found.map((f) => f.typed.toLowerCase()));
  const missing = asked.filter((t) => !hit.has(t.toLowerCase()));
  return { found, missing };
}
