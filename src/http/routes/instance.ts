import { Hono } from "hono";
import { getInstanceSettings, getLogoKey } from "../../accounts/instance-settings.ts";
import { AppError } from "../../lib/errors.ts";
import { countUsers } from "../../accounts/users.ts";
import { version } from "../../lib/version.ts";
import type { AppEnv } from "../context.ts";

/** Public runtime facts the web app needs before anyone signs in, so one bundle serves every install. */
export const instanceRoutes = new Hono<AppEnv>().get("/instance", (c) => {
  const { store, mailer, config } = c.get("deps");
  const settings = getInstanceSettings(store.db);
  const logoKey = getLogoKey(store.db);
  c.header("Cache-Control", "no-store");
  return c.json({
    name: settings.instanceName,
    version,
    publicUrl: config.publicUrl,
    setupRequired: countUsers(store.db) === 0,
    registrationMode: settings.registrationMode,
    features: { emailPasswordReset: mailer !== null },
    passwordMinLength: config.passwordMinLength,
    logoUrl: logoKey ? `/api/v1/instance/logo/${logoKey}` : null,
  });
})
  // Public (the sign-in page shows it); the URL names the picture's hash, so it caches for good.
  .get("/instance/logo/:key", async (c) => {
    const { store, media } = c.get("deps");
    const key = getLogoKey(store.db);
    if (!key || key !== c.req.param("key")) throw new AppError("NOT_FOUND", "No such logo.");
    const bytes = await media.files.blob(key).bytes();
    return c.body(bytes, 200, { "Content-Type": "image/webp", "Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=31536000, immutable" });
  });
