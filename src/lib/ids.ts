import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

/** Random bytes as lowercase base32: URL-safe, case-insensitive, no ambiguity with padding. */
export function randomToken(bytes: number): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Opaque ids for rows: 80 random bits, enough that ids can't be guessed or collide. */
export function newId(): string {
  return randomToken(10);
}

export function randomHex(bytes: number): string {
  return encodeHexLowerCase(crypto.getRandomValues(new Uint8Array(bytes)));
}
