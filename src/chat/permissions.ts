// Who may do what in a conversation: the one decision point, used by HTTP routes and the socket alike.
// docs/permissions.md is generated from this file (bun scripts/gen-docs.ts) and checked by a test.
import { z } from "zod";
import { AppError } from "../lib/errors.ts";
import type { AdjustableRight, FixedRight, Permissions, Role } from "../protocol/views.ts";

export type { Role };
const rank: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** Rights a group's owner can set, with the least role that has them by default. */
export const adjustable = {
  post: { label: "Send messages", default: "member" },
  addMembers: { label: "Add members and create invite links", default: "admin" },
  removeMembers: { label: "Remove members (never the owner; admins only by the owner)", default: "admin" },
  editInfo: { label: "Change the group's name, description and picture", default: "admin" },
  pin: { label: "Pin and unpin messages", default: "admin" },
  deleteOthers: { label: "Delete other people's messages", default: "admin" },
  mentionEveryone: { label: "Mention @everyone", default: "admin" },
  startCalls: { label: "Start calls", default: "member" },
} as const satisfies Record<AdjustableRight, { label: string; default: Role }>;
export type AdjustableAction = keyof typeof adjustable;

/** Rights that are not adjustable. */
export const fixed = {
  read: { label: "Read history and receive events", role: "member" },
  react: { label: "React to messages", role: "member" },
  leave: { label: "Leave the group", role: "member" },
  manageRoles: { label: "Make members admins and back", role: "owner" },
  changePermissions: { label: "Change these rights", role: "owner" },
  transferOwnership: { label: "Hand the group to another member", role: "owner" },
  deleteGroup: { label: "Delete the group for everyone", role: "owner" },
} as const satisfies Record<FixedRight, { label: string; role: Role }>;
export type FixedAction = keyof typeof fixed;
export type Action = AdjustableAction | FixedAction;

export type { Permissions };

/** Presets offered when creating a group or in its settings. */
export const presets = {
  default: {} as Partial<Permissions>,
  // Announcements: only admins (and the owner) post; everyone reads and reacts.
  announcements: { post: "admin" } as Partial<Permissions>,
} as const;
export type Preset = keyof typeof presets;

const roleSchema = z.enum(["owner", "admin", "member"]);
/** What an owner may send to change the rights: any subset of the adjustable ones. */
export const permissionsInput = z
  .object(
    Object.fromEntries(Object.keys(adjustable).map((k) => [k, roleSchema.optional()])) as Record<
      AdjustableAction,
      z.ZodOptional<typeof roleSchema>
    >,
  )
  .strict();

/** The stored JSON with defaults filled in; unknown or broken values fall back to the defaults. */
export function readPermissions(stored: string): Permissions {
  let parsed: unknown = {};
  try {
    parsed = JSON.parse(stored);
  } catch {}
  const valid = permissionsInput.safeParse(parsed);
  const given = valid.success ? valid.data : {};
  return Object.fromEntries(
    Object.entries(adjustable).map(([k, v]) => [k, given[k as AdjustableAction] ?? v.default]),
  ) as Permissions;
}

export interface Subject {
  type: "direct" | "group";
  permissions: Permissions;
}

/** Group-only actions: a direct conversation is always exactly its two people, with no roles. */
const groupOnly = new Set<Action>([
  "addMembers",
  "removeMembers",
  "editInfo",
  "deleteOthers",
  "mentionEveryone",
  "leave",
  "manageRoles",
  "changePermissions",
  "transferOwnership",
  "deleteGroup",
]);

/** Whether a member with `role` may do `action` in the conversation. Non-members may do nothing. */
export function can(role: Role | null, action: Action, c: Subject): boolean {
  if (role === null) return false;
  if (c.type === "direct") return !groupOnly.has(action);
  const needed: Role =
    action in adjustable ? c.permissions[action as AdjustableAction] : fixed[action as FixedAction].role;
  return rank[role] >= rank[needed];
}

/** can(), or the error that says why not: NOT_A_MEMBER for outsiders, FORBIDDEN for missing rights. */
export function requireRight(role: Role | null, action: Action, c: Subject): void {
  if (role === null) throw new AppError("NOT_A_MEMBER");
  if (!can(role, action, c)) {
    const label =
      action in adjustable ? adjustable[action as AdjustableAction].label : fixed[action as FixedAction].label;
    throw new AppError(
      "FORBIDDEN",
      c.type === "direct"
        ? "Not possible in a direct conversation."
        : `Your role in this group may not do this: ${label.toLowerCase()}.`,
    );
  }
}

/** Whether `role` outranks `other` (an admin may act on members, only the owner on admins). */
export function outranks(role: Role, other: Role): boolean {
  return rank[role] > rank[other];
}

/** Everything a member may do, for clients to show only the controls that will work. */
export function capabilities(role: Role | null, c: Subject): Record<Action, boolean> {
  return Object.fromEntries(
    [...Object.keys(adjustable), ...Object.keys(fixed)].map((a) => [a, can(role, a as Action, c)]),
  ) as Record<Action, boolean>;
}

/** docs/permissions.md: every action, who may do it by default, and whether owners can change it. */
export function permissionsMarkdown(): string {
  const roles: Role[] = ["owner", "admin", "member"];
  const mark = (ok: boolean) => (ok ? "yes" : "—");
  const group: Subject = { type: "group", permissions: readPermissions("{}") };
  const announcements: Subject = { type: "group", permissions: readPermissions(JSON.stringify(presets.announcements)) };
  const rows = [...Object.entries(adjustable), ...Object.entries(fixed)].map(([action, def]) => {
    const a = action as Action;
    const adjustableRight = action in adjustable;
    return `| \`${action}\` | ${def.label} | ${roles.map((r) => mark(can(r, a, group))).join(" | ")} | ${adjustableRight ? "yes" : "no"} | ${mark(can("member", a, announcements))} | ${mark(can("member", a, { type: "direct", permissions: group.permissions }))} |`;
  });
  return [
    "# Permissions in conversations",
    "",
    "Generated from `src/chat/permissions.ts` by `bun scripts/gen-docs.ts`; a test fails when it is out of date.",
    "Every HTTP route and WebSocket frame asks the same `can(role, action, conversation)`.",
    "",
    "A group has exactly one **owner**, any number of **admins**, and **members**. People who are not members may",
    "do nothing (`403 NOT_A_MEMBER`, the same answer whether or not the group exists); a member without the right",
    "gets `403 FORBIDDEN`, and nothing changes. Admins act on members; only the owner acts on admins.",
    "",
    "| action | what | owner | admin | member | owner may change | member, announcements preset | either person, direct conversation |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "The **announcements** preset sets `post` to admins; everything else keeps its default.",
    "",
    "**Instance admins** see every group's name, description and members in the admin area, and may delete a",
    "group (for abuse). They cannot read a group's messages unless they are a member; moderation of messages",
    "happens by the group's own admins.",
    "",
  ].join("\n");
}
