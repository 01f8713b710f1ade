import { eq } from "drizzle-orm";
import { AppError } from "../lib/errors.ts";
import { users } from "../store/schema.ts";
import type { Store } from "../store/store.ts";
import { deleteUserSessions, type UserRow } from "./sessions.ts";
import { countOtherActiveAdmins, forgetUser, requireUser } from "./users.ts";

// What instance admins do to other accounts.

export function updateUserByAdmin(
  store: Store,
  targetId: string,
  patch: { role?: "admin" | "member"; deactivated?: boolean },
): Promise<UserRow> {
  return store.write((tx) => {
    const target = requireUser(tx, targetId);
    const losesAdmin =
      target.role === "admin" &&
      target.deactivatedAt === null &&
      (patch.role === "member" || patch.deactivated === true);
    if (losesAdmin && countOtherActiveAdmins(tx, targetId) === 0) throw new AppError("LAST_ADMIN");
    const now = Date.now();
    const set: Partial<UserRow> = { updatedAt: now };
    if (patch.role) set.role = patch.role;
    if (patch.deactivated !== undefined) set.deactivatedAt = patch.deactivated ? (target.deactivatedAt ?? now) : null;
    // A deactivated user is signed out everywhere at once, not when their sessions happen to expire.
    if (patch.deactivated) deleteUserSessions(tx, targetId);
    const row = tx.update(users).set(set).where(eq(users.id, targetId)).returning().get()!;
    forgetUser(tx, targetId);
    return row;
  }, "account");
}
