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

/** Base32 digits in ASCII order, so that encoded times sort as the times do (the same letters as newId). */
const SORTED_BASE32 = "234567abcdefghijklmnopqrstuvwxyz";

/**
 * Ids for rows written at a high rate (messages): the time in milliseconds first (10 base32 digits in ASCII
 * order), then newId's 80 random bits. Each new id lands at the end of the unique index instead of on a
 * random page of it, so a group commit rewrites a few index pages rather than one per message
 * (docs/performance.md). Still opaque to clients, and as unguessable as newId.
 */
export function newTimeOrderedId(now = Date.now()): string {
  let t = Math.max(0, Math.floor(now));
  let prefix = "";
  for (let i = 0; i < 10; i++) {
    prefix = SORTED_BASE32[t % 32] + prefix;
    t = Math.floor(t / 32);
  }
  return prefix + newId();
}

/**
 * How secrets (session secrets, reset tokens) are stored: a leaked database hands out nothing usable.
 * SHA-256 in hex. In JavaScript on purpose: Bun's native hashers (Bun.CryptoHasher, node:crypto) were a
 * little faster per hello but left about 1 KB of heap behind per connected socket (scripts/bench/idle-sockets.ts).
 */
export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}
