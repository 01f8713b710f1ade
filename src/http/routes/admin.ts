import { Hono } from "hono";
import { z } from "zod";
import { humanText } from "../../lib/text-policy.ts";
import { updateUserByAdmin } from "../../accounts/admin.ts";
import { setInstanceLogo } from "../../files/avatars.ts";
import {
  getInstanceSettings,
  instanceSettingsPatch,
  logoUrl,
  updateInstanceSettings,
} from "../../accounts/instance-settings.ts";
import { createInvite, inviteUses, listInvites, revokeInvite, toInviteView } from "../../accounts/invites.ts";
import { createResetLink } from "../../accounts/password-reset.ts";
import { listUsers, toAccountView, toAdminAccountView } from "../../accounts/users.ts";
import { listAllGroups } from "../../chat/conversation-list.ts";
import { addressesView } from "../../ops/addresses.ts";
import { importSlackUpload } from "../../ops/slack-import.ts";
import { toIso } from "../../lib/time.ts";
import { authOf, type AppEnv } from "../context.ts";
import { requireAdmin } from "../middleware/session.ts";
import { futureDate, readJson, incomingBody } from "../validate.ts";

const newInvite = z.object({
  maxUses: z.number().int().min(1).max(10_000).nullable().optional(),
  expiresAt: futureDate.nullable().optional(),
  note: humanText("The note", { max: 200 }).optional(),
});

const userPatch = z
  .object({ role: z.enum(["admin", "member"]).optional(), deactivated: z.boolean().optional() })
  .refine((p) => p.role !== undefined || p.deactivated !== undefined, {
    message: "Give role or deactivated.",
    path: ["role"],
  });

/** Mounted at /api/v1/admin: instance administration, admins only. */
export const adminRoutes = new Hono<AppEnv>()
  .use(requireAdmin)
  .get("/groups", (c) => c.json({ groups: listAllGroups(c.get("deps").store.db) }))
  // A Slack export (multipart, field "file"): imported, answered with what came over and what did not.
  .post("/imports/slack", async (c) => {
    const { media, config, chat } = c.get("deps");
    const deps = { media, publicUrl: config.publicUrl, adminId: authOf(c).user.id, publisher: chat.publisher };
    return c.json({ report: await importSlackUpload(deps, incomingBody(c)) });
  })
  .get("/users", (c) => c.json({ users: listUsers(c.get("deps").store.db).map(toAdminAccountView) }))
  .patch("/users/:id", async (c) => {
    const patch = await readJson(c, userPatch);
    return c.json({ user: toAccountView(await updateUserByAdmin(c.get("deps").store, c.req.param("id"), patch)) });
  })
  .post("/users/:id/password-reset", async (c) => {
    const { store, config } = c.get("deps");
    const link = await createResetLink(store, authOf(c).user.id, c.req.param("id"), config.publicUrl);
    return c.json({ url: link.url, expiresAt: toIso(link.expiresAt) }, 201);
  })
  .get("/invites", (c) => {
    const { store, config } = c.get("deps");
    const uses = inviteUses(store.db);
    return c.json({
      invites: listInvites(store.db).map((i) => toInviteView(i, config.publicUrl, uses.get(i.code))),
    });
  })
  .get("/addresses", (c) => c.json({ addresses: addressesView(c.get("deps").config) }))
  .post("/invites", async (c) => {
    const body = await readJson(c, newInvite);
    const { store, config } = c.get("deps");
    const adminId = authOf(c).user.id;
    const invite = await store.write((tx) => createInvite(tx, adminId, body), "account");
    return c.json({ invite: toInviteView(invite, config.publicUrl) }, 201);
  })
  .delete("/invites/:code", async (c) => {
    const code = c.req.param("code");
    await c.get("deps").store.write((tx) => revokeInvite(tx, code), "account");
    return c.body(null, 204);
  })
  .get("/settings", (c) => {
    const { store, config } = c.get("deps");
    // Limits come from the start-up configuration (docs/configuration.md): shown, not changed here.
    const limits = {
      maxUploadBytes: config.maxUploadBytes,
      userQuotaBytes: config.userQuotaBytes,
      storage: config.storage,
      sessionTtlDays: config.sessionTtlDays,
      passwordMinLength: config.passwordMinLength,
      pushPrivate: config.pushPrivate,
      unsentUploadTtlSeconds: config.unsentUploadTtlSeconds,
    };
    return c.json({ settings: getInstanceSettings(store.db), limits });
  })
  // The logo: a JPEG, PNG or WebP in a multipart body (field "file"), stored as a square WebP.
  .put("/logo", async (c) => {
    const key = await setInstanceLogo(c.get("deps").media, incomingBody(c));
    return c.json({ logoUrl: logoUrl(key) });
  })
  .delete("/logo", async (c) => {
    await setInstanceLogo(c.get("deps").media, null);
    return c.json({ logoUrl: null });
  })
  .patch("/settings", async (c) => {
    const patch = await readJson(c, instanceSettingsPatch);
    const settings = await c.get("deps").store.write((tx) => updateInstanceSettings(tx, patch), "account");
    return c.json({ settings });
  });
