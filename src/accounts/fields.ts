import { z } from "zod";
import { humanText } from "../lib/text-policy.ts";

// The shape of account fields, shared by every route that accepts them.

// ASCII only: look-alike letters from other scripts would let one person pose as another.
export const username = z
  .string()
  .trim()
  .min(3, "Usernames have at least 3 characters.")
  .max(32, "Usernames have at most 32 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "Use letters, digits, '.', '_' and '-', starting with a letter or digit.");

// A name must look like what it is: the one text policy (lib/text-policy.ts) for everything people show.
export const displayName = humanText("The display name", { min: 1, max: 64 });

// A bio may span lines.
export const bio = humanText("The bio", { max: 500, multiline: true });

export const email = z.email("Not an email address.").max(254);

// Length is checked against the configured policy in passwords.ts; this only bounds the work argon2 does.
export const password = z
  .string()
  .min(1, "The password cannot be empty.")
  .max(256, "Passwords have at most 256 characters.");

export const inviteCode = z.string().trim().min(1).max(64);

/** Time zones this runtime knows (IANA names), and UTC. */
let zones: Set<string> | undefined;
/** An IANA time zone such as "Europe/Berlin", as a browser reports it. */
export const timeZone = z
  .string()
  .max(64)
  .refine((zone) => (zones ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC"])).has(zone), {
    message: "That is not a time zone (an IANA name such as Europe/Berlin).",
  });
