import { AppError } from "../lib/errors.ts";

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

// Verifying against this when the user does not exist makes a wrong username cost as long as a wrong
// password, so response time does not tell which usernames exist.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (!hash) {
    dummyHash ??= hashPassword("parley-timing-equaliser");
    await Bun.password.verify(password, await dummyHash);
    return false;
  }
  return Bun.password.verify(password, hash);
}

export function requireAcceptablePassword(password: string, minLength: number, field = "password"): void {
  if ([...password].length < minLength) {
    throw new AppError("WEAK_PASSWORD", `The password needs at least ${minLength} characters.`, field);
  }
}
