import { AppError } from "../../lib/errors.ts";
import { clientAddress, type AppContext } from "../context.ts";

/**
 * Counts one login, registration or reset attempt against the caller's address and, when known, the
 * username it targets; over the limit it answers 429 with Retry-After. Per username as well as per
 * address, so guessing one account's password from many addresses is slow too.
 */
export function limitAuthAttempt(c: AppContext, username?: string): void {
  const { byAddress, byUsername } = c.get("deps").authLimits;
  let wait = byAddress.hit(clientAddress(c));
  if (!wait && username) wait = byUsername.hit(username.toLowerCase());
  if (wait) throw new AppError("RATE_LIMITED", `Too many attempts. Try again in ${wait} seconds.`, undefined, wait);
}
