import { z } from "zod";

// The shape of account fields, shared by every route that accepts them.

// ASCII only: look-alike letters from other scripts would let one person pose as another.
export const username = z
  .string()
  .trim()
  .min(3, "Usernames have at least 3 characters.")
  .max(32, "Usernames have at most 32 characters.")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "Use letters, digits, '.', '_' and '-', starting with a letter or digit.");

// No control or invisible formatting characters: a name must look like what it is.
const visibleText = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u;

export const displayName = z
  .string()
  .trim()
  .min(1, "The display name cannot be empty.")
  .max(64, "Display names have at most 64 characters.")
  .regex(visibleText, "The display name contains invisible or control characters.");

// A bio may span lines; other control characters are refused.
export const bio = z
  .string()
  .trim()
  .max(500, "The bio has at most 500 characters.")
  .refine((s) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(s), "The bio contains control characters.");

export const email = z.email("Not an email address.").max(254);

// Length is checked against the configured policy in passwords.ts; this only bounds the work argon2 does.
export const password = z.string().min(1, "The password cannot be empty.").max(256, "Passwords have at most 256 characters.");

export const inviteCode = z.string().trim().min(1).max(64);
