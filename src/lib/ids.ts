import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

/** Random bytes as lowercase base32: URL-safe, case-insensitive, no ambiguity with padding. */
export function randomToken(bytes: number): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Opaque ids for rows: 80 random bits, enough that ids can't be guessed or collide. */
export function newId(): string {
  return randomToken(10);
}

/** How secrets (session secrets, reset tokens) are stored: a leaked database hands out nothing usable. */
export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}
